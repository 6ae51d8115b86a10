"""Number literals an engine cannot hold as OPA does: refused with their line.

OPA keeps a number literal as its text (``ast.Number``, a ``json.Number``)
and compares two numbers as big.Floats of a 64-bit mantissa, integers
exactly (``Compare`` in OPA's v1/ast/compare.go): ``1e400`` is a number
there, ``0.3 == 0.30000000000000001`` is false, and
``12345678901234567890123`` keeps every digit. The engines hold a literal
otherwise (measured):

* both read a number with a fraction or an exponent as an f64, so a literal
  no f64 tells apart from a shorter text collapses into it (regorus:
  ``0.3 == 0.30000000000000001`` true, ``1e-400 > 0`` false; regopy:
  ``1e400`` is ``inf``, ``2.5e-324`` stops with ``stod``). Refused: a literal
  whose value differs from that of the shortest text of its f64;
* regopy also keeps a float to 15 significant digits (``0.30000000000000004
  == 0.3`` and ``1.0000000000000002 == 1`` are true there): refused past 15;
* regorus holds an integer past ``[-2^63, 2^64)`` as an f64
  (``12345678901234567890123`` was ``1.2345678901234568e+22``): refused;
* regorus holds a literal by its value, OPA by its text: a whole number
  written with a point or an exponent (``1.0``, ``1e2``, ``-0``) is no
  integer to OPA (``ast.Number.Int`` parses the text), so ``[5, 6][1.0]`` is
  undefined and ``numbers.range(1.0, 2)`` an error there, 6 and ``[1, 2]`` on
  regorus; and ``json.marshal`` writes OPA's text (``[2.50]``, ``[1e2]``)
  where regorus writes ``[2.5]``, ``[100]``. A comparison or arithmetic
  reads the value alike, so such a literal is refused on regorus unless it is
  an operand of one. regopy keeps the text, as OPA, but hands a whole one to a
  builtin's integer argument (``numbers.range(1.0, 2)`` is ``[1, 2]`` there,
  ``substring("abc", 1.0, 1)`` ``"b"``): a whole one is refused there alike;
* regopy reads ``-0`` as unequal to ``0`` (``0 == -0`` is false there):
  refused wherever it stands;
* a literal that gives an arithmetic's zero a sign in OPA (a negative zero by ``+ - * /``; ``0e0`` or ``-1e0``
  by ``*``, which OPA's ``Number.Int`` reads as no integer, unlike ``0.0`` and ``-1.0`` since v1.20.0), directly
  or through a name bound to it (``z := 0e0; x * z``): both engines answer 0 where OPA answers -0
  (``_signed_zero``, ``_signed_zero_named``): refused on both.

And a minus where a term starts (``-input.n``, ``-count(xs)``, ``-(x)``): OPA's parser reads a minus there
only as the sign of a number literal (v1/ast/parser.go ``parseTerm`` hands ``tokens.Sub`` to ``parseNumber``,
"expected number"), so the module does not parse. regorus stops on it at compile time with its own message,
regopy negated the value (``-input.n`` was -3): refused on both (``unary_minus_refusals``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from natpolicy.rego.number_texts import literal_bindings, multiplied
from natpolicy.rego.numbers_opa import AS_HELD, REGORUS_INTEGERS, opa_integer_text
from natpolicy.rego.source import Token, matching_close

__all__ = ["number_literal_refusals", "unary_minus_refusals"]

_REGOPY_DIGITS = 15
_ZERO = re.compile(r"\+?0(\.0*)?")  # a literal zero util.Atoi64 reads, without a sign's minus
# Operators that read a number by its value alone, so its text cannot show (OPA's Compare and big.Float arithmetic).
_BY_VALUE = frozenset({"==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"})


def number_literal_refusals(toks: list[Token], engine: str, source: str | None = None, texts: bool = True
                           ) -> Iterator[tuple[int, str]]:
    """(offset, message) of each number literal ``engine`` ("regorus" or "regopy") holds otherwise than OPA.
    ``source``: the module's text, to answer a literal bound to a name; ``texts``: sprintf is given a literal's
    text (number_texts_regorus, number_texts_regopy; not where the set replaces sprintf with ``with``)."""
    label = "regorus 0.13.0" if engine == "regorus" else "regopy 1.5.2"
    in_sprintf = _sprintf_arguments(toks)
    # A literal bound to a name read only by value, or by sprintf, whose text regorus hands to natpolicy's sprintf
    # and regopy's rewritten sprintf formats before anything runs (number_texts_regorus, number_texts_regopy).
    answered = ("value", "sprintf") if texts else ("value",)
    bindings = literal_bindings(source, toks) if source is not None else {}
    bound = {i for i, (_, reading) in bindings.items() if reading in answered}
    for i, tok in enumerate(toks):
        if tok.kind != "number":
            continue
        text = tok.text
        try:
            exact = Decimal(text)
        except InvalidOperation:
            continue
        signed = _signed_zero(toks, i, exact)
        if signed is None and i in bindings and source is not None:
            signed = _signed_zero_named(source, toks, i, bindings[i][0], exact)
        if signed is not None:
            yield tok.offset, signed.format(label=label)
            continue
        if not any(mark in text for mark in ".eE"):
            if engine == "regorus" and int(exact) not in REGORUS_INTEGERS:
                yield tok.offset, (f"integer {text} is past 64 bits: {label} holds it as a float (precision lost), "
                                   "where OPA keeps every digit; natpolicy refuses it")
            elif text == "-0" and engine == "regopy":
                yield tok.offset, (f"number -0: {label} reads it as unequal to 0 (`0 == -0` is false there, true in "
                                   "OPA); natpolicy refuses it: write 0")
            elif text == "-0" and not _read_by_value(toks, i) and i not in in_sprintf and i not in bound:
                yield tok.offset, _text_kept(text, "0", label)
            continue
        held = float(text)
        if held in (float("inf"), float("-inf")) or Decimal(repr(held)) != exact:
            yield tok.offset, (f"number {text} is no float64 of its own (it reads as {held!r}): {label} holds it "
                               "as that float, where OPA keeps the text and compares it at 64 bits of mantissa; "
                               "natpolicy refuses it: write it with at most 15 significant digits")
        elif not AS_HELD.match(text) and not _read_by_value(toks, i) and i not in in_sprintf \
                and i not in bound and (engine == "regorus" or exact == exact.to_integral_value()):
            # regopy keeps the text (json.marshal writes it as OPA), but hands a whole one to an integer argument.
            whole = exact == exact.to_integral_value()
            yield tok.offset, _text_kept(text, str(int(exact)) if whole else format(exact.normalize(), "f"), label)
        elif engine == "regopy" and len(exact.normalize().as_tuple().digits) > _REGOPY_DIGITS:
            yield tok.offset, (f"number {text} has more than {_REGOPY_DIGITS} significant digits: {label} keeps "
                               f"{_REGOPY_DIGITS} (it equals the number rounded to them there), where OPA compares "
                               "every digit; natpolicy refuses it")


# After these a minus starts a term (no operand stands before it); keywords too. `)`, `]` and `}` end one.
_TERM_STARTS_AFTER = frozenset({"if", "not", "in", "else", "contains", "some", "every", "with", "as", "default"})


def unary_minus_refusals(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each minus where a term starts before anything but a number literal."""
    for i, tok in enumerate(toks[1:-1], start=1):
        if tok.kind != "op" or tok.text != "-" or toks[i + 1].kind == "number":
            continue
        before = toks[i - 1]
        if (before.kind == "op" and before.text not in (")", "]", "}")) or (
                before.kind == "ident" and before.text in _TERM_STARTS_AFTER):
            yield tok.offset, (f"a minus before `{toks[i + 1].text}`: OPA's parser takes a minus where a term "
                               "starts only as a number's sign (\"expected number\"), so it refuses the module; "
                               "write `0 - x`")


