"""The calls where regorus shows a negative zero of the input or data otherwise than OPA: the query stops there.

conftest hands OPA a negative zero of the input (``-0`` or ``-0.0`` in a JSON file) as ``-0`` (``encoding/json``
writes the float64 -0 so), and OPA's loader keeps a data file's ``-0`` as it stands; it is equal to 0 everywhere
(``ast.Compare``). regorus 0.13.0 holds it as -0.0, compares it as OPA does and ``json.marshal`` writes ``-0``
(go_json_numbers), but (measured):

* ``sprintf``: regorus hands an extension -0.0 as the integer 0, so natpolicy's ``sprintf`` printed an array, set
  or object holding it with ``0`` (``[0]``), where OPA prints the number's text (``[-0]``);
* ``yaml.marshal``: regorus writes ``-0.0``; OPA writes the JSON ``-0`` through ``sigs.k8s.io/yaml``'s
  ``JSONToYAML``, which gives ``0`` where its release reads JSON with go-yaml (the integer 0) and ``-0`` where it
  reads it with ``encoding/json`` (a float64): not settled, so it stops;
* ``numbers.range`` and ``numbers.range_step``: OPA reads the bounds as integers (``Number.Int`` of ``-0`` is 0)
  and answers ``[0, 1]`` for ``numbers.range(-0, 1)``; regorus answered ``[-0, 1]``.

* the query's answer: regorus answers a negative zero of the input or data (or of ``json.unmarshal("-0")``) as
  -0.0, which natpolicy's results print ``-0.0`` where conftest prints OPA's ``-0``: the query stops
  (:func:`answer_holds_negative_zero`) with the rule's line.

A policy calling none of them sees the negative zero as OPA does. The input or data is searched for one only
where a module calls one (a regex over its JSON text: go_json_numbers.holds_negative_zero).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from natpolicy.rego.regopy_documents import has_negative_zero
from natpolicy.rego.source import char_line_col, scan_module

__all__ = ["ANSWER_NEGATIVE_ZERO", "answer_holds_negative_zero", "negative_zero_stop"]

_TAIL = "; natpolicy stops here (regopy stops on a negative zero of the input or data too)"
_WHY = {
    "sprintf": "which regorus 0.13.0 hands sprintf as 0 (OPA prints it -0 inside an array, set or object)",
    "yaml.marshal": "which regorus 0.13.0 writes -0.0 where OPA's text (0 or -0) depends on the release of "
                    "sigs.k8s.io/yaml it is built with",
    "numbers.range": "which regorus 0.13.0 keeps as -0 in the range, where OPA reads the integer 0",
    "numbers.range_step": "which regorus 0.13.0 keeps as -0 in the range, where OPA reads the integer 0",
}


def negative_zero_stop(modules: Mapping[str, str]) -> str | None:
    """The stop's message (``{where}`` left to fill: input or data) at the first call of the modules that shows a
    negative zero otherwise than OPA (the module scan's calls: code only), or None where no module calls one."""
    for name, source in modules.items():
        call = next((call for call in scan_module(source).calls if call.name in _WHY), None)
        if call is not None:
            line, column = char_line_col(source, call.offset)
            return f"{name}:{line}:{column}: {call.name}, and the {{where}} holds a negative zero, {_WHY[call.name]}" \
                   + _TAIL
    return None


ANSWER_NEGATIVE_ZERO = ("the value of {rule} holds a negative zero, which conftest prints -0 (OPA's text of it) and "
                        "natpolicy, handed -0.0 by regorus 0.13.0, would print -0.0; natpolicy stops here (a rule's "
                        "value holding 0 instead answers)")


def answer_holds_negative_zero(value: Any) -> bool:
    """Does the query's answer hold a negative zero (the float -0.0, regorus' only negative zero) outside a string?"""
    return has_negative_zero(value)  # the same walk regopy's documents are checked with
