"""Terraform's ``format`` verbs and ``jsonencode``, byte for byte.

``format`` follows cty's implementation of Go's verbs: ``%v`` writes
collections as compact JSON, ``%#v`` anything as JSON, ``%[n]`` picks an
argument, and unused arguments are an error. Numbers print from the value
Terraform holds: a 512-bit binary float parsed from the decimal text, so
``format("%.2f", 1.005)`` is ``"1.00"`` as in Terraform, not Python's ``"1.01"``.
"""
from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

from natpolicy.loaders.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    TfSet,
    exact,
    number_text,
    parse_number,
    to_string,
)
from natpolicy.model import UNKNOWN

__all__ = ["tf_format", "json_encode"]

_SPEC = re.compile(r"%([-+# 0]*)(\d*)(?:\.(\d*))?(?:\[(\d+)\])?(.?)", re.S)
_VERBS = frozenset("vtbdoxXeEfgGsq")
_PRECISION_BITS = 512  # cty numbers are big.Float with 512-bit mantissas
_MAX_WIDTH = 10_000


def tf_format(spec: str, args: list[Any]) -> Any:
    """``format(spec, args...)``; ``UNKNOWN`` when an argument is null (as Terraform)."""
    out: list[str] = []
    pos, nxt, highest = 0, 0, 0
    while True:
        start = spec.find("%", pos)
        if start < 0:
            out.append(spec[pos:])
            break
        out.append(spec[pos:start])
        if spec.startswith("%%", start):
            out.append("%")
            pos = start + 2
            continue
        m = _SPEC.match(spec, start)
        assert m is not None
        flags, width, precision, index, verb = m.groups()
        if not verb:
            raise EvalError(f"format(): invalid format string starting at offset {start + 1}")
        if verb not in _VERBS:
            raise EvalError(f"format(): unsupported format verb {verb!r}")
        if index is not None:
            nxt = int(index) - 1
            if nxt < 0:
                raise EvalError("format(): argument indexes start at 1")
        if nxt >= len(args):
            raise EvalError(f"format(): not enough arguments for {m.group(0)!r}")
        value = args[nxt]
        nxt += 1
        highest = max(highest, nxt)
        if value is None:
            return UNKNOWN  # Terraform's format() of a null is an unknown value
        if max(int(width or 0), int(precision or 0)) > _MAX_WIDTH:
            raise NotEvaluated("a format width or precision in the thousands")
        out.append(_verb(verb, flags, int(width) if width else None,
                         None if precision is None else int(precision or 0), value))
        pos = m.end()
    if len(args) > highest:
        raise EvalError(f"format(): too many arguments; only {highest} used by the format string")
    return "".join(out)