def _signed_zero(toks: list[Token], i: int, exact: Decimal) -> str | None:
    """The refusal of a number literal whose text gives an arithmetic's zero a sign both engines drop, else None.

    OPA multiplies two numbers as integers only where ``Number.Int`` reads both texts as integers within (-1000,
    1000) (topdown/arithmetic.go ``builtinMultiply``, ``inSmallIntRange``), else as big.Floats, whose zero keeps a
    sign (``arithMultiply``, ``arithDivide``; ``FloatToNumber`` writes ``-0``): ``0e0 * -1``, ``x * -1e0`` with x
    0, ``-0 * 1.5`` and ``-0 / 1`` are -0 there, 0 on both engines (measured: regorus holds ``0e0`` and ``-1e0``
    as integers, ``-0`` as 0). From v1.20.0 ``Number.Int`` reads ``0.0`` and ``-1.0`` as integers
    (``opa_integer_text``): such a literal computes as its integer (``0.0 * -1`` is 0 there), as the engines compute
    it, and the engines' run-time guards of a zero product past the integer path (arith_opa, regopy_arith) read it
    as that integer too. A negative zero by any arithmetic operator, a zero or a negative whole number ``Number.Int``
    does not read by ``*``, and two literals from -1000 down times a zero, are refused."""
    text = toks[i].text
    before = toks[i - 1].text if i > 0 else ""
    after = toks[i + 1].text if i + 1 < len(toks) else ""
    by = {before, after} & {"+", "-", "*", "/"}
    if not by:
        return None
    point = any(mark in text for mark in ".eE")
    whole = exact == exact.to_integral_value()
    if exact == 0 and text.startswith("-"):
        # OPA's integer path reads it as 0 (`-0.0 * 5` is 0 from v1.20.0 on), its big.Float path keeps the sign.
        return (f"number {text} in arithmetic: a negative zero keeps its sign where OPA computes as big.Floats "
                f"(`-0 * 1.5` and `-0 / 1` are -0, written -0), where {{label}} answers 0; natpolicy refuses it: "
                f"write 0")
    if "*" in by and point and whole and (exact == 0 or exact < 0) and not opa_integer_text(text):
        kind = "a zero" if exact == 0 else "a negative whole number"
    elif whole and exact <= -1000 and opa_integer_text(text) and _times_literal_zero(toks, i):
        # Two literals (`0 * -1000`, `0.0 * -1000.0`): OPA's int path only within (-1000, 1000)
        # (inSmallIntRange), else a big.Float product, -0; not rewritten here.
        return (f"number {text} in arithmetic: an integer from -1000 down times 0 is a big.Float product to OPA "
                f"(its integer path holds only within (-1000, 1000)), whose zero keeps its sign (`0 * -1000` is "
                f"-0, written -0), where {{label}} answers 0; natpolicy refuses it")
    else:
        return None
    plain = str(int(exact))
    return (f"number {text} in arithmetic: {kind} written so is no integer to OPA (v1.20's Number.Int reads "
            f"digits and a point followed by zeros only, at most 19 characters), whose big.Float arithmetic then "
            f"keeps a zero's sign (`0e0 * -1` and `-0 * 1.5` are -0, written -0), where {{label}} answers 0; "
            f"natpolicy refuses it: write {plain}")


