"""regorus' ``some x`` declarations: hoist the ones it would run twice, refuse the ones it misreads.

regorus 0.13.0 stops with "duplicated definition of local variable j" when a
plain declaration (``some j``, ``some i, j``; not ``some x in coll``) runs a
second time in one body: ``[y | some i; r := input.rs[i]; some j; y :=
r.xs[j]]`` fails as soon as ``rs`` has two elements, because the statements
after an iteration run again in the same scope, declaration included. OPA
answers. A declaration means "this name is a local variable of this body"
wherever it stands, provided the name is not used above it (OPA refuses
that: "var j referenced above"), so the regorus engine compiles each module
with every such declaration moved to the start of its body
(``[y | some j; some i; r := input.rs[i]; true; y := r.xs[j]]``): it then runs
once per body, and regorus answers as OPA does. The declaration's own place
becomes ``true`` and the moved text goes on the line of the body's ``{`` or
``|``, so every line keeps its number for error messages.

Where regorus (and regopy 1.5.2 too) reads a declaration differently from
OPA whatever its place, :func:`some_refusals` names it, and
``natpolicy.rego.guards`` refuses it:

* the name is a rule, function or import of the package (``j := 5`` beside
  ``some j``): regorus reads the rule, OPA a new local variable;
* the declaration is in a comprehension or ``every`` body and the name also
  appears in the rule around it (``f(j) := [y | some j; y := xs[j]]``):
  regorus reuses the outer ``j``, OPA declares a new one;
* the name is used above the declaration in its body, declared twice, or
  assigned with ``:=`` after it: OPA refuses the module, regorus answers.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.records import record
from natpolicy.rego.source import Token, apply_edits, starts_line, tokens

__all__ = ["Declaration", "declarations", "hoist_declarations", "some_refusals"]

_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as", "true", "false", "null"})


@record(frozen=True)
class Declaration:
    """One plain ``some a, b`` statement: token indexes, and the body (statement list) holding it."""

    start: int  # the `some` token
    end: int  # its last name
    names: tuple[str, ...]
    opener: int  # the bracket opening the body, or the comprehension around it
    body: int  # the `{` or `|` the body's statements follow
    close: int  # the bracket closing the body
    nested: bool  # a comprehension or `every` body, inside a rule
    leading: bool  # only other declarations before it in its body: it already runs once


def declarations(toks: list[Token], source: str) -> list[Declaration]:
    """Every plain ``some`` declaration of a module (``some x in coll`` is an iteration, not one)."""
    out: list[Declaration] = []
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "some" or tok.depth == 0 or (i > 0 and toks[i - 1].text == "."):
            continue
        names, j = _names(toks, i + 1)
        if not names or not _ends_statement(toks, j, source):
            continue
        opener = max(k for k in range(i) if toks[k].depth < tok.depth)
        pipe = [k for k in range(opener + 1, i) if toks[k].depth == tok.depth and toks[k].text == "|"]
        body = pipe[-1] if pipe else opener
        if toks[body].text not in ("{", "|"):
            continue
        close = next((k for k in range(i + 1, len(toks)) if toks[k].depth < tok.depth), len(toks) - 1)
        leading = all(toks[k].text == ";" or any(d.start <= k <= d.end for d in out if d.body == body)
                      for k in range(body + 1, i))
        nested = toks[opener].depth > 0 or bool(pipe)
        out.append(Declaration(i, j - 1, tuple(names), opener, body, close, nested, leading))
    return out


def _ends_statement(toks: list[Token], j: int, source: str) -> bool:
    """Does the statement end before token ``j`` (the one after ``some a, b``)?

    A plain declaration is names only. Anything else after them on the line makes it an iteration whose key or
    value is no bare name (``some k, [d, e] in m``, ``some k, x.y in m``; OPA's parser reads those as ``some ...
    in``): taken for ``some k`` and hoisted, it left ``true, [d, e] in m``, an unsafe membership test, and
    regorus was refused where OPA answers.
    """
    if j >= len(toks) or toks[j].text in (";", "}", "]"):
        return True
    return toks[j].text != "in" and "\n" in source[toks[j - 1].offset:toks[j].offset]


def _names(toks: list[Token], j: int) -> tuple[list[str], int]:
    """The names of ``some a, b`` starting at token ``j``, and the index after the last."""
    names: list[str] = []
    while j < len(toks) and toks[j].kind == "ident" and toks[j].text not in _KEYWORDS:
        names.append(toks[j].text)
        if j + 2 < len(toks) and toks[j + 1].text == "," and toks[j + 2].kind == "ident":
            j += 2
            continue
        j += 1
        break
    return names, j


def hoist_declarations(source: str) -> str:
    """``source`` with each declaration that does not lead its body moved to the body's start."""
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    moved: dict[int, list[str]] = {}  # body token index -> declarations moved there, in order
    for decl in declarations(toks, source):
        if decl.leading:
            continue
        edits.append((toks[decl.start].offset, toks[decl.end].offset + len(toks[decl.end].text), "true"))
        moved.setdefault(decl.body, []).append(f" some {', '.join(decl.names)};")
    for body, texts in moved.items():
        at = toks[body].offset + 1
        edits.append((at, at, "".join(texts)))
    return apply_edits(source, edits)


