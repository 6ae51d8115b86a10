"""Where a number's text can show: ``to_number`` and ``json.unmarshal`` of text, and literals bound to names.

OPA keeps a number as its text (``ast.Number``). ``to_number`` of a string gives that string back as the number
(topdown/casts.go: ``ast.Number(a)`` once ``strconv.ParseFloat`` reads it), so ``to_number("12.00")`` is the
number ``12.00``: no integer to an array index or to a builtin's integer argument (``ast.Number.Int`` parses the
text), written ``12.00`` by ``json.marshal`` and as an object key, and formatted by ``sprintf`` as a float64
(``%d`` prints ``%!d(float64=12)``, ``%.2f`` ``12.00``); ``json.unmarshal`` decodes with ``UseNumber`` alike.
Both engines hold the value only (12). A comparison or arithmetic reads the value alone (``Compare``,
big.Float), where both agree.

So each such call of a policy is sorted by how its result is read (:func:`call_readings`):

* ``value``: an operand of a comparison or arithmetic, the one argument of ``abs``, ``round``, ``ceil`` or
  ``floor``, ``format_int``'s first, an element of a collection ``count``, ``sum`` or ``product`` reads, or a
  part of the value of a rule no module mentions (a query's answer is compared by value); directly or through
  names the body binds to it and reads only so. No text can show.
* ``direct``: an element of ``sprintf``'s literal argument array itself: regorus hands natpolicy's ``sprintf``
  the text beside the value (exact).
* ``sprintf``: such an element through a name: only a whole value written otherwise than as an integer prints
  otherwise; that stops.
* ``kept``: anything else. Text that is no integer or plain decimal as the engine writes its value stops.

A number literal written ``10.0`` (a whole one with a point or an exponent) bound to a name read only by value or
as a ``sprintf`` element is answered too (:func:`literal_bindings`; infracost's documented policy writes
``maxDiff = 10.0`` then ``%.2f`` of it): regorus' ``sprintf`` is handed the literal's text, and regopy's
rewritten ``sprintf`` formats it in Python before anything runs (:func:`named_whole_floats`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from natpolicy.records import record
from natpolicy.rego.rule_scope import opens_body, starts_body_statement
from natpolicy.rego.source import Token, enclosing_openers, matching_close, starts_statement

__all__ = ["BY_VALUE", "SprintfElement", "argument_array", "call_readings", "elements_of", "literal_bindings",
           "multiplied", "named_whole_floats", "rule_span", "sprintf_elements", "whole_float"]

# Operators that read a number by its value alone (OPA's Compare and big.Float arithmetic).
BY_VALUE = frozenset({"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"})
# Builtins whose one argument is read as a big.Float, their answer an integer (topdown/arithmetic.go); and
# format_int's first (builtins.NumberToFloat, then its integer part's digits).
_VALUE_CALLS = frozenset({"abs", "round", "ceil", "floor"})
# Builtins of one collection that read its numbers' values only (or none of them).
_COUNTING = frozenset({"count", "sum", "product"})
_HELPER_PREFIX = "__natpolicy"
# The last name of the module's package (`package terraform.analysis`: analysis).
_PACKAGE = re.compile(r"^\s*package\s+(?:[\w]+\.)*(\w+)", re.MULTILINE)
_MAX_NAMES = 4  # names followed from one term (`c := to_number(x); o := {"c": c}; msg := [o]`)


@record(frozen=True)
class SprintfElement:
    """One element of a ``sprintf`` call's literal argument array: tokens ``first``..``last``, its position."""

    call: int  # the `sprintf` token
    position: int
    first: int
    last: int


def call_readings(source: str, toks: list[Token], elsewhere: frozenset[str] = frozenset(),
                    name: str = "to_number") -> dict[int, str]:
    """The first token of each call of ``name`` (``to_number``, ``json.unmarshal``) in the policy's own statements,
    and how its result is read: ``value``, ``direct`` (a ``sprintf`` element itself), ``sprintf`` (through a
    name) or ``kept``."""
    parts = name.split(".")
    sites: dict[int, str] = {}
    for i in _own_tokens(source, toks):
        if toks[i].text != parts[0] or toks[i].kind != "ident" or (i > 0 and toks[i - 1].text == "."):
            continue
        opener = i + 2 * len(parts) - 1
        if opener >= len(toks) or toks[opener].text != "(" or any(
                toks[i + 2 * k - 1].text != "." or toks[i + 2 * k].text != part for k, part in enumerate(parts[1:], 1)):
            continue
        close = matching_close(toks, opener)
        if close is not None:
            sites[i] = _reading(source, toks, i, close, elsewhere)
    return sites


