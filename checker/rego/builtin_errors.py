"""A builtin given an operand of the wrong kind is undefined, as in OPA's default mode, instead of stopping.

OPA has two modes for an error inside a builtin call. By default (``opa eval``, conftest) the
expression is undefined and evaluation goes on; with ``--strict-builtin-errors`` the query stops.
regorus 0.13.0 always stops (its Python binding has no other mode) and regopy 1.5.2 does either,
builtin by builtin. The commonest such error in a real policy is a value of another kind: the
``after`` of a deleted resource is ``null``, so ``object.get(r.change.after, "tags", {})`` or
``regex.match(p, r.change.after.name)`` fails on it.

So each operand ``natpolicy.rego.operand_kinds`` lists is passed through a guard, a function
appended to the module that gives the value back only when it is of the kind the builtin checks:
``object.get(X, "k", 0)`` becomes ``object.get(__natpolicy_if_object(X), "k", 0)``. An operand of
another kind is then undefined, so the call is undefined, as OPA's default makes it; the call
itself stays where the policy wrote it, so an error it still raises (a value error such as
``to_number("abc")``) names the policy's own line. Nothing moves to another line; only columns
shift, and :class:`Guarded` maps them back.

Left alone: an operand whose kind a literal shows (``"aws_"``, ``[1, 2]``, ``{x | ...}``); a call of
a name the policy set defines itself; and a builtin a loaded module replaces with ``with NAME as``,
whose stand-in may take other kinds.
"""
from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Mapping

from natpolicy.records import record
from natpolicy.rego.arith_regorus import Operation, arithmetic_operations
from natpolicy.rego.builtin_types import BUILTINS, RegoType
from natpolicy.rego.operand_kinds import GUARD_FALLBACKS, GUARD_PARAMETER, GUARD_PREFIX, GUARDS, OPERAND_KINDS
from natpolicy.rego.source import Call, Token, call_arguments, matching_close, starts_statement, tokens, with_targets

__all__ = ["Guarded", "guard_operands", "replaced_builtins", "defines_contains"]

# The kinds a literal operand shows by its first token, and which guard each satisfies (a literal pattern Go
# refuses is refused by line before anything runs: re2_regorus.re2_refusals, on both engines).
_LITERAL_KINDS = {"string": {"string", "prefixes", "pattern"}, "raw": {"string", "prefixes", "pattern"},
                  "number": {"number", "time", "numeric", "difference"}, "null": {"delimiters", "numeric"}}
_BRACKET_KINDS = {"[": {"array", "collection", "countable", "keys", "time"},
                  "{": {"object", "set", "collection", "countable", "keys"}}
_SCALAR_WORDS = {"null", "true", "false"}


@record(frozen=True)
class Guarded:
    """A module with its operands guarded, and where it inserted text (to map the engine's columns back)."""

    text: str
    # (offset in the original text, characters inserted there), in order.
    inserted: tuple[tuple[int, int], ...] = ()

    def original_offset(self, offset: int) -> int:
        """The character offset in the policy's own text of ``offset`` in :attr:`text`."""
        shift = 0
        for at, length in self.inserted:
            if at + shift >= offset:
                break
            shift += min(length, offset - at - shift)
        return offset - shift

    def original_column(self, line: int, column: int) -> int:
        """The policy's own 1-based column of ``line``:``column`` of :attr:`text` (lines never move)."""
        start = _line_start(self.text, line)
        if start is None:
            return column
        return self.original_offset(start + column - 1) - self.original_offset(start) + 1


def _line_start(text: str, line: int) -> int | None:
    at = 0
    for _ in range(line - 1):
        at = text.find("\n", at) + 1
        if at == 0:
            return None
    return at


def replaced_builtins(sources: Iterable[str]) -> set[str]:
    """The builtins a module replaces with ``with NAME as ...``: their stand-ins may take any kind."""
    return {name for source in sources if "with" in source for _, name in with_targets(tokens(source))}