def some_refusals(source: str, package_names: set[str], engine: str = "regorus 0.13.0") -> Iterator[tuple[int, str]]:
    """(character offset, message) of each declaration ``engine`` reads differently from OPA.

    Measured on regorus 0.13.0 and regopy 1.5.2 alike (``tests/rego_probes``).

    ``package_names``: the rules, functions and import aliases of the module's
    package (all its files), which a bare name in a body refers to.
    """
    toks = tokens(source)
    decls = declarations(toks, source)
    yield from _iteration_refusals(source, toks, package_names, engine)
    for decl in decls:
        at = toks[decl.start].offset
        for name in decl.names:
            if name == "_":
                continue
            if name in package_names | {"input", "data"}:
                yield at, (f"`some {name}` declares a local variable named like a rule, function or import of the "
                           f"package: {engine} reads the rule where OPA reads a new variable, so natpolicy "
                           f"refuses it; rename the variable")
            elif decl.nested and _outside(source, toks, decls, decl, name):
                yield at, (f"`some {name}` in a comprehension or `every` body, where the rule around it also uses "
                           f"`{name}`: {engine} reuses the outer `{name}` where OPA declares a new one, so "
                           f"natpolicy refuses it; rename one of them")
            elif any(_is_var(toks, k, name) for k in range(decl.body + 1, decl.start)):
                yield at, (f"`some {name}` after `{name}` is used above it in the same body: OPA refuses the "
                           f"module (var {name} referenced above), so natpolicy does too; declare it first")
            elif any(name in other.names and other.body == decl.body and other.start < decl.start
                     for other in decls):
                yield at, f"`some {name}` declares `{name}` a second time in one body, which OPA refuses"
            elif any(_is_var(toks, k, name) and k + 1 < len(toks) and toks[k + 1].text == ":="
                     and toks[k].depth == toks[decl.start].depth for k in range(decl.end + 1, decl.close)):
                yield at, (f"`some {name}` followed by `{name} := ...` in the same body: OPA refuses the module "
                           f"(var {name} declared above), so natpolicy does too; use `=` or drop the `some`")


def _iteration_refusals(source: str, toks: list[Token], package_names: set[str],
                        engine: str) -> Iterator[tuple[int, str]]:
    """``some k, v in xs`` or ``some [k, v] in xs`` with ``k`` named like a rule, function or import of the package.

    OPA's ``resolveRefsInRule`` leaves every variable of an iteration's key and value terms unresolved
    (``declaredVars``), so they are new local variables, as in a plain declaration. regopy 1.5.2 reads the rule
    there (``k := 5`` beside ``[k | some k, v in input.xs]``: ``[]``, OPA ``[0, 1]``), regorus 0.13.0 refuses it
    ("var `k` used before definition"). A single bare name (``some k in xs``) is read as OPA reads it by regopy
    and left alone.
    """
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "some" or tok.depth == 0 or (i > 0 and toks[i - 1].text == "."):
            continue
        end = _iteration_in(source, toks, i)
        if end is None or end == i + 2:
            continue  # a plain declaration, or `some k in xs`
        for j in range(i + 1, end):
            name = toks[j].text
            if (toks[j].kind == "ident" and name in package_names and toks[j - 1].text != "."
                    and toks[j + 1].text not in (":", ".", "(", "[")):
                yield toks[j].offset, (f"`{name}` in `some ... in` declares a local variable named like a rule, "
                                       f"function or import of the package: OPA reads a new variable, {engine} "
                                       f"does not, so natpolicy refuses it; rename the variable")
                break


def _iteration_in(source: str, toks: list[Token], i: int) -> int | None:
    """The index of the ``in`` of the iteration whose ``some`` is ``toks[i]``; None when its statement ends first."""
    depth = toks[i].depth
    for j in range(i + 1, len(toks)):
        tok = toks[j]
        if tok.depth == depth and tok.kind == "ident" and tok.text == "in":
            return j
        if tok.depth < depth or (tok.depth == depth and (tok.text == ";" or "\n" in source[
                toks[j - 1].offset:tok.offset])):
            return None
    return None


def _is_var(toks: list[Token], k: int, name: str) -> bool:
    return toks[k].kind == "ident" and toks[k].text == name and not (k > 0 and toks[k - 1].text == ".")


def _outside(source: str, toks: list[Token], decls: list[Declaration], decl: Declaration, name: str) -> bool:
    """Does ``name`` appear as a variable in the top-level statement holding ``decl``, outside its body?

    An occurrence inside a sibling body that declares ``name`` itself
    (``[a | some a; ...]`` twice in one rule) is that body's own variable.
    """
    own = [(d.opener, d.close) for d in decls if name in d.names and not d.opener <= decl.start <= d.close]
    starts = [k for k in range(len(toks)) if toks[k].depth == 0 and starts_line(source, toks[k])
              and toks[k].text != "else"]
    first = max((k for k in starts if k <= decl.start), default=0)
    last = min((k for k in starts if k > decl.close), default=len(toks))
    return any(_is_var(toks, k, name) and not any(lo <= k <= hi for lo, hi in own)
               for k in (*range(first, decl.opener), *range(decl.close + 1, last)))
