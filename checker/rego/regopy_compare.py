"""``<``, ``<=``, ``>`` and ``>=`` in OPA's order on regopy 1.5.2, by rewriting each comparison before compiling.

OPA orders values of different kinds null < booleans < numbers < strings <
arrays < objects < sets. regopy 1.5.2 compares values of one kind as OPA does
but orders kinds otherwise, not even consistently (measured: ``null < false``
and ``0 < null`` are false, ``false < null``, ``"" < 0`` and ``set() < []``
true; ``==`` and ``!=`` agree with OPA). So a comparison whose operands may
differ in kind is rewritten to compare the kinds first, in a function
appended to the module that answers -1, 0 or 1:

    A < B   ->  __natpolicy_cmp(A, B) < 0        (<= 0, > 0, >= 0 alike)

and where the comparison is a statement of its own against a literal (the
common ``port < 1024``), without a function call: the answer is picked by
the rank of A's kind (below a number: true; above: false; a number: A's own
comparison, which regopy answers as OPA within one kind):

  A < 1024 -> h := A; [true, true, h < 1024, false, false, false, false][__natpolicy_kind_rank(type_name(h))] == true

The result is ``true``/``false`` where the comparison's was, and undefined
where an operand is. Two arrays, objects or sets stop the query
(``REFUSE``): their elements may differ in kind too.

An operand holding a variable in brackets (``input.rs[i].port < 1024``) may
bind it, and regopy never matches a variable bound inside a call's
argument; so where the comparison is a statement of its own, the operands
are bound first in its place:

    input.rs[i].a < r.b  ->  __natpolicy_ca1 := input.rs[i].a; __natpolicy_cmp(__natpolicy_ca1, r.b) < 0
    r.b < input.rs[i].a  ->  __natpolicy_ca1 := r.b; __natpolicy_cb1 := input.rs[i].a; __natpolicy_cmp(...) < 0

Elsewhere (after ``not``, in a value) such an operand's variables are bound
already, as OPA requires, except ``_``. ``not A < B`` whose operand holds
``_`` becomes a comprehension that must find nothing, where the comparison
is a statement of its own (``not`` takes one expression; ``_`` inside a
call never matches on regopy):

    not input.rs[_].p > 1  ->  count([1 | __natpolicy_ca1 := input.rs[_].p; [...][...] == true]) == 0

Anywhere else (``x := r[_].a > 1``, ``f(r[_].a > 1)``) such a comparison
is refused before anything runs (``wildcard_comparisons``, by guards).
Operands both surely numbers (number literals, ``count(...)``, arithmetic)
or both surely strings are left alone: they cost nothing. Every edit stays
on its line.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

from natpolicy.rego.regopy_strings import PLAIN
from natpolicy.rego.source import Token, matching_close
from natpolicy.rego.sprintf_regopy import REFUSE, private_locals

__all__ = ["COMPARE", "COMPARE_HELPERS", "RANK", "STRING_BEFORE", "STRING_BEFORE_HELPERS", "comparison_edits",
           "unknown_kind_comparisons", "wildcard_comparisons"]

COMPARE = "__natpolicy_cmp"
RANK = "__natpolicy_kind_rank"
_OPERATORS = frozenset({"<", "<=", ">", ">="})
# What ends an operand, on either side of the operator (besides `;`, `,`, a closer, and a statement's line end).
_STOPS = frozenset({";", ",", ":=", "=", "==", "!=", ":", "<", "<=", ">", ">=", "if", "else", "not", "some", "in",
                    "contains", "with", "as", "every", "default", "import", "package"})
_NUMBER_CALLS = frozenset({"count", "sum", "product", "to_number", "abs", "round", "ceil", "floor",
                           "time.now_ns", "time.parse_rfc3339_ns", "time.parse_ns", "time.parse_duration_ns",
                           "units.parse", "units.parse_bytes", "strings.count", "indexof"})
_STRING_CALLS = frozenset({"concat", "sprintf", "lower", "upper", "trim", "trim_space", "trim_prefix",
                           "trim_suffix", "trim_left", "trim_right", "replace", "substring", "format_int",
                           "json.marshal", "base64.encode", "base64.decode", "strings.replace_n"})
# regopy compares two strings in their quoted form, so a string's closing quote (0x22) meets the next character of
# a longer string it starts: "a" < "a b" and "a" < "a!" are false there (a space and "!" lie below the quote; every
# other character is above it or held escaped, which stops). A string that starts another is before it; strings of
# which neither starts the other differ at a character both hold, where regopy's order is OPA's (measured).
STRING_BEFORE = "__natpolicy_str_before"
STRING_BEFORE_HELPERS = private_locals(f"""
{STRING_BEFORE}(a, b) if {{ a != b; startswith(b, a) }}
{STRING_BEFORE}(a, b) if {{ not startswith(b, a); not startswith(a, b); a < b }}
""")
# The kinds in OPA's order. regopy compares two values of one scalar kind as OPA does; but not two arrays
# (measured: [2, 22] < [2, 1024] is false, elements read as text), so kinds and values are compared apart. Two
# collections of one kind stop the query (their elements may differ in kind). The refusal's argument is [a, b]:
# written REFUSE(a), regopy 1.5.2 evaluated it whatever the body (measured). The kinds' ranks are a function, not a
# rule: a rule appended to the module would show in its package read whole (`data.lib`, `some k, v in data.lib`),
# where OPA has only the policy's own rules (measured with rego_differential.py --packages).
COMPARE_HELPERS = private_locals(f"""
{RANK}(kind) := {{"null": 0, "boolean": 1, "number": 2, "string": 3, "array": 4, "object": 5, "set": 6}}[kind]
{COMPARE}(a, b) := -1 if {RANK}(type_name(a)) < {RANK}(type_name(b))
{COMPARE}(a, b) := 1 if {RANK}(type_name(a)) > {RANK}(type_name(b))
{COMPARE}(a, b) := -1 if {{ type_name(a) == type_name(b); {RANK}(type_name(a)) < 3; a < b }}
{COMPARE}(a, b) := 1 if {{ type_name(a) == type_name(b); {RANK}(type_name(a)) < 3; b < a }}
{COMPARE}(a, b) := -1 if {{ is_string(a); is_string(b); {STRING_BEFORE}(a, b) }}
{COMPARE}(a, b) := 1 if {{ is_string(a); is_string(b); {STRING_BEFORE}(b, a) }}
{COMPARE}(a, b) := 0 if a == b
{COMPARE}(a, b) := {REFUSE}([a, b]) if __natpolicy_cmp_collections(a, b)
{COMPARE}(a, b) := {REFUSE}([a, b]) if {{
  is_string(a); is_string(b); contains(concat("", [a, b]), substring("\\\\", 0, 1))
}}
__natpolicy_cmp_collections(a, b) if {{ type_name(a) == type_name(b); {RANK}(type_name(a)) >= 4 }}
""")  # STRING_BEFORE_HELPERS go with regopy_rewrite's, appended to every module (its sort needs them too)


def comparison_edits(source: str, toks: list[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits, character offsets, that compare every comparison of ``source`` as OPA."""
    edits: list[tuple[int, int, str]] = []
    for i, first, last in _comparisons(source, toks):
        tok = toks[i]
        left, right = toks[first:i], toks[i + 1:last + 1]
        start, end = toks[first].offset, toks[last].offset + len(toks[last].text)
        binds = _holds_variable_bracket(left) or _holds_variable_bracket(right)
        statement = _is_statement(source, toks, first, last)
        negated = None if statement else _negated_wildcard(source, toks, first, last)
        if negated is not None:
            # `not A < B` with `_` in A: `_` inside a call never matches on regopy, and `not` takes one expression,
            # so the comparison becomes a statement of its own in a comprehension that must find no match.
            # (Listed first: where two edits insert at one place, the later-listed one's text goes first.)
            edits += [(toks[negated].offset, start, "count([1 | "), (end, end, "]) == 0")]
            statement = True
        literal = _literal_rank(right)
        if statement and literal is not None:
            # The common `A < 1024`: A bound first, the answer picked by its kind's rank, without a function call.
            # `== true`: the bare indexed array as a statement of a `contains` rule crashed regopy 1.5.2 (measured).
            held, opened = f"__natpolicy_ca{tok.offset}", _brace_less_body(toks, first)
            below, above = ("true", "false") if tok.text in ("<", "<=") else ("false", "true")
            # A string is compared in the escaped form regopy holds it in: one holding an escape stops the query;
            # and through COMPARE, which puts "a" before "a b" (regopy's own `<` does not).
            subject = f"{COMPARE}({PLAIN}({held}), " if literal == 3 else f"{held} {tok.text}"
            answers = [below] * literal + [subject] + [above] * (6 - literal)
            edits += [(start, start, ("{ " if opened else "") + f"{held} := "),
                      (tok.offset, tok.offset + len(tok.text), "; [" + ", ".join(answers[:literal + 1])),
                      (end, end, (f") {tok.text} 0" if literal == 3 else "")
                       + ", ".join(["", *answers[literal + 1:]]) + f"][{RANK}(type_name({held}))] == true"
                       + (" }" if opened else ""))]
        elif binds and statement:
            held_a, held_b = f"__natpolicy_ca{tok.offset}", f"__natpolicy_cb{tok.offset}"
            opened = _brace_less_body(toks, first)
            edits.append((start, start, ("{ " if opened else "") + f"{held_a} := "))
            if _holds_variable_bracket(right):  # both bound first, in their order
                edits += [(tok.offset, tok.offset + len(tok.text), f"; {held_b} := "),
                          (end, end, f"; {COMPARE}({held_a}, {held_b}) {tok.text} 0" + (" }" if opened else ""))]
            else:  # B binds nothing: it stays in the call
                edits += [(tok.offset, tok.offset + len(tok.text), f"; {COMPARE}({held_a},"),
                          (end, end, f") {tok.text} 0" + (" }" if opened else ""))]
        elif not any(t.text == "_" for t in left + right):
            edits += [(start, start, f"{COMPARE}("), (tok.offset, tok.offset + len(tok.text), ","),
                      (end, end, f") {tok.text} 0")]
    return edits