def multiplied(source: str, toks: list[Token], first: int, last: int, by: frozenset[str] = frozenset("*")) -> bool:
    """Whether the term ``toks[first..last]`` is an operand of ``*`` (or of an operator of ``by``; inside
    parentheses too), directly or through the name a body statement binds it to (any use of that name). OPA
    multiplies a number whose text is no integer as a big.Float, whose zero product keeps a sign the engines drop
    (number_literals, numbers_opa)."""
    if _operand_of(toks, first, last, by):
        return True
    name = _binding_name(source, toks, first, last)
    return name is not None and any(_operand_of(toks, use, use, by) for use in _uses(source, toks, name))


def _operand_of(toks: list[Token], first: int, last: int, by: frozenset[str]) -> bool:
    while first >= 2 and last + 1 < len(toks) and toks[first - 1].text == "(" and toks[last + 1].text == ")" \
            and toks[first - 2].kind != "ident" and toks[first - 2].text not in (")", "]", "}", "."):
        first, last = first - 1, last + 1  # `(t) * x`: parentheses that only group
    return (first > 0 and toks[first - 1].text in by) or (last + 1 < len(toks) and toks[last + 1].text in by)


def literal_bindings(source: str, toks: list[Token]) -> dict[int, tuple[int, str]]:
    """Each number literal that is a whole statement's value bound to a name (``max = 10.0``): the name's token
    and how that name is read: ``value``, ``sprintf`` (value and ``sprintf`` elements only) or ``kept``. A name
    bound more than once in its rule reads ``kept``."""
    found: dict[int, tuple[int, str]] = {}
    for i in _own_tokens(source, toks):
        name = _binding_name(source, toks, i, i) if toks[i].kind == "number" else None
        if name is not None:
            once = not any(use + 1 < len(toks) and toks[use + 1].text in (":=", "=")
                           for use in _uses(source, toks, name))
            found[i] = (name, _reading(source, toks, i, i, None) if once else "kept")
    return found


def whole_float(text: str) -> bool:
    """A number literal such as ``1.0``, ``1e2`` or ``-0.0``: whole, written with a point or an exponent."""
    return any(mark in text for mark in ".eE") and Decimal(text) == Decimal(text).to_integral_value()


def named_whole_floats(source: str, toks: list[Token]) -> dict[tuple[tuple[int, int], str], str]:
    """(rule span, name) -> the whole float literal (``10.0``) a name is bound to once in that rule and read only
    by value and as ``sprintf`` elements (:func:`literal_bindings`)."""
    named: dict[tuple[tuple[int, int], str], str] = {}
    for literal, (name, reading) in literal_bindings(source, toks).items():
        if reading == "sprintf" and whole_float(toks[literal].text):
            named[(rule_span(source, toks, name), toks[name].text)] = toks[literal].text
    return named


def rule_span(source: str, toks: list[Token], k: int) -> tuple[int, int]:
    """The first token of the statement holding ``toks[k]`` and the first of the next one."""
    start = k
    while start > 0 and not (toks[start].depth == 0 and starts_statement(source, toks, start)):
        start -= 1
    end = k + 1
    while end < len(toks) and not (toks[end].depth == 0 and starts_statement(source, toks, end)):
        end += 1
    return start, end


def sprintf_elements(toks: list[Token]) -> Iterator[SprintfElement]:
    """The elements of each ``sprintf(format, [a, b, ...])`` call whose arguments are a literal array."""
    for i in range(len(toks)):
        yield from elements_of(toks, i)


def elements_of(toks: list[Token], i: int) -> Iterator[SprintfElement]:
    """The elements of the literal argument array of the ``sprintf`` call named at ``toks[i]``, if it is one."""
    if toks[i].text != "sprintf" or toks[i].kind != "ident" or (i > 0 and toks[i - 1].text == ".") \
            or i + 1 >= len(toks) or toks[i + 1].text != "(":
        return
    array = argument_array(toks, i + 1)
    close = matching_close(toks, array) if array is not None else None
    if array is None or close is None or close == array + 1:
        return
    inner, first, position = toks[array].depth + 1, array + 1, 0
    for k in range(array + 1, close + 1):
        if toks[k].text == "|" and toks[k].depth == inner:
            return  # an array comprehension: no literal elements
        if k == close or (toks[k].text == "," and toks[k].depth == inner):
            if first <= k - 1:
                yield SprintfElement(i, position, first, k - 1)
            position, first = position + 1, k + 1