def _verb(verb: str, flags: str, width: int | None, precision: int | None, value: Any) -> str:
    if verb == "t":
        if isinstance(value, bool):
            return "true" if value else "false"  # cty ignores width and flags for %t
        if value in ("true", "false"):
            return str(value)
        raise EvalError("format(): %t needs a bool")
    if verb == "v":
        if "#" in flags or isinstance(value, (list, dict)):
            text = json_encode(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            text = _general(value, None, upper=False)
        else:
            text = to_string(value)
        return _pad(text, flags, width, numeric=False)
    if verb in "sq":
        if isinstance(value, (list, dict)):
            raise EvalError(f"format(): %{verb} needs a string")
        text = to_string(value)
        if verb == "q":
            text = json_encode(text)
        elif precision is not None:
            text = text[:precision]
        return _pad(text, flags, width, numeric=False)
    number = _number(value)
    if verb in "bdoxX":
        if isinstance(number, float):
            raise EvalError(f"format(): %{verb} needs an integer")
        digits = {"b": format(abs(number), "b"), "d": str(abs(number)), "o": format(abs(number), "o"),
                  "x": format(abs(number), "x"), "X": format(abs(number), "X")}[verb]
        if precision is not None:
            digits = "" if precision == 0 and number == 0 else digits.rjust(precision, "0")
        if "#" in flags:
            digits = {"b": "0b", "o": "0", "x": "0x", "X": "0X", "d": ""}[verb] + digits
        body = _sign(number < 0, flags) + digits
        return _pad(body, flags if precision is None else flags.replace("0", ""), width, numeric=True)
    if verb in "eE":
        text = _exponent(number, 6 if precision is None else precision, upper=verb == "E")
    elif verb == "f":
        text = _fixed(number, 6 if precision is None else precision)
    else:
        text = _general(number, precision, upper=verb == "G")
    negative = text.startswith("-")
    return _pad(_sign(negative, flags) + text.lstrip("-"), flags, width, numeric=True)


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise EvalError("format(): a number is required")
    if isinstance(value, str):
        return parse_number(value)
    return value


def _sign(negative: bool, flags: str) -> str:
    if negative:
        return "-"
    return "+" if "+" in flags else " " if " " in flags else ""


def _pad(text: str, flags: str, width: int | None, *, numeric: bool) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags:
        if numeric and text[:1] in "+- ":
            return text[0] + text[1:].rjust(width - 1, "0")
        return text.rjust(width, "0")
    return text.rjust(width)


# ---------------------------------------------------------------- numbers
def _held(value: int | float) -> Fraction:
    """The exact value of Terraform's 512-bit float for ``value``."""
    if isinstance(value, Approx):
        raise NotEvaluated("formatting a fraction Terraform computes with 512-bit precision")
    f = exact(value)
    if f == 0 or isinstance(value, int) and abs(value).bit_length() <= _PRECISION_BITS:
        return f
    sign = -1 if f < 0 else 1
    f = abs(f)
    shift = _PRECISION_BITS - 1 - (f.numerator.bit_length() - f.denominator.bit_length())
    scaled = f * Fraction(2) ** shift
    while scaled >= 2 ** _PRECISION_BITS:
        shift, scaled = shift - 1, scaled / 2
    while scaled < 2 ** (_PRECISION_BITS - 1):
        shift, scaled = shift + 1, scaled * 2
    return sign * Fraction(round(scaled)) / Fraction(2) ** shift


def _fixed(value: int | float, precision: int) -> str:
    held = _held(value)
    q = round(abs(held) * 10 ** precision)  # round half to even, as Go does
    digits = str(q).rjust(precision + 1, "0")
    text = digits if precision == 0 else f"{digits[:-precision]}.{digits[-precision:]}"
    return ("-" if held < 0 else "") + text


def _exponent(value: int | float, precision: int, *, upper: bool) -> str:
    held = _held(value)
    mag = abs(held)
    exp = 0
    if mag:
        # log10 from bit lengths (printing a huge integer just to count its digits is refused by Python)
        exp = int((mag.numerator.bit_length() - mag.denominator.bit_length()) * 0.30103)
        while mag >= Fraction(10) ** (exp + 1):
            exp += 1
        while mag < Fraction(10) ** exp:
            exp -= 1
    q = round(mag / Fraction(10) ** (exp - precision))
    if q >= 10 ** (precision + 1):
        exp += 1
        q = round(mag / Fraction(10) ** (exp - precision))
    digits = str(q).rjust(precision + 1, "0")
    mantissa = digits[0] + ("." + digits[1:] if precision else "")
    text = f"{mantissa}{'E' if upper else 'e'}{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return ("-" if held < 0 else "") + text


def _general(value: int | float, precision: int | None, *, upper: bool) -> str:
    """Go's ``%g``: shortest digits (or ``precision`` significant ones), %e for large exponents."""
    if precision is None:
        if isinstance(value, Approx):
            raise NotEvaluated("formatting a fraction Terraform computes with 512-bit precision")
        text = number_text(value).lstrip("-")
        negative = value < 0
        digits = text.replace(".", "").lstrip("0") or "0"
        point = text.find(".") if "." in text else len(text)
        lead = len(text.replace(".", "")) - len(text.replace(".", "").lstrip("0"))
        exp = point - lead - 1 if digits != "0" else 0
        digits = digits.rstrip("0") or "0"
        eprec = 6
    else:
        p = max(precision, 1)
        e_text = _exponent(value, p - 1, upper=False).lstrip("-")
        negative = value < 0
        mantissa, exp_text = e_text.split("e")
        digits, exp = mantissa.replace(".", "").rstrip("0") or "0", int(exp_text)
        eprec = p
    if exp < -4 or exp >= eprec:
        text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text += f"{'E' if upper else 'e'}{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif exp < 0:
        text = "0." + "0" * (-exp - 1) + digits
    else:
        whole = digits[:exp + 1].ljust(exp + 1, "0")
        rest = digits[exp + 1:]
        text = whole + ("." + rest if rest else "")
    return ("-" if negative else "") + text


# ---------------------------------------------------------------- JSON
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_encode(value: Any) -> str:
    """``jsonencode``: sorted keys, no spaces, Go's HTML-safe escapes, numbers in full."""
    if value is UNKNOWN:
        raise NotEvaluated("an unknown value")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return "".join(_HTML_ESCAPES.get(ch, ch) for ch in text)
    if isinstance(value, list):
        if isinstance(value, TfSet) and not value.ordered:
            raise NotEvaluated("the order of a set of collections")
        return "[" + ",".join(json_encode(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_encode(k)}:{json_encode(value[k])}" for k in sorted(value)) + "}"
    raise NotEvaluated("a value natpolicy cannot encode")