def wildcard_comparisons(source: str, toks: list[Token]) -> list[tuple[int, str]]:
    """(offset, message) of each comparison that ``comparison_edits`` leaves as it is: an operand holds ``_``
    and the comparison is neither a statement of its own nor one after ``not`` (``x := r[_].a > 1``,
    ``f(r[_].a > 1)``), where regopy would order values of different kinds otherwise than OPA."""
    out = []
    for i, first, last in _comparisons(source, toks):
        if any(t.text == "_" for t in toks[first:last + 1]) and not _is_statement(source, toks, first, last) \
                and _negated_wildcard(source, toks, first, last) is None:
            out.append((toks[first].offset, (
                f"`_` in an operand of {toks[i].text} inside an expression: regopy 1.5.2 orders values of "
                "different kinds otherwise than OPA (null < false is false there), and natpolicy compares them "
                "as OPA only in a statement of its own or after `not`; bind the operand first (`v := r[_].a; "
                "v > 1`) or run with --rego-engine regorus")))
    return out


def _comparisons(source: str, toks: list[Token]) -> Iterator[tuple[int, int, int]]:
    """(operator, first, last) token indexes of each comparison whose operands may differ in kind."""
    for i, tok in enumerate(toks):
        if tok.kind != "op" or tok.text not in _OPERATORS:
            continue
        first = _operand_start(source, toks, i)
        last = _operand_end(source, toks, i)
        if first is None or last is None or first >= i or last <= i:
            continue  # not an expression natpolicy can read: left to the engine's own compile error
        left, right = toks[first:i], toks[i + 1:last + 1]
        kinds = {_sure_kind(left), _sure_kind(right)}
        if kinds == {"number"} or _unrelated_literals(left, right):
            # Two numbers, or two string literals neither of which starts the other (regopy_strings refuses one
            # holding an escape): as OPA does. Not "a" < "a b" (false on regopy: STRING_BEFORE), nor a computed
            # string, which may hold `"`, `\` or a control character, which regopy compares escaped.
            continue
        yield i, first, last


