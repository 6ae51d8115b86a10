"""OPA's ``sprintf``, exactly, as a Python function regorus calls in place of its own.

regorus 0.13.0's ``sprintf`` prints what OPA prints for a few verbs only
(``%s`` of 1 is ``1``, where OPA prints ``%!s(int=1)``). regorus lets Python
provide a builtin under the same name (``Engine.add_extension``), so the
regorus engine registers :func:`opa_sprintf` as ``sprintf`` on every engine
it builds; no policy text changes.

OPA (topdown ``builtinSprintf``) hands Go's ``fmt.Sprintf`` each argument as
a Go value: a number whose text is an integer fitting int64 as an ``int``, a
larger integer as a ``*big.Int``, any other number as a ``float64``, a string
as it is, and anything else (booleans, null, arrays, sets, objects) as its
Rego text, a string. :func:`opa_sprintf` does the same over the values
regorus hands Python, and ``sprintf_go`` is ``fmt.Sprintf``.

What regorus hides, and so cannot be matched (docs/rego.md, "What no check
can see"): a number's text. regorus reads ``1.0`` and ``1e2`` as the integers
1 and 100, where OPA keeps them floats (``%d`` of ``1.0`` is
``%!d(float64=1)``); a literal of that kind in a ``sprintf`` argument list is
refused up front (``guards``). An integer past 64 bits never reaches Python
(regorus stops with "not an i64", on the line). Inside an array, set or
object OPA prints each number as it was written, so a non-integer there is
refused at run time rather than printed differently.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.numbers_opa import go_number
from natpolicy.rego.sprintf_go import GoFormatRefused, GoValue, go_quote, go_sprintf

__all__ = ["opa_sprintf", "opa_sprintf_texts", "rego_text", "SprintfRefused"]


class SprintfRefused(GoFormatRefused):
    """Raised inside the engine: regorus stops the query with this message and the line of the call."""


def opa_sprintf(fmt: Any, args: Any) -> str:
    """``sprintf(fmt, args)`` as OPA v1 answers it (the extension regorus calls)."""
    if not isinstance(fmt, str):
        raise SprintfRefused("sprintf: operand 1 must be a string")
    if not isinstance(args, list):
        raise SprintfRefused("sprintf: operand 2 must be an array")
    if all(arg.__class__ is str for arg in args):
        return go_sprintf(fmt, args)  # a string is handed to Go as it is (_go_value): no list of copies made
    return go_sprintf(fmt, [_go_value(arg) for arg in args])


def opa_sprintf_texts(fmt: Any, args: Any, texts: Any) -> str:
    """``sprintf(fmt, args)`` where natpolicy knows the text OPA keeps of some arguments (number_texts_regorus):
    ``texts[i]`` is the literal's text, ``true`` where ``args[i]`` is ``[value, text or null]`` (to_number's),
    or ``null``."""
    if not isinstance(args, list) or not isinstance(texts, list) or len(texts) != len(args):
        raise SprintfRefused("sprintf: operand 2 must be an array")
    given = []
    for arg, text in zip(args, texts, strict=True):
        if text is True:  # [value, text]: to_number's (number_texts_regorus), never the policy's own
            arg, text = arg
        given.append(go_number(text) if isinstance(text, str) else arg)
    return opa_sprintf(fmt, given)


def _go_value(value: Any) -> GoValue:
    if isinstance(value, bool) or value is None or isinstance(value, (list, set, frozenset, dict)):
        return rego_text(value)
    if isinstance(value, (int, float, str)):
        return value
    raise SprintfRefused(f"sprintf: an argument of an unexpected kind ({type(value).__name__})")


def rego_text(value: Any) -> str:
    """A value as OPA prints a term: strings Go-quoted, sets and object keys in Rego's order."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # OPA prints the number as it was written or computed (1.50, 1.5e3), which regorus does not keep.
        raise SprintfRefused("sprintf of an array, set or object holding a non-integer number: OPA prints the "
                             "number as written, which regorus does not keep; natpolicy refuses it")
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(rego_text(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()"
        return "{" + ", ".join(rego_text(v) for v in sorted(value, key=_order)) + "}"
    if isinstance(value, dict):
        keys = sorted(value, key=_order)
        return "{" + ", ".join(f"{rego_text(k)}: {rego_text(value[k])}" for k in keys) + "}"
    raise SprintfRefused(f"sprintf: a value of an unexpected kind ({type(value).__name__})")


def _order(value: Any) -> tuple[int, Any]:
    """Rego's order of the scalars a set or an object key can hold here (regorus cannot hand Python a set of
    collections): null, then booleans, numbers, strings; strings by their UTF-8 bytes, which is code point order."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    raise SprintfRefused("sprintf of a set or object keyed by arrays, sets or objects: not supported")
