"""OPA's ``json.is_valid``, in Python, for regorus (``add_extension`` replaces its own).

OPA answers Go's ``json.Valid`` (topdown/encoding.go): the JSON grammar and nothing more, so a ``\\u``
escape of a lone UTF-16 surrogate (``"\\ud800"``) is valid, as is any depth of nesting; a non-string
operand is false. regorus 0.13.0 (serde_json) said false for the escape (measured). Python's decoder reads
the same grammar once ``NaN`` and ``Infinity`` are refused; past its nesting limit natpolicy cannot say,
and stops.
"""
from __future__ import annotations

import json
from typing import Any, NoReturn

__all__ = ["opa_json_is_valid"]


def opa_json_is_valid(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        json.loads(text, parse_constant=_not_json)
    except ValueError:
        return False
    except RecursionError:
        raise ValueError("json.is_valid of text nested deeper than natpolicy reads (Go's json.Valid has no "
                         "limit); natpolicy refuses it: run with --rego-engine opa") from None
    return True


def _not_json(name: str) -> NoReturn:
    raise ValueError(f"{name} is no JSON")  # Python reads NaN and Infinity; Go's grammar does not