def _unrelated_literals(left: list[Token], right: list[Token]) -> bool:
    if _literal_rank(left) != 3 or _literal_rank(right) != 3:
        return False
    a, b = _literal_text(left[0]), _literal_text(right[0])
    return a is not None and b is not None and not a.startswith(b) and not b.startswith(a)


def _literal_text(tok: Token) -> str | None:
    if tok.kind == "raw":
        return tok.text[1:-1]
    try:
        text = json.loads(tok.text)
    except ValueError:
        return None
    return text if isinstance(text, str) else None


def _negated_wildcard(source: str, toks: list[Token], first: int, last: int) -> int | None:
    """The index of the ``not`` of ``not A < B``, a statement of its own, whose operands hold ``_`` and no other
    variable in brackets: inside a comprehension, regopy 1.5.2 binds ``i`` of ``input.rs[i]`` afresh, even
    where the enclosing body bound it (and rebinds that one too, measured), so ``input.rs[_].a > input.rs[i].b``
    is not moved into one."""
    operands = toks[first:last + 1]
    if first == 0 or toks[first - 1].text != "not" or not any(t.text == "_" for t in operands):
        return None
    if any(t.text == "[" and k + 1 < len(operands) and operands[k + 1].kind == "ident" and operands[k + 1].text != "_"
           for k, t in enumerate(operands)):
        return None
    return first - 1 if _is_statement(source, toks, first - 1, last) else None


