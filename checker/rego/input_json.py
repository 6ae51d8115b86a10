"""JSON text read as conftest hands it to OPA: an integer ``-0`` is a negative zero.

conftest reads a JSON input with Go's ``encoding/json`` into Go values, so ``-0`` is the float64 -0
(``strconv.ParseFloat`` keeps the sign of a zero), and OPA's ``rego.Input`` writes that back as ``-0``
(``util.RoundTrip``; ``floatEncoder``): ``json.marshal`` and a ``sprintf`` of an array holding it print
``-0``; OPA's loader keeps the text ``-0`` of a JSON data file as it stands. Python's ``json`` reads ``-0``
as the integer 0, which natpolicy then hands the engine as ``0``: silently ``0`` where OPA prints ``-0``.
Read here, it is the float -0.0, which natpolicy already follows on both engines (a ``-0.0`` of the input
or data: ``go_json_numbers``, ``engine_regorus``, ``engine_regopy``). YAML is left alone: go-yaml reads
``-0`` as the integer 0 (``resolve``: ``strconv.ParseInt`` first), as PyYAML does.
"""
from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["holds_integer_negative_zero", "loads", "parse_input_json"]

# `-0` where a JSON value stands, no fraction or exponent (those are floats to Python already: -0.0). Only a
# hint (it may stand inside a string): the text is then read with a parse_int that is exact for every integer.
_INTEGER_NEGATIVE_ZERO = re.compile(r"(?:^|[:\[,])\s*-0\s*(?:[,\]}]|$)")


def holds_integer_negative_zero(text: str) -> bool:
    """May ``text`` hold the integer ``-0``? (``in`` first: a plan of 20 MB is searched in milliseconds.)"""
    return "-0" in text and _INTEGER_NEGATIVE_ZERO.search(text) is not None


def _integer(text: str) -> int | float:
    # json hands parse_int the integer's own text: only `-0` (JSON allows no `-00`) is a negative zero.
    return -0.0 if text == "-0" else int(text)


def loads(text: str) -> Any:
    """``json.loads(text)``, an integer ``-0`` read as -0.0."""
    if holds_integer_negative_zero(text):
        return json.loads(text, parse_int=_integer)
    return json.loads(text)


def parse_input_json(text: str, source: str, what: str = "a Terraform plan") -> Any:
    """The loaders' ``parse_json`` (its one-line errors), an integer ``-0`` read as -0.0."""
    from natpolicy.loaders.plan_text import parse_json

    document = parse_json(text, source, what)
    if holds_integer_negative_zero(text):
        # Read a second time only where the hint is found: parse_json has judged the text already.
        document = json.loads(text, parse_int=_integer)
    return document
