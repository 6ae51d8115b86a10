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
  (``12345678901234567890123`` was ``1.2345678901234568e+22``): refused.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from natpolicy.rego.source import Token

__all__ = ["number_literal_refusals"]

_REGORUS_INTEGERS = range(-(2**63), 2**64)
_REGOPY_DIGITS = 15


def number_literal_refusals(toks: list[Token], engine: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each number literal ``engine`` ("regorus" or "regopy") holds otherwise than OPA."""
    label = "regorus 0.13.0" if engine == "regorus" else "regopy 1.5.2"
    for tok in toks:
        if tok.kind != "number":
            continue
        text = tok.text
        try:
            exact = Decimal(text)
        except InvalidOperation:
            continue
        if not any(mark in text for mark in ".eE"):
            if engine == "regorus" and int(exact) not in _REGORUS_INTEGERS:
                yield tok.offset, (f"integer {text} is past 64 bits: {label} holds it as a float (precision lost), "
                                   "where OPA keeps every digit; natpolicy refuses it")
            continue
        held = float(text)
        if held in (float("inf"), float("-inf")) or Decimal(repr(held)) != exact:
            yield tok.offset, (f"number {text} is no float64 of its own (it reads as {held!r}): {label} holds it "
                               "as that float, where OPA keeps the text and compares it at 64 bits of mantissa; "
                               "natpolicy refuses it: write it with at most 15 significant digits")
        elif engine == "regopy" and len(exact.normalize().as_tuple().digits) > _REGOPY_DIGITS:
            yield tok.offset, (f"number {text} has more than {_REGOPY_DIGITS} significant digits: {label} keeps "
                               f"{_REGOPY_DIGITS} (it equals the number rounded to them there), where OPA compares "
                               "every digit; natpolicy refuses it")