def unknown_kind_comparisons(source: str, toks: list[Token]) -> list[tuple[int, int, int]]:
    """(first, operator, last) token indexes of each comparison neither of whose operands is a literal or
    surely a number or a string (``r.a < r.b``): where two collections of any kind may meet."""
    out = []
    for i, tok in enumerate(toks):
        if tok.kind != "op" or tok.text not in _OPERATORS:
            continue
        first, last = _operand_start(source, toks, i), _operand_end(source, toks, i)
        if first is None or last is None or first >= i or last <= i:
            continue
        left, right = toks[first:i], toks[i + 1:last + 1]
        if all(_literal_rank(side) is None and _sure_kind(side) == "" for side in (left, right)):
            out.append((first, i, last))
    return out


def _operand_start(source: str, toks: list[Token], op: int) -> int | None:
    depth = toks[op].depth
    j = op - 1
    while j >= 0:
        t = toks[j]
        if t.depth < depth or (t.depth == depth and (t.text in _STOPS or _is_separator(toks, j))):
            return j + 1
        if t.depth == depth and _line_break_after(source, toks, j):
            return j + 1
        if t.depth == depth and t.text in ("]", ")", "}"):
            opener = _opener(toks, j)
            if opener is None:
                return None
            j = opener
        j -= 1
    return 0


def _operand_end(source: str, toks: list[Token], op: int) -> int | None:
    depth = toks[op].depth
    j = op + 1
    while j < len(toks):
        t = toks[j]
        if t.depth < depth or (t.depth == depth and (t.text in _STOPS or _is_separator(toks, j))):
            return j - 1
        if t.depth == depth and t.text in ("[", "(", "{"):
            close = matching_close(toks, j)
            if close is None:
                return None
            j = close
        if _line_break_after(source, toks, j):
            return j
        j += 1
    return len(toks) - 1