def argument_array(toks: list[Token], opener: int) -> int | None:
    """The ``[`` of a call's second argument where it is an array literal making up the whole argument."""
    inner = toks[opener].depth + 1
    close = matching_close(toks, opener)
    if close is None:
        return None
    commas = [k for k in range(opener + 1, close) if toks[k].depth == inner and toks[k].text == ","]
    end = close
    if len(commas) == 2 and commas[1] == close - 1:
        commas, end = commas[:1], close - 1  # a trailing comma: `sprintf(f, [a],\n)`
    if len(commas) != 1 or toks[commas[0] + 1].text != "[":
        return None
    array = commas[0] + 1
    return array if matching_close(toks, array) == end - 1 else None


def _own_tokens(source: str, toks: list[Token]) -> Iterator[int]:
    """Indexes of the tokens of the policy's own statements (not natpolicy's appended ``__natpolicy_`` functions)."""
    own = True
    for i, tok in enumerate(toks):
        if tok.depth == 0 and tok.kind == "ident" and starts_statement(source, toks, i):
            own = not tok.text.startswith(_HELPER_PREFIX)
        if own:
            yield i


def _reading(source: str, toks: list[Token], first: int, last: int, elsewhere: frozenset[str] | None) -> str:
    """How the term ``toks[first..last]`` is read, through the name a statement binds it to. ``elsewhere``: the
    names other modules mention, or None where a value flowing into a rule's value counts as kept."""
    direct = _term_reading(source, toks, first, last, elsewhere)
    if direct != "kept":
        return direct
    name = _binding_name(source, toks, first, last)
    if name is None:
        return "kept"
    readings = {_term_reading(source, toks, use, use, elsewhere) for use in _uses(source, toks, name)}
    if readings <= {"value"}:
        return "value"
    return "sprintf" if readings <= {"value", "direct"} else "kept"


def _term_reading(source: str, toks: list[Token], first: int, last: int, elsewhere: frozenset[str] | None
                  ) -> str:
    if _by_value(toks, first, last):
        return "value"
    before = toks[first - 1] if first > 0 else None
    after = toks[last + 1] if last + 1 < len(toks) else None
    if before is not None and after is not None and before.text == "(" and first >= 2 \
            and (first < 3 or toks[first - 3].text != ".") and (
                (after.text == ")" and toks[first - 2].text in _VALUE_CALLS)
                or (after.text == "," and toks[first - 2].text == "format_int")):
        return "value"
    if any(element.first == first and element.last == last for element in _elements_around(toks, first)):
        return "direct"
    return "value" if elsewhere is not None and _flows_out(source, toks, first, last, elsewhere) else "kept"


def _by_value(toks: list[Token], first: int, last: int) -> bool:
    """Whether the term is an operand of a comparison or arithmetic."""
    before = toks[first - 1] if first > 0 else None
    after = toks[last + 1] if last + 1 < len(toks) else None
    return (before is not None and before.kind == "op" and before.text in BY_VALUE) or (
        after is not None and after.text in BY_VALUE)


