"""What natpolicy reads from Rego source text itself, before any engine sees it.

* the package and the names of the rules defined at top level, so each rule
  can be queried on its own (each query gets its own statement budget, and
  helper rules are never evaluated for nothing);
* Rego v0 syntax, which regopy 1.5.2 accepts but misreads (``deny[msg] { }``
  becomes an object), and the ``deny[msg] if`` form conftest refuses;
* byte offsets (rego-cpp's unit) to line:column.

A small tokenizer is enough: it skips comments and strings, tracks bracket
depth, and looks only at depth 0 where rule heads live.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence

from natpolicy.records import field, record

__all__ = ["Token", "Call", "ModuleInfo", "SourceProblem", "scan_module", "calls_in", "line_col", "comments",
           "NOT_VARIABLES", "rule_line", "dotted_end", "dotted_name", "dotted_call", "dotted_start"]

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>:=|==|!=|<=|>=|[{}\[\]().,;:=<>|&+\-*/%])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# After one of these, a `{` opens a value (object/set literal), not a rule body.
_VALUE_CONTEXT = frozenset({":=", "=", "==", "!=", "contains", ",", "(", "[", "in", "|", ":", "else", "default"})
# Names that are never a rule's variable: the roots `input` and `data`, `_`, the literals and the keywords.
NOT_VARIABLES = frozenset({"input", "data", "_", "true", "false", "null", "some", "in", "not", "every", "if", "else",
                           "contains", "default", "with", "as", "import", "package"})
_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not", "with",
                       "as"})


@record(frozen=True)
class Token:
    kind: str
    text: str
    offset: int  # character offset in the source
    depth: int  # bracket depth before the token


@record
class SourceProblem:
    """Something natpolicy refuses before the engine sees it (v0 syntax, `with`)."""

    offset: int
    message: str
    # "v0": Rego v0 syntax (read with --rego-version v0 by an engine that can);
    # "v1-object": `deny[msg] if`, an object in v1 but a set in v0; "": refused in both.
    kind: str = ""


@record(frozen=True)
class Call:
    offset: int  # character offset of the name
    name: str  # dotted: "net.cidr_contains", "f"


@record
class ModuleInfo:
    package: str = ""
    rules: list[str] = field(default_factory=list)  # top-level rule names, in order, unique
    problems: list[SourceProblem] = field(default_factory=list)
    mentions_natpolicy_data: bool = False
    # Dotted names called like functions (`net.cidr_contains(`), in order:
    # checked against the engine's builtins at load time, so a missing one is
    # an error instead of a silently undefined expression.
    calls: list[Call] = field(default_factory=list)
    # Names bound by `import data.x.y [as z]` / `import input...`: calls
    # through them reach policy functions, not builtins.
    import_aliases: set[str] = field(default_factory=set)
    # `import rego.v1`: the module is Rego v1 whatever --rego-version says, as in OPA and conftest.
    imports_rego_v1: bool = False


def tokens(source: str) -> list[Token]:
    """The tokens of ``source``, comments and blanks left out, each with its bracket depth.

    A module is read by several passes (the guards, the static checks, the module scan, each
    engine's rewrites), so one tokenization per text is kept; each caller gets its own list.
    """
    return list(_tokenize(source))


@functools.lru_cache(maxsize=64)
def _tokenize(source: str) -> tuple[Token, ...]:
    out: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        text = match.group()
        if kind == "op" and text in "}])":
            depth = max(0, depth - 1)
            out.append(Token(kind, text, match.start(), depth))
            continue
        out.append(Token(kind, text, match.start(), depth))
        if kind == "op" and text in "{[(":
            depth += 1
    return tuple(out)


@functools.lru_cache(maxsize=64)
def comments(source: str) -> tuple[tuple[int, str], ...]:
    """(offset of its ``#``, its text after the ``#``) of each comment, in order (a ``#`` in a string is none)."""
    return tuple((m.start(), m.group()[1:]) for m in _TOKEN.finditer(source) if m.lastgroup == "comment")


_CONFTEST_RULE = re.compile(r"^(deny|violation|warn)(_[A-Za-z0-9_]+)*$")


def scan_module(source: str) -> ModuleInfo:
    info = ModuleInfo()
    toks = tokens(source)
    # data.natpolicy.lib / .rules are the twins' own packages, not computed data.
    info.mentions_natpolicy_data = "natpolicy" in source and re.search(
        r"\bdata\s*\.\s*natpolicy\b(?!\s*\.\s*(?:lib|rules)\b)", source) is not None
    seen: set[str] = set()
    # A statement starts at depth 0 with an identifier that follows a closed
    # statement; we approximate "follows" by the previous depth-0 token ending
    # a line or a block, which holds for formatted and unformatted Rego alike.
    prev: Token | None = None
    current = "rule"  # the rule whose head we are in
    for i, tok in enumerate(toks):
        if tok.kind == "ident" and tok.text == "with" and not (prev is not None and prev.text == "."):
            # regopy's only: natpolicy.rego.guards refuses it there; regorus answers `with` as OPA (the probes).
            info.problems.append(SourceProblem(tok.offset, (
                "`with` makes regopy 1.5.2 abort the whole process (rego-cpp: \"shape `rego-localref` has no "
                "field `rego-refhead`\"); natpolicy refuses it on regopy: run on regorus (the default engine) or "
                "opa"), "with"))
        if tok.depth != 0:
            prev = tok
            continue
        if tok.kind == "ident" and tok.text == "package" and not info.package:
            info.package = _package_name(source, tok.offset + len("package"))
        elif tok.kind == "ident" and tok.text == "import" and _starts_statement(source, toks, i):
            alias = _import_alias(source, tok.offset)
            if alias:
                info.import_aliases.add(alias)
            elif re.match(r"import\s+rego\s*\.\s*v1\b", source[tok.offset:tok.offset + 40]):
                info.imports_rego_v1 = True
        elif tok.kind == "ident" and tok.text == "default" and _starts_statement(source, toks, i):
            # `default deny := []` defines `deny` as much as a rule body does.
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is not None and nxt.kind == "ident" and nxt.text not in _KEYWORDS:
                current = nxt.text
                if current not in seen:
                    seen.add(current)
                    info.rules.append(current)
        elif tok.kind == "op" and tok.text == "{":
            before = prev.text if prev is not None else ""
            if before not in _VALUE_CONTEXT and before != "if" and not (
                    prev is not None and prev.kind == "op" and prev.text in (":=", "=")):
                info.problems.append(SourceProblem(tok.offset, _v0_message(current), "v0"))
        elif tok.kind == "ident" and _starts_statement(source, toks, i) and tok.text not in _KEYWORDS:
            name = current = tok.text
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if name not in seen and nxt is not None and not (nxt.kind == "op" and nxt.text == "."):
                seen.add(name)
                info.rules.append(name)
            if (_CONFTEST_RULE.match(name) or name == "exception") and nxt is not None and nxt.text == "(":
                info.problems.append(SourceProblem(tok.offset, (
                    f"`{name}(...)` defines a function, but conftest's `{name}` must be a set of results "
                    f"that natpolicy can query: write `{name} contains msg if {{ ... }}` (or rename the function)")))
            if _CONFTEST_RULE.match(name) and nxt is not None and nxt.text == "[":
                close = matching_close(toks, i + 1)
                after = toks[close + 1] if close is not None and close + 1 < len(toks) else None
                if after is not None and after.text == "if":
                    info.problems.append(SourceProblem(tok.offset, (
                        f"`{name}[...] if` defines an object, not a set of results (conftest refuses it too): "
                        f"write `{name} contains msg if {{ ... }}`"), "v1-object"))
        prev = tok
    info.calls = calls_in(toks)
    return info


# A dotted name (`a.b.c`) is read by many passes, each over its own bounds: `end` is the first index not read (a
# statement's end, `last + 1` of a term, `len(toks)`), so each keeps its own limit through one scan.
def dotted_end(toks: Sequence[Token], i: int, end: int) -> int:
    """Index of the last name of the dotted name ``a.b.c`` whose first name is ``toks[i]`` (``i`` itself when no
    ``.name`` follows), reading no token at or after ``end``. The caller checks that ``toks[i]`` is a name."""
    j = i
    while j + 2 < end and toks[j + 1].text == "." and toks[j + 2].kind == "ident":
        j += 2
    return j


def dotted_name(toks: Sequence[Token], i: int, end: int) -> tuple[str, int]:
    """The dotted name (``"a.b.c"``) starting at ``toks[i]`` and the index of its last name, as ``dotted_end``."""
    last = dotted_end(toks, i, end)
    return ".".join(t.text for t in toks[i:last + 1:2]), last


def dotted_call(toks: Sequence[Token], i: int, end: int) -> bool:
    """Is the dotted name starting at ``toks[i]`` called (``f(``, ``a.b.c(``), its ``(`` before ``end``?"""
    j = dotted_end(toks, i, end)
    return j + 1 < end and toks[j + 1].text == "("


def dotted_start(toks: Sequence[Token], last: int, start: int = 0) -> int:
    """Index of the first name of the dotted name whose last name is ``toks[last]``, read backwards, reading no
    token before ``start``. Whether ``toks[last]`` is a name, and what stands before the result, is the caller's."""
    j = last
    while j - 2 >= start and toks[j - 1].text == "." and toks[j - 2].kind == "ident":
        j -= 2
    return j


def calls_in(toks: list[Token]) -> list[Call]:
    """Every ``name(`` / ``a.b.c(`` in code (comments and strings are not tokens)."""
    out: list[Call] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != "ident" or (i > 0 and toks[i - 1].text == ".") or tok.text in _KEYWORDS:
            i += 1
            continue
        name, j = dotted_name(toks, i, len(toks))
        empty_set = name == "set" and j + 2 < len(toks) and toks[j + 2].text == ")"  # `set()`: a term, no call
        if j + 1 < len(toks) and toks[j + 1].text == "(" and not empty_set:
            out.append(Call(tok.offset, name))
        i = j + 1
    return out


_IMPORT = re.compile(r"import\s+([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)"
                     r"(?:\s+as\s+([A-Za-z_][A-Za-z0-9_]*))?")


def _import_alias(source: str, offset: int) -> str:
    """The name an ``import data...``/``import input...`` line binds ("" for rego.v1, future.keywords)."""
    match = _IMPORT.match(source, offset)
    if not match:
        return ""
    path = [p.strip() for p in match.group(1).split(".")]
    if path[0] not in ("data", "input"):
        return ""
    return match.group(2) or path[-1]


def starts_statement(source: str, toks: list[Token], i: int) -> bool:
    """Is token ``i`` (depth 0) the first of a statement: a rule, ``package``, ``import``?"""
    return _starts_statement(source, toks, i)


def _starts_statement(source: str, toks: list[Token], i: int) -> bool:
    """Is token ``i`` (depth 0) the first token on its line and not a continuation?"""
    if not starts_line(source, toks[i]):
        return False
    if i == 0:
        return True
    prev = toks[i - 1]
    # `import` and `package` statements are one line each, whatever their last
    # word: `import future.keywords.in` ends with `in` and is still complete.
    if _line_keyword(source, prev.offset) in ("import", "package"):
        return True
    # A line ending in an operator or `else` continues the statement above.
    return not (prev.kind == "op" and prev.text not in ("}", "]", ")")) and prev.text not in (
        "else", "if", "contains", "in", "not", "some", "with", "as", "default", "import", "package")


def _line_keyword(source: str, offset: int) -> str:
    """The first word of the line holding ``offset``."""
    line_start = source.rfind("\n", 0, offset) + 1
    match = re.match(r"[ \t]*([A-Za-z_]+)", source[line_start:offset + 1])
    return match.group(1) if match else ""


def _package_name(source: str, offset: int) -> str:
    """The rest of the ``package`` line: ``terraform.analysis``."""
    end = source.find("\n", offset)
    text = source[offset:end if end >= 0 else len(source)].split("#", 1)[0]
    return "".join(text.split())


def matching_close(toks: list[Token], i: int) -> int | None:
    """Index of the bracket that closes the one at ``i`` (the next ``)``/``]``/``}`` at its depth)."""
    depth = toks[i].depth
    for j in range(i + 1, len(toks)):
        if toks[j].depth == depth and toks[j].text in "]})":
            return j
    return None


def call_arguments(toks: list[Token], opener: int) -> list[tuple[int, int]]:
    """(first, last) token of each argument of the call whose ``(`` is at ``opener``, in order; an empty one (a
    trailing comma's) as ``first > last``; none for ``f()`` or an unclosed call."""
    close = matching_close(toks, opener)
    if close is None or close == opener + 1:
        return []
    inner = toks[opener].depth + 1
    out, first = [], opener + 1
    for k in range(opener + 1, close + 1):
        if k == close or (toks[k].depth == inner and toks[k].text == ","):
            out.append((first, k - 1))
            first = k + 1
    return out


def with_targets(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, dotted name) of what each ``with NAME as`` replaces (``input``, ``data.x``, ``count``,
    ``regex.match``)."""
    for i, tok in enumerate(toks):
        if tok.text != "with" or tok.kind != "ident":
            continue
        if i + 1 < len(toks) and toks[i + 1].kind == "ident":
            yield toks[i + 1].offset, dotted_name(toks, i + 1, len(toks))[0]


def apply_edits(source: str, edits: list[tuple[int, int, str]]) -> str:
    """``source`` with each (start, end, text) edit of character offsets applied, the last first (so earlier
    offsets stay valid; edits at one place go in the order of their sorted tuples)."""
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    return source


def apply_edits_as_listed(source: str, edits: list[tuple[int, int, str]]) -> str:
    """``source`` with each (start, end, text) edit applied, the last first, sorted by place only: edits at one
    place go in the order they are listed, the later-listed one's text first. For rewrites that order two texts at
    one place by listing them (``apply_edits`` orders them by their text)."""
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        source = source[:start] + text + source[end:]
    return source


def enclosing_openers(toks: list[Token], j: int, stop: int = -1) -> Iterator[int]:
    """The brackets (``(``, ``[``, ``{``) enclosing ``toks[j]``, innermost first, none at or before ``stop``."""
    depth, m = toks[j].depth, j
    while depth > 0:
        opener = next((o for o in range(m - 1, stop, -1) if toks[o].depth == depth - 1
                       and toks[o].text in ("(", "[", "{")), None)
        if opener is None:
            return
        yield opener
        m, depth = opener, toks[opener].depth


def starts_line(source: str, tok: Token) -> bool:
    """Is ``tok`` the first thing on its line?"""
    line_start = source.rfind("\n", 0, tok.offset) + 1
    return not source[line_start:tok.offset].strip()


def _v0_message(name: str) -> str:
    # Read as Rego v1 (the default, as in conftest and OPA 1.x); --rego-version v0 reads it as v0
    # where the engine can (natpolicy.rego.loading says so when it cannot).
    if _CONFTEST_RULE.match(name) or name == "exception":
        return (f"Rego v0 syntax (`{name}[msg] {{ ... }}`) in a policy read as Rego v1 (the default, as in "
                f"conftest): write `{name} contains msg if {{ ... }}`, or pass --rego-version v0 as you would "
                "to conftest")
    return (f"Rego v0 syntax (a rule body without `if`) in a policy read as Rego v1 (the default, as in "
            f"conftest): write `{name} if {{ ... }}` (or `{name} := value if {{ ... }}`), or pass "
            "--rego-version v0 as you would to conftest")


def line_col(source: str, byte_offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a UTF-8 byte offset."""
    data = source.encode("utf-8")
    byte_offset = max(0, min(byte_offset, len(data)))
    prefix = data[:byte_offset].decode("utf-8", "ignore")
    line = prefix.count("\n") + 1
    col = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return line, col


def char_line_col(source: str, char_offset: int) -> tuple[int, int]:
    prefix = source[:char_offset]
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


def rule_line(modules: Mapping[str, str], package: str, rule: str) -> tuple[str, int]:
    """The module and line of the first definition of ``rule`` in ``package`` (line 1 where none is found)."""
    head = re.compile(rf"^\s*(?:default\s+)?{re.escape(rule)}\b")
    fallback = next(iter(modules), "policy")
    for name, source in modules.items():
        if scan_module(source).package != package:
            continue
        for number, text in enumerate(source.split("\n"), 1):
            if head.match(text):
                return name, number
        fallback = name
    return fallback, 1