def _signed_zero_named(source: str, toks: list[Token], i: int, name: int, exact: Decimal) -> str | None:
    """``_signed_zero`` through a name: the literal bound to ``toks[name]`` once (``z := 0.0``), a use of which is
    the operand (``x * z``). Both engines answered 0 for ``z * input.m`` with m -1 where OPA answers -0
    (measured)."""
    text = toks[i].text
    point = any(mark in text for mark in ".eE")
    bound = f"number {text} bound to {toks[name].text}, read by arithmetic"
    if exact == 0 and text.startswith("-") and multiplied(source, toks, i, i, frozenset("+-*/")):
        return (f"{bound}: a negative zero keeps its sign where OPA computes as big.Floats (`z := -0; z * 1.5` is "
                f"-0, written -0), where {{label}} answers 0; natpolicy refuses it: write 0")
    if point and exact == exact.to_integral_value() and exact <= 0 and not opa_integer_text(text) \
            and multiplied(source, toks, i, i):
        kind = "a zero" if exact == 0 else "a negative whole number"
        return (f"{bound}: {kind} written so is no integer to OPA (v1.20's Number.Int reads digits and a point "
                f"followed by zeros only, at most 19 characters), whose big.Float arithmetic then keeps a zero's "
                f"sign (`z := 0e0; z * -1` is -0, written -0), where {{label}} answers 0; natpolicy refuses it: "
                f"write {int(exact)}")
    return None


def _times_literal_zero(toks: list[Token], i: int) -> bool:
    """Is ``toks[i]`` multiplied by a literal zero OPA reads as the integer 0 beside it (``0 * -1000``,
    ``-1000 * 0.0``)? A negative zero is refused on its own."""
    return any(0 <= j < len(toks) and 0 <= k < len(toks) and toks[j].text == "*" and toks[k].kind == "number"
               and _ZERO.fullmatch(toks[k].text) is not None for j, k in ((i - 1, i - 2), (i + 1, i + 2)))


def _read_by_value(toks: list[Token], i: int) -> bool:
    """Whether the number at ``toks[i]`` is an operand of a comparison or an arithmetic operator."""
    before = toks[i - 1].text if i > 0 else ""
    after = toks[i + 1].text if i + 1 < len(toks) else ""
    return before in _BY_VALUE or after in _BY_VALUE


def _text_kept(text: str, value: str, label: str) -> str:
    # Not "no integer index": since OPA v1.20.0 ast.Number.Int reads "1.0" as 1 (util.Atoi64), "1e2" still not.
    return (f"number {text}: OPA keeps its text (json.marshal writes {text}; an array index and a builtin's "
            f"integer argument read the text), {label} holds the value {value}; natpolicy refuses it outside a "
            f"comparison or arithmetic: write {value}")


def _sprintf_arguments(toks: list[Token]) -> set[int]:
    """Indexes of the tokens sprintf formats itself: its arguments, but for those inside another call there
    (``json.marshal([2.50])`` writes the text first). sprintf formats a number by its value (a float64 unless it
    is an integer text), so a text there never shows; a whole one gets guards' sprintf refusal."""
    inside: set[int] = set()
    for i, tok in enumerate(toks):
        if tok.text == "sprintf" and i + 1 < len(toks) and toks[i + 1].text == "(" and (
                i == 0 or toks[i - 1].text != "."):
            close = matching_close(toks, i + 1)
            end = close if close is not None else len(toks)
            j = i + 2
            while j < end:
                if toks[j].kind == "ident" and j + 1 < end and toks[j + 1].text == "(":
                    j = (matching_close(toks, j + 1) or end) + 1  # another call's arguments are its own
                    continue
                inside.add(j)
                j += 1
    return inside