def guard_operands(source: str, calls: Iterable[Call], v0: bool, replaced: Collection[str] = (),
                   renames: Mapping[str, str] | None = None, guard: bool = True) -> Guarded:
    """``source`` with the listed operands of each builtin call in ``calls`` (the policy's own builtin calls:
    ``natpolicy.rego.builtins.builtin_calls``) guarded, and the guards it uses appended; and each call of a name
    in ``renames`` renamed, on its line (``natpolicy.rego.deprecated_builtins``). ``guard`` False: renames only."""
    toks = tokens(source)
    starts = [tok.offset for tok in toks]
    if defines_contains(source):  # (the policy set passes it for its other files: `replaced`)
        replaced = {*replaced, "contains"}
    # (offset, 0 for a `)` / 1 for an opening / 2 for a name, end of the text replaced, text, for an opening the end
    # of what it guards: of two openings at one place, the wider one goes first)
    inserts: list[tuple[int, int, int, str, int]] = []
    # (first token, last token, kind, text before the operand inside the guard's call) of each operand guarded
    guarded: list[tuple[int, int, str, str]] = []
    calls = [*calls, *_contains_calls(toks)]
    builtin_at = {call.offset: call.name for call in calls}
    for call in calls:
        name = (renames or {}).get(call.name, call.name)
        if name != call.name:
            inserts.append((call.offset, 2, _name_end(toks, starts, call), name, 0))
        kinds = OPERAND_KINDS.get(name)
        if kinds is None or call.name in replaced or not guard:
            continue
        i = bisect.bisect_left(starts, call.offset)
        opener = i + 2 * call.name.count(".") + 1
        if opener >= len(toks) or toks[opener].text != "(":
            continue
        for (first, last), kind in zip(call_arguments(toks, opener), kinds, strict=False):
            if kind is None or first > last or _literal_satisfies(toks, first, last, kind) \
                    or _result_satisfies(toks, first, last, builtin_at, kind):
                continue
            guarded.append((first, last, kind, ""))
    if guard and not _ARITHMETIC_NAMES & set(replaced):  # (`with plus as f` may take other kinds)
        guarded += _arithmetic_operands(source, toks, starts, builtin_at)
    for first, last, kind, before in guarded:
        end = toks[last].offset + len(toks[last].text)
        inserts += [(toks[first].offset, 1, toks[first].offset, f"{GUARD_PREFIX}{kind}({before}", end),
                    (end, 0, end, ")", 0)]
    if not inserts:
        return Guarded(source)
    inserts.sort(key=lambda item: (item[0], item[1], -item[4]))
    pieces, at = [], 0
    for offset, _, end, text, _ in inserts:
        pieces += [source[at:offset], text]
        at = end
    out = "".join(pieces) + source[at:]
    used = {kind for _, _, kind, _ in guarded}
    if used:
        out += ("" if out.endswith("\n") else "\n") + "".join(_guard_functions(kind, v0) for kind in sorted(used))
    # A renamed call's name grows (re_match -> regex.match): counted as text inserted where the old name ends.
    return Guarded(out, tuple((end, len(text) - (end - offset)) for offset, _, end, text, _ in inserts))


# OPA's arithmetic operators are builtin calls (plus, minus, mul, div, rem: v1/topdown/arithmetic.go), whose errors
# its default mode makes undefined too: an operand that is no number (for `-`, neither a number nor a set: a set's
# difference), a zero divisor of `/` or `%` (0.0 and 0e5 too: "divide by zero", "modulo by zero"), and an operand of
# `%` that is no integer ("modulo on floating-point number").
_ARITHMETIC_KINDS = {"+": ("number", "number"), "*": ("number", "number"), "-": ("difference", "difference"),
                     "/": ("number", "divisor"), "%": ("integer", "integer_divisor")}
_ARITHMETIC_NAMES = frozenset({"plus", "minus", "mul", "div", "rem"})


def _arithmetic_operands(source: str, toks: list[Token], starts: list[int],
                         builtin_at: dict[int, str]) -> list[tuple[int, int, str, str]]:
    """(first token, last token, kind, "") of each operand of ``+ - * / %`` that OPA checks and no literal shows;
    for ``-``, :func:`_difference_operands`."""
    out: list[tuple[int, int, str, str]] = []
    operations = list(dict.fromkeys(arithmetic_operations(source)))  # a group read twice is one operation
    numbers = {(op.left[0], op.right[1]) for op in operations if op.operator != "-"}  # always a number
    for op in operations:
        if op.operator == "-":
            out += _difference_operands(source, toks, starts, builtin_at, numbers, op)
            continue
        for (start, end), kind in zip((op.left, op.right), _ARITHMETIC_KINDS[op.operator], strict=True):
            first = bisect.bisect_left(starts, start)
            last = bisect.bisect_left(starts, end) - 1
            if first >= len(toks) or toks[first].offset != start or last < first:
                continue  # glued to its operator (`x -1`): a number literal
            if kind in ("divisor", "integer", "integer_divisor"):
                # (a product or quotient is a number, but maybe no integer: `10 / 4 % 3` fails in OPA)
                if first == last and toks[first].kind == "number" and _literal_number(toks[first].text, kind):
                    continue
            elif _literal_satisfies(toks, first, last, kind) or _result_satisfies(toks, first, last, builtin_at, kind) \
                    or (start, end) in numbers or _ungrouped(source, start, end) in numbers:
                continue
            out.append((first, last, kind, ""))
    return out