def _opener(toks: list[Token], close: int) -> int | None:
    return next((k for k in range(close - 1, -1, -1) if toks[k].depth == toks[close].depth
                 and toks[k].text in ("[", "(", "{")), None)


def _line_break_after(source: str, toks: list[Token], j: int) -> bool:
    """A statement ends after ``toks[j]``: a line break follows it and it is no operator awaiting its operand."""
    if j + 1 >= len(toks) or "\n" not in source[toks[j].offset:toks[j + 1].offset]:
        return False
    return not (toks[j].kind == "op" and toks[j].text not in (")", "]", "}"))


def _is_separator(toks: list[Token], j: int) -> bool:
    """The ``|`` of a comprehension: the first at its depth inside its ``[`` or ``{``."""
    if toks[j].text != "|":
        return False
    opener = next((k for k in range(j - 1, -1, -1) if toks[k].depth < toks[j].depth), None)
    if opener is None or toks[opener].text not in ("[", "{"):
        return False
    return not any(t.text == "|" and t.depth == toks[j].depth for t in toks[opener + 1:j])


def _is_statement(source: str, toks: list[Token], first: int, last: int) -> bool:
    """The comparison ``toks[first..last]`` is a whole statement of a body (so statements may go before it)."""
    before = toks[first - 1] if first > 0 else None
    after = toks[last + 1] if last + 1 < len(toks) else None
    ends = after is None or after.text in (";", "}", "]") or _line_break_after(source, toks, last)
    if before is None or not ends:
        return False
    if before.text == "if":  # `p if A < B`: the body is this statement alone (braces are added)
        return toks[first].depth == 0 and (after is None or _line_break_after(source, toks, last))
    if before.text == ";" or _is_separator(toks, first - 1) or _line_break_after(source, toks, first - 1):
        return True
    # A rule or `every` body, not a set or object literal.
    return before.text == "{" and first >= 2 and (toks[first - 2].text in ("if", "else")
                                                  or toks[first - 2].kind == "ident")


def _brace_less_body(toks: list[Token], first: int) -> bool:
    """``p if A < B`` with no braces: the statements it gains need them."""
    return first > 0 and toks[first - 1].text == "if"


def _literal_rank(operand: list[Token]) -> int | None:
    """The rank of the kind of a literal scalar operand (``1024``, ``"a"``, ``null``); None for anything else."""
    texts = [t.text for t in operand]
    if len(operand) == 1 and operand[0].kind == "number" or texts[:1] == ["-"] and len(operand) == 2 \
            and operand[1].kind == "number":
        return 2
    if len(operand) == 1 and operand[0].kind in ("string", "raw"):
        return 3
    return {"null": 0, "true": 1, "false": 1}.get(texts[0]) if len(texts) == 1 else None


def _holds_variable_bracket(operand: list[Token]) -> bool:
    return any(t.text == "[" and k + 1 < len(operand) and operand[k + 1].kind == "ident"
               for k, t in enumerate(operand))


def _sure_kind(operand: list[Token]) -> str:
    """"number" or "string" where the operand can only be one; "" where it may be anything."""
    if len(operand) == 1 and operand[0].kind == "number":
        return "number"
    if len(operand) == 2 and operand[0].text == "-" and operand[1].kind == "number":
        return "number"
    if len(operand) == 1 and operand[0].kind in ("string", "raw"):
        return "string"
    depth = operand[0].depth if operand else 0
    if any(t.depth == depth and t.text in ("*", "/", "%", "+") for t in operand):
        return "number"  # arithmetic answers a number or is an error
    name = ""
    k = 0
    while k < len(operand) and operand[k].kind == "ident":
        name += operand[k].text
        if k + 1 < len(operand) and operand[k + 1].text == ".":
            name += "."
            k += 2
            continue
        k += 1
        break
    if k < len(operand) and operand[k].text == "(" and matching_close(operand, k) == len(operand) - 1:
        if name in _NUMBER_CALLS:
            return "number"
        if name in _STRING_CALLS:
            return "string"
    return ""
