"""pytest plugin: record every plan the rule tests build, for the Rego differential.

Loaded only by ``tests/test_rego_differential.py``, which runs the rule
families' own test modules in a subprocess with ``-p rego_plan_recorder`` and
``NATPOLICY_RECORD_PLANS=DIR``; every distinct ``PlanBuilder.build()`` result
lands in DIR, so each fixture of those tests is also a differential case.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def pytest_configure(config: Any) -> None:
    target = os.environ.get("NATPOLICY_RECORD_PLANS")
    if not target:
        return
    from planbuilder import PlanBuilder

    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    original = PlanBuilder.build

    def build(self: PlanBuilder) -> dict[str, Any]:
        doc = original(self)
        text = json.dumps(doc, sort_keys=True)
        name = hashlib.sha256(text.encode()).hexdigest()[:20] + ".json"
        path = out / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        return doc

    PlanBuilder.build = build  # type: ignore[method-assign]
