"""The installed engines, and one expression's value on one of them: the builtin tests' shared helper."""
from __future__ import annotations

from typing import Any

from natpolicy.rego.engines import create_engine, installed_engines

__all__ = ["ENGINES", "answer"]

ENGINES = [name for name in ("regorus", "regopy") if name in installed_engines()]


def answer(engine: str, expression: str, document: Any = None) -> Any:
    """The value of rule ``x := expression`` on ``engine``, with ``document`` as the input."""
    rego = create_engine(engine)
    compiled = rego.compile({"p.rego": f"package p\n\nx := {expression}\n"}, None, ["p/x"])
    return rego.evaluate(compiled, "p/x", rego.prepare_input(document or {}))
