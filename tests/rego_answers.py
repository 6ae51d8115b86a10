"""The installed engines, and one expression's value on one of them: the builtin tests' shared helper."""
from __future__ import annotations

from typing import Any

import pytest

from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.engines import create_engine, installed_engines

__all__ = ["ENGINES", "answer", "regopy_answer", "regopy_stops"]

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]


def answer(engine: str, expression: str, document: Any = None) -> Any:
    """The value of rule ``x := expression`` on ``engine``, with ``document`` as the input."""
    rego = create_engine(engine)
    compiled = rego.compile({"p.rego": f"package p\n\nx := {expression}\n"}, None, ["p/x"])
    return rego.evaluate(compiled, "p/x", rego.prepare_input(document or {}))


def regopy_answer(expression: str, document: Any = None) -> Any:
    """``answer`` on regopy."""
    return answer("regopy", expression, document)


def regopy_stops(expression: str, call: str, document: Any = None) -> str:
    """regopy's message where ``expression`` stops the query, which must name ``call`` (a builtin or operator)
    at its line."""
    with pytest.raises(EvaluationError) as caught:
        regopy_answer(expression, document)
    message = caught.value.message
    assert f"{call} at p.rego:3 given " in message, message
    return message