def _difference_operands(source: str, toks: list[Token], starts: list[int], builtin_at: dict[int, str],
                         numbers: set[tuple[int, int]], op: Operation) -> list[tuple[int, int, str, str]]:
    """The guards of one ``-``. OPA's ``minus`` (builtinMinus) takes two numbers or two sets: a set minus a number
    is an error, undefined by default. So where one operand shows its kind (a literal, a builtin's result, another
    operator's number), the other must be of that kind; where neither does and the left one reads the same twice
    (a ref without ``_`` or a call), the right one passes only beside a left one of its kind
    (``__natpolicy_if_difference_of(left, right)``); else each is a number or a set (a set beside a number stops
    the query, loud)."""
    spans: list[tuple[int, int] | None] = []
    kinds: list[str | None] = []
    for start, end in (op.left, op.right):
        first, last = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end) - 1
        if first >= len(toks) or toks[first].offset != start or last < first:
            spans.append(None)  # glued to its operator (`x -1`): a number literal
            kinds.append("number")
            continue
        spans.append((first, last))
        kinds.append(next((kind for kind in ("number", "set") if _literal_satisfies(toks, first, last, kind)
                           or _result_satisfies(toks, first, last, builtin_at, kind)),
                          "number" if (start, end) in numbers or _ungrouped(source, start, end) in numbers else None))
    out: list[tuple[int, int, str, str]] = []
    for span, own, other in ((spans[0], kinds[0], kinds[1]), (spans[1], kinds[1], kinds[0])):
        if span is not None and (own is None or other is not None and own != other):
            out.append((*span, other or "difference", ""))
    left, right = spans
    if kinds == [None, None] and left is not None and right is not None and _read_twice(source, toks, *left):
        text = source[toks[left[0]].offset:toks[left[1]].offset + len(toks[left[1]].text)]
        out = [out[0], (*right, _PAIR, f"{text}, ")]
    return out


def _read_twice(source: str, toks: list[Token], first: int, last: int) -> bool:
    """Is ``toks[first..last]`` a ref on one line that means the same written twice: a name, then fields and
    brackets of a literal or a name, none of them ``_`` (each ``_`` is a variable of its own) and no call?"""
    if toks[first].kind != "ident" or toks[first].text in _NOT_REFS or "\n" in source[
            toks[first].offset:toks[last].offset]:
        return False
    k = first + 1
    while k <= last:
        if toks[k].text == "." and k + 1 <= last and toks[k + 1].kind == "ident":
            k += 2
        elif toks[k].text == "[" and k + 2 <= last and toks[k + 2].text == "]" and (
                toks[k + 1].kind in ("string", "number") or toks[k + 1].kind == "ident"
                and toks[k + 1].text not in _NOT_REFS):
            k += 3
        else:
            return False
    return True


def _literal_number(text: str, kind: str) -> bool:
    """Does a number literal always pass the guard of ``kind``?"""
    value = float(text)
    return (value != 0 or kind == "integer") and (kind == "divisor" or value.is_integer())


def _ungrouped(source: str, start: int, end: int) -> tuple[int, int]:
    """The span inside one pair of parentheses around ``start:end`` (``(a * b)``), or the span itself."""
    if source[start] == "(" and source[end - 1] == ")":
        inner = source[start + 1:end - 1]
        return start + 1 + len(inner) - len(inner.lstrip()), end - 1 - len(inner) + len(inner.rstrip())
    return start, end


def _name_end(toks: list[Token], starts: list[int], call: Call) -> int:
    """Where a call's (dotted) name ends in the text."""
    last = toks[bisect.bisect_left(starts, call.offset) + 2 * call.name.count(".")]
    return last.offset + len(last.text)


def defines_contains(source: str) -> bool:
    """Does the module define a function ``contains`` (a Rego v0 idiom, ``contains(arr, elem) { ... }``)? Then
    every ``contains(`` of its package calls that function, not the builtin."""
    if "contains" not in source:
        return False
    toks = tokens(source)
    return any(tok.text == "contains" and tok.depth == 0 and i + 1 < len(toks) and toks[i + 1].text == "("
               and (i == 0 or toks[i - 1].text not in (".",)) and starts_statement(source, toks, i)
               for i, tok in enumerate(toks))


def _contains_calls(toks: list[Token]) -> list[Call]:
    """``contains(`` calls, which the module scan skips as the keyword of ``deny contains msg``: the keyword
    follows a rule's name at the top level, a call is anywhere else (a body, a rule's value)."""
    return [Call(tok.offset, "contains") for i, tok in enumerate(toks[:-1])
            if tok.text == "contains" and toks[i + 1].text == "(" and not _after_rule_name(toks, i)]


def _after_rule_name(toks: list[Token], i: int) -> bool:
    return i > 0 and toks[i].depth == 0 and (toks[i - 1].kind == "ident" or toks[i - 1].text in ("]", ")"))