def _flows_out(source: str, toks: list[Token], first: int, last: int, elsewhere: frozenset[str],
               depth: int = 0) -> bool:
    """Whether the term only becomes (part of) the value of a rule no policy reads: an element of array, set and
    object literals and comprehension heads (directly or through names bodies bind them to), or the count, sum
    or product of one, up to the head of a rule nothing mentions. A query's answer is compared by value
    (``12.00`` and ``12`` are one number); inside a policy, a call, a key, an index or another rule's reading
    may show the text."""
    span = (first, last)
    for opener in enclosing_openers(toks, first):
        close = matching_close(toks, opener)
        if close is None:
            return False
        inner = toks[opener].depth + 1
        bar = next((k for k in range(opener + 1, close) if toks[k].depth == inner and toks[k].text == "|"), None)
        if toks[opener].text == "(":
            whole = span == (opener + 1, close - 1) and opener > 0 and toks[opener - 1].text in _COUNTING \
                and (opener < 2 or toks[opener - 2].text != ".")
            return whole and span[0] != first  # the term inside a collection literal passed whole
        if opens_body(toks, opener) or toks[opener - 1].text == "if" or (bar is not None and span[0] > bar):
            # A statement of a body (a comprehension's too): only a name bound to the value carries it on.
            return _name_flows_out(source, toks, span, elsewhere, depth)
        if opener > 0 and (toks[opener - 1].kind in ("ident", "string") or toks[opener - 1].text in (")", "]", "}")) \
                and toks[opener].text == "[":
            return False  # an index: `xs[to_number(v)]`
        if toks[opener].text == "{" and toks[span[1] + 1].text == ":":
            return False  # an object's key
        span = (opener, close)
    head = _rule_head(source, toks, span[0])
    if head is None:
        return _name_flows_out(source, toks, span, elsewhere, depth)  # a body after `if`, without braces
    return not _mentioned(source, toks, head, elsewhere)


def _name_flows_out(source: str, toks: list[Token], span: tuple[int, int], elsewhere: frozenset[str],
                    depth: int) -> bool:
    """Whether ``span`` is the value of ``name := ...`` whose every use is read by value or flows out."""
    name = _binding_name(source, toks, span[0], span[1]) if depth < _MAX_NAMES else None
    return name is not None and all(
        _by_value(toks, use, use) or _flows_out(source, toks, use, use, elsewhere, depth + 1)
        for use in _uses(source, toks, name))


def _rule_head(source: str, toks: list[Token], k: int) -> str | None:
    """The name of the rule whose head (not body) holds ``toks[k]``, at depth 0."""
    start, _ = rule_span(source, toks, k)
    while start > 0 and toks[start].text == "else":
        start, _ = rule_span(source, toks, start - 1)
    if any(opens_body(toks, j) for j in range(start, k) if toks[j].depth == 0):
        return None
    return toks[start].text if toks[start].kind == "ident" else None


def _mentioned(source: str, toks: list[Token], name: str, elsewhere: frozenset[str]) -> bool:
    """Whether a rule named ``name`` is mentioned beyond its own heads, in this module or another, or its package
    is (another package's ``json.marshal(data.p)`` reads every rule of ``p`` whole)."""
    package = _PACKAGE.search(source)
    return name in elsewhere or (package is not None and package.group(1) in elsewhere) or any(
        tok.text == name and not (tok.depth == 0 and starts_statement(source, toks, k))
        for k, tok in enumerate(toks) if tok.kind == "ident")


def _elements_around(toks: list[Token], first: int) -> Iterator[SprintfElement]:
    """The sprintf elements that may start at ``first``: those of the call whose array encloses it."""
    depth = toks[first].depth
    if depth < 2:
        return
    array = next((k for k in range(first - 1, -1, -1) if toks[k].depth == depth - 1 and toks[k].text == "["), None)
    if array is None or array < 3:
        return
    call = next((k for k in range(array - 1, -1, -1) if toks[k].depth == depth - 2 and toks[k].text == "("), None)
    if call is None or call < 1:
        return
    yield from elements_of(toks, call - 1)


def _binding_name(source: str, toks: list[Token], first: int, last: int) -> int | None:
    """The name token of ``name := TERM`` or ``name = TERM``, a body statement of its own, where TERM is
    ``toks[first..last]``."""
    if first < 2 or toks[first - 1].text not in (":=", "="):
        return None
    name = first - 2
    if toks[name].kind != "ident" or not (toks[name - 1].text == "if" if name > 0 and toks[name].depth == 0
                                          else starts_body_statement(source, toks, name) and toks[name].depth > 0):
        return None  # `name := ...` is a rule of its own, read from anywhere
    after = toks[last + 1] if last + 1 < len(toks) else None
    if after is not None and not (after.text in ("}", ";", "]") or starts_body_statement(source, toks, last + 1)):
        return None
    return name


def _uses(source: str, toks: list[Token], name: int) -> Iterator[int]:
    """The other occurrences of the name at ``toks[name]`` in its rule (head, body and ``else`` branches)."""
    start, end = rule_span(source, toks, name)
    text = toks[name].text
    for k in range(start, end):
        if k != name and toks[k].text == text and toks[k].kind == "ident" and (k == 0 or toks[k - 1].text != "."):
            yield k
