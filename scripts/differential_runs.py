"""The comparison loop the generators of scripts/rego_differential.py share (``--rules``, ``--patterns``,
``--collections``): each module on every engine, the differences printed, the tally on stderr."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def _kind(kind: str, text: str) -> str:
    return kind


def _text(body: str, text: str, value: Any) -> str:
    return text


def compare(modules: Iterable[tuple[str, Any]], engines: Sequence[Any], answer: Callable[..., tuple[str, str, Any]],
            count: int, default_mode: bool, show_all: bool, kind_of: Callable[[str, str], str] = _kind,
            text_of: Callable[[str, str, Any], str] = _text) -> int:
    """Run each (body, input) of ``modules`` on ``engines`` (``answer(outcome, engine, body, default_mode, input)``
    gives one engine's (kind, text, value)); print the differences (every module with ``show_all``); 1 if two
    engines answered differently, or one answered where another stopped at run time. ``kind_of(kind, text)``: the
    kind a generator counts (a stop natpolicy words as its own is loud: "stopped"); ``text_of(body, text,
    value)``: what two answers are compared by (a set's elements sorted, where each engine has its own order)."""
    from test_rego_conformance import outcome

    differences = mixed = 0
    kinds: dict[tuple[str, ...], int] = {}
    for body, document in modules:
        answers = [answer(outcome, engine, body, default_mode, document) for engine in engines]
        key = tuple(kind_of(kind, text) for kind, text, _ in answers)
        kinds[key] = kinds.get(key, 0) + 1
        oks = [text_of(body, text, value) for kind, text, value in answers if kind == "ok"]
        differ = len(oks) == len(answers) and len(set(oks)) > 1
        # refused at load, or stopped by natpolicy, is loud; an answer beside a run-time stop is one engine silent
        # (which one: OPA's source says)
        half = 0 < len(oks) < len(answers) and "refused" not in key and "stopped" not in key
        differences += differ
        mixed += half
        if differ or half or show_all:
            print(f"{'DIFF' if differ else 'MIXED' if half else 'same'}: {body!r}\n   input: {document}")
            for engine, (kind, text, _) in zip(engines, answers, strict=True):
                print(f"   {engine.name}: {kind} {text}")
    summary = ", ".join(f"{'/'.join(k)} {n}" for k, n in sorted(kinds.items()))
    print(f"{differences} of {count} answered differently, {mixed} answered by one engine only ({summary})",
          file=sys.stderr)
    return 1 if differences or mixed else 0