def _literal_satisfies(toks: list[Token], first: int, last: int, kind: str) -> bool:
    """Is the operand a literal (or comprehension) whose kind the guard would always let through?"""
    tok = toks[first]
    if first == last:
        label = tok.text if tok.kind == "ident" and tok.text in _SCALAR_WORDS else tok.kind
        return kind in _LITERAL_KINDS.get(label, set())
    if tok.text in _BRACKET_KINDS and matching_close(toks, first) == last:
        if tok.text == "{":
            brace = _brace_kind(toks, first, last)
            return kind in ("collection", "countable", "keys", brace) or (kind, brace) == ("difference", "set")
        return kind in _BRACKET_KINDS["["]
    if tok.text == "set" and last == first + 2 and toks[first + 1].text == "(":
        return kind in ("set", "collection", "countable", "keys", "difference")
    return False


# The kinds each guard lets through, and (for guards of elements) the kinds its elements must be.
_ACCEPTS: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    "string": (frozenset({"string"}), None), "number": (frozenset({"number"}), None),
    "object": (frozenset({"object"}), None), "array": (frozenset({"array"}), None),
    "set": (frozenset({"set"}), None), "collection": (frozenset({"array", "set"}), None),
    "countable": (frozenset({"string", "array", "set", "object"}), None),
    "keys": (frozenset({"array", "set", "object"}), None),
    # (and text to_number reads, which no builtin's declared result type tells)
    "numeric": (frozenset({"null", "boolean", "number"}), None),
    "difference": (frozenset({"number", "set"}), None),
    "time": (frozenset({"number", "array"}), None),
    "strings": (frozenset({"array", "set"}), frozenset({"string"})),
    "numbers": (frozenset({"array", "set"}), frozenset({"number"})),
    "sets": (frozenset({"set"}), frozenset({"set"})),
    "objects": (frozenset({"array"}), frozenset({"object"})),
}


def _result_satisfies(toks: list[Token], first: int, last: int, builtin_at: dict[int, str], kind: str) -> bool:
    """Is the operand one call of a builtin whose result is always of the guard's kind (``lower(upper(x))``)?"""
    name = builtin_at.get(toks[first].offset)
    if name is None or name not in BUILTINS or kind not in _ACCEPTS:
        return False
    opener = first + 2 * name.count(".") + 1
    if opener > last or toks[opener].text != "(" or matching_close(toks, opener) != last:
        return False
    kinds, elements = _ACCEPTS[kind]
    return _within(BUILTINS[name].result, kinds, elements)


def _within(result: RegoType, kinds: frozenset[str], elements: frozenset[str] | None) -> bool:
    if not result.kinds <= kinds:
        return False
    return elements is None or (result.of is not None and result.of.kinds <= elements)


def _brace_kind(toks: list[Token], first: int, last: int) -> str:
    """``object`` or ``set`` for a ``{...}`` literal or comprehension (``{}`` is an empty object)."""
    inner = toks[first].depth + 1
    if last == first + 1:
        return "object"
    for j in range(first + 1, last):
        if toks[j].depth == inner and toks[j].text in (":", "|", ","):
            if toks[j].text == ":":
                return "object"
            if toks[j].text == "|":
                return "set"
    return "set"


def _guard_functions(kind: str, v0: bool) -> str:
    """The definitions of one guard, each on its own line, in the module's Rego version."""
    name = f"{GUARD_PREFIX}{kind}"
    if kind == _PAIR:  # (two parameters: the left operand of `-`, then the right one, given back)
        head = f"{name}({_L}, {_X}) = {_X} {{ " if v0 else f"{name}({_L}, {_X}) := {_X} if {{ "
        return "".join(f"{head}{test}({_L}); {test}({_X}) }}\n" for test in ("is_number", "is_set"))
    head = f"{name}({_X}) = {_X} {{ " if v0 else f"{name}({_X}) := {_X} if {{ "
    fallback = GUARD_FALLBACKS.get(kind)
    if fallback is not None:
        otherwise = f"else = {_X} {{ " if v0 else f"else := {_X} if {{ "
        return "".join(f"{head}{body.format(x=_X, e=_E)} }} {otherwise}{fallback.format(x=_X, e=_E)} }}\n"
                       for body in GUARDS[kind])
    return "".join(f"{head}{body.format(x=_X, e=_E)} }}\n" for body in GUARDS[kind])


# The guards' own names, in natpolicy's prefix (its other rewrites' helpers use it too), which no policy shares.
_X, _E, _L = GUARD_PARAMETER, "__natpolicy_e", "__natpolicy_l"
_PAIR = "difference_of"
# Words that are no variable a ref can start with or hold in a bracket (`_` is a new variable at each place).
_NOT_REFS = frozenset({"_", "true", "false", "null", "some", "in", "not", "every", "if", "else", "contains",
                       "default", "with", "as", "import", "package"})
