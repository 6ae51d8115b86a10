"""``+ - * /`` as OPA computes them, on regorus: each operator that may meet a non-integer becomes a call.

regorus computes a non-integer as an f64 (``0.1 + 0.2 == 0.3`` is false
there), OPA as a 64-bit-mantissa big.Float (true). So before compiling, on
the same lines, each arithmetic operator whose operands are not both surely
integers is rewritten into natpolicy's extension (``arith_opa``), honouring
Rego's precedence (``*`` and ``/`` before ``+`` and ``-``, left to right;
a unary minus belongs to its operand; parentheses are an operand):

    a + b * c      ->  __natpolicy_plus(a, __natpolicy_mul(b, c))
    x - -1         ->  __natpolicy_minus_l3_17(x, -1)
    (a + 0.5) / 2  ->  __natpolicy_div((__natpolicy_plus(a, 0.5)), 2)

``-`` is also a set's difference, so each ``-`` calls a function of its own
appended to the module (``__natpolicy_minus_l<line>_<offset>``) that calls
the extension only for a number and subtracts natively otherwise; an error
inside it is reported at the policy's line (``arith_site_line``,
engine_regorus). Operands surely integers (integer literals, ``count(...)``
and the like, and ``+ - * %`` of them) are left alone, so integer-only
arithmetic costs nothing, unless their magnitudes may reach 2^63, past which
regorus computes an f64 (``9223372036854775807 * 2``); ``/`` is always rewritten (OPA's ``1 / 3`` has 20
digits, which no f64 holds: the query stops there), and ``%`` never on
regorus (a non-integer fails there as in OPA), always where ``functions``
names one (regopy's own ``%`` answers integers wrongly: regopy_arith).
``default`` values are left alone (a constant, no call).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from natpolicy.records import record
from natpolicy.rego.source import Token, matching_close, tokens

__all__ = ["ARITH_EXTENSIONS", "Operation", "arith_site_line", "arithmetic_for_regorus", "arithmetic_operations",
           "rewrite_arithmetic"]

# The extension names regorus is given (engine_regorus registers arith_opa's functions under them).
ARITH_EXTENSIONS = {"+": "__natpolicy_plus", "-": "__natpolicy_opa_minus", "*": "__natpolicy_mul",
                    "/": "__natpolicy_div"}
_MINUS = "__natpolicy_minus"
# One function per `-` site, named with its line, so an error inside it (a set minus an array) is reported at
# the policy's line (arith_site_line): a number goes to the extension, anything else to regorus' own `-`.
_MINUS_SITE = {
    False: "{name}(__natpolicy_a, __natpolicy_b) := {extension}(__natpolicy_a, __natpolicy_b) if "
           "is_number(__natpolicy_a)\n"
           "{name}(__natpolicy_a, __natpolicy_b) := __natpolicy_a - __natpolicy_b if not is_number(__natpolicy_a)\n",
    True: "{name}(__natpolicy_a, __natpolicy_b) := {extension}(__natpolicy_a, __natpolicy_b) {{ "
          "is_number(__natpolicy_a) }}\n"
          "{name}(__natpolicy_a, __natpolicy_b) := __natpolicy_a - __natpolicy_b {{ not is_number(__natpolicy_a) }}\n",
}
_SITE_NAME = re.compile(rf"^{_MINUS}_l(?P<line>\d+)_\d+\(")
_KEYWORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not",
                       "with", "as"})
# Calls whose answer is an integer that regorus and OPA both hold exactly, with the largest magnitude it may have
# (a count or an index stays below 2^32 within --rego-memory).
_INTEGER_CALLS = {"count": 2**32, "strings.count": 2**32, "indexof": 2**32, "time.now_ns": 2**62, "ceil": 2**53,
                  "floor": 2**53}
# regorus computes an integer past int64 as an f64 (9223372036854775807 * 2 is 1.8446744073709552e+19, OPA
# 18446744073709551614): integer arithmetic that may reach it goes to OPA's arithmetic, which stops there.
_NATIVE_INTEGERS = 2**63
_SUM, _PRODUCT = frozenset({"+", "-"}), frozenset({"*", "/", "%"})


@record(frozen=True)
class _Operand:
    start: int  # character offsets in the source
    end: int
    text: str  # the rewritten text
    integer: bool  # surely an integer
    bound: int = 0  # for an integer, the largest magnitude it may have


@record(frozen=True)
class Operation:
    """One ``+ - * / %`` of the source: its operator and each operand's (start, end) character offsets. An operand
    written glued to the operator (``x -1``) starts inside its token, after the ``-``."""

    operator: str
    left: tuple[int, int]
    right: tuple[int, int]


def arithmetic_operations(source: str) -> list[Operation]:
    """Each arithmetic operation of ``source``, read as the rewrite below reads it (precedence, unary minus,
    groups), inner ones first; ``default`` values (constants) are left out."""
    toks = tokens(source)
    if not any(tok.kind == "op" and tok.text in "+-*/%" or tok.kind == "number" and tok.text[0] == "-"
               for tok in toks):
        return []
    rewriter = _Rewriter(source, toks, ARITH_EXTENSIONS)
    rewriter.region(0, len(toks))
    return rewriter.operations


def arithmetic_for_regorus(source: str, v0: bool = False) -> str:
    """``source`` with each ``+ - * /`` that may meet a non-integer computed as OPA does; ``v0``: the
    module is Rego v0 (the appended function is written without ``if``)."""
    return rewrite_arithmetic(source, ARITH_EXTENSIONS, v0)[0]


def rewrite_arithmetic(source: str, functions: Mapping[str, str],
                       v0: bool = False) -> tuple[str, list[tuple[int, str]]]:
    """``source`` with each ``+ - * /`` that may meet a non-integer calling ``functions[operator]`` (``-``
    through a site function that keeps the engine's own ``-`` for sets; each ``%`` where ``functions`` has it),
    and (offset, operator) of each site."""
    toks = tokens(source)
    operators = "+-*/%" if "%" in functions else "+-*/"
    if not any(tok.kind == "op" and tok.text in operators or tok.kind == "number" and tok.text[0] == "-"
               for tok in toks):
        return source, []
    rewriter = _Rewriter(source, toks, functions)
    out = rewriter.region(0, len(toks))
    out = source[:toks[0].offset] + out + source[toks[-1].offset + len(toks[-1].text):]
    if not rewriter.rewritten:
        return source, []
    if rewriter.minus_sites:
        out += ("" if out.endswith("\n") else "\n") + "".join(
            _MINUS_SITE[v0].format(name=name, extension=functions["-"])
            for name in rewriter.minus_sites.values())
    return out, sorted(rewriter.sites.items())


def arith_site_line(module: str, line: int) -> int | None:
    """The policy's line of the ``-`` whose function stands at ``line`` of the rewritten ``module``; None when that
    line is no such function."""
    lines = module.split("\n")
    match = _SITE_NAME.match(lines[line - 1]) if 0 < line <= len(lines) else None
    return int(match.group("line")) if match else None


class _Rewriter:
    def __init__(self, source: str, toks: list[Token], functions: Mapping[str, str]) -> None:
        self.source, self.toks, self.functions = source, toks, functions
        self.rewritten = False
        self.minus_sites: dict[int, str] = {}
        self.sites: dict[int, str] = {}  # offset -> operator (a group read twice is one site)
        self.operations: list[Operation] = []  # every operation read, rewritten or not

    def region(self, lo: int, hi: int) -> str:
        """The text from token lo to the end of token hi-1 (one bracket depth, with nested groups), rewritten."""
        if hi <= lo:
            return ""
        pieces: list[str] = []
        pos, cursor = lo, self.toks[lo].offset
        while pos < hi:
            tok = self.toks[pos]
            if tok.text == "default" and tok.kind == "ident":
                pos = self._line_end(pos, hi)  # a default's value is a constant: left as written
                continue
            parsed = self._sum(pos, hi)
            if parsed is not None:
                operand, pos = parsed
                pieces.append(self.source[cursor:operand.start] + operand.text)
                cursor = operand.end
                continue
            close = matching_close(self.toks, pos) if tok.kind == "op" and tok.text in "([{" else None
            if close is not None and close < hi:
                pieces.append(self.source[cursor:tok.offset] + self._group_text(pos, close))
                cursor, pos = self._end(close), close + 1
            else:
                pos += 1
        return "".join(pieces) + self.source[cursor:self._end(hi - 1)]

    def _group_text(self, opening: int, close: int) -> str:
        """A bracketed group (tokens opening..close), its inside rewritten."""
        if close == opening + 1:
            return self.source[self.toks[opening].offset:self._end(close)]
        return (self.source[self.toks[opening].offset:self.toks[opening + 1].offset]
                + self.region(opening + 1, close) + self.source[self._end(close - 1):self._end(close)])

    def _end(self, i: int) -> int:
        return self.toks[i].offset + len(self.toks[i].text)

    def _line_end(self, pos: int, hi: int) -> int:
        """The token after a statement starting at ``pos``: its line, and any bracket opened on it."""
        newline = self.source.find("\n", self.toks[pos].offset)
        depth = self.toks[pos].depth
        pos += 1
        while pos < hi and (newline < 0 or self.toks[pos].offset < newline or self.toks[pos].depth > depth):
            pos += 1
        return pos

    def _sum(self, pos: int, hi: int) -> tuple[_Operand, int] | None:
        return self._binary(pos, hi, _SUM)

    def _binary(self, pos: int, hi: int, operators: frozenset[str], skip: int = 0) -> tuple[_Operand, int] | None:
        """Operands joined by ``operators`` (``+ -`` over products, ``* / %`` over unary operands), left to
        right; ``skip``: characters of the first token that belong to the operator before (``-`` of ``-1``)."""
        parsed = self._binary(pos, hi, _PRODUCT, skip) if operators is _SUM else self._unary(pos, hi, skip)
        if parsed is None:
            return None
        left, pos = parsed
        while pos < hi:
            operator = self._operator_at(pos, operators)
            if operator is None:
                break
            op_start, right_pos, right_skip = operator
            inner = self._binary(right_pos, hi, _PRODUCT, right_skip) if operators is _SUM else \
                self._unary(right_pos, hi, right_skip)
            if inner is None:
                break
            right, pos = inner
            left = self._combine(left, op_start, right)
        return left, pos

    def _operator_at(self, pos: int, operators: frozenset[str]) -> tuple[int, int, int] | None:
        """(offset of the operator, the right operand's token, characters of that token to skip)."""
        tok = self.toks[pos]
        if tok.kind == "op" and tok.text in operators:
            return tok.offset, pos + 1, 0
        # `x -1` is read as `x` and the number `-1`: a binary minus, unless it starts a statement's line.
        if "-" in operators and tok.kind == "number" and tok.text[0] == "-" and not self._starts_line(tok):
            return tok.offset, pos, 1
        return None

    def _starts_line(self, tok: Token) -> bool:
        line_start = self.source.rfind("\n", 0, tok.offset) + 1
        return not self.source[line_start:tok.offset].strip()

    def _combine(self, left: _Operand, op_start: int, right: _Operand) -> _Operand:
        operator = self.source[op_start]
        self.operations.append(Operation(operator, (left.start, left.end), (right.start, right.end)))
        before, after = self.source[left.end:op_start], self.source[op_start + 1:right.start]
        bound = min(left.bound, right.bound) if operator == "%" else left.bound * right.bound if operator == "*" \
            else left.bound + right.bound
        if (operator == "%" and "%" not in self.functions) \
                or (operator not in "/%" and left.integer and right.integer and bound < _NATIVE_INTEGERS):
            text = left.text + before + operator + after + right.text
            return _Operand(left.start, right.end, text, operator != "/" and left.integer and right.integer, bound)
        self.rewritten = True
        self.sites[op_start] = operator
        called = self.functions[operator]
        if operator == "-":  # named by its place, so a group read twice (not one operand) defines it once
            called = f"{_MINUS}_l{self.source.count(chr(10), 0, op_start) + 1}_{op_start}"
            self.minus_sites[op_start] = called
        text = f"{called}({left.text}{before},{after}{right.text})"
        return _Operand(left.start, right.end, text, False)

    def _unary(self, pos: int, hi: int, skip: int = 0) -> tuple[_Operand, int] | None:
        """A primary (a literal, a ref, a call, a group), with any unary minus before it."""
        if pos >= hi:
            return None
        tok = self.toks[pos]
        start = tok.offset + skip
        if tok.kind == "op" and tok.text == "-" and skip == 0:
            inner = self._unary(pos + 1, hi)
            if inner is None:
                return None
            operand, after = inner
            return _Operand(start, operand.end, self.source[start:operand.start] + operand.text,
                            operand.integer, operand.bound), after
        if tok.kind == "number":
            text = tok.text[skip:]
            integer = not any(mark in text for mark in ".eE")
            return _Operand(start, self._end(pos), text, integer, abs(int(text)) if integer else 0), pos + 1
        if tok.kind in ("string", "raw"):
            return _Operand(start, self._end(pos), tok.text, False), pos + 1
        if tok.kind == "ident" and tok.text not in _KEYWORDS:
            return self._postfix(pos, hi, self._end(pos), tok.text)
        if tok.kind == "op" and tok.text in "([{":
            close = matching_close(self.toks, pos)
            if close is None or close >= hi:
                return None
            parsed = self._sum(pos + 1, close) if tok.text == "(" and close > pos + 1 else None
            if parsed is not None and parsed[1] == close:  # `(a + 0.5)`: one operand, read once
                grouped = parsed[0]
                text = self.source[tok.offset:grouped.start] + grouped.text + self.source[grouped.end:self._end(close)]
                return self._postfix(close, hi, self._end(close), text, grouped.integer, start=tok.offset,
                                     bound=grouped.bound)
            return self._postfix(close, hi, self._end(close), self._group_text(pos, close), start=tok.offset)
        return None

    def _postfix(self, pos: int, hi: int, end: int, text: str, integer: bool = False,
                 start: int | None = None, bound: int = 0) -> tuple[_Operand, int]:
        """``pos``: the primary's last token. Follows ``.name``, ``[...]`` and ``(...)`` glued onto it."""
        first = self.toks[pos].offset if start is None else start
        name = text if self.toks[pos].kind == "ident" else ""
        while pos + 1 < hi:
            nxt = self.toks[pos + 1]
            if nxt.text == "." and pos + 2 < hi and self.toks[pos + 2].kind == "ident":
                text += self.source[end:self._end(pos + 2)]
                name = name + "." + self.toks[pos + 2].text if name else ""
                pos, end = pos + 2, self._end(pos + 2)
                integer = False
                continue
            if nxt.kind == "op" and nxt.text in "[(" and nxt.offset == end:
                close = matching_close(self.toks, pos + 1)
                if close is None or close >= hi:
                    break
                integer = nxt.text == "(" and name in _INTEGER_CALLS
                bound = _INTEGER_CALLS.get(name, 0) if integer else 0
                text += self._group_text(pos + 1, close)
                pos, end, name = close, self._end(close), ""
                continue
            break
        return _Operand(first, end, text, integer, bound), pos + 1
