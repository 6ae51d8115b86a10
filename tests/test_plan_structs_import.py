"""``plan_structs`` imports msgspec without ``typing_extensions`` (Python 3.11-3.12), and msgspec reads alike.

msgspec takes ``get_type_hints``, ``Required`` and ``NotRequired`` from ``typing_extensions`` when it can
import it, else from ``typing``; ``plan_structs`` keeps it out of that one import (it and the ``inspect`` it
imports cost a plan run about 14 M instructions). These hold that msgspec then sees every plan struct
as it does with ``typing_extensions`` (each struct's type hints and msgspec's own description of it),
that a decode gives the same structs, and that ``typing_extensions`` stays importable afterwards.
"""
from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLANS = [ROOT / "fixtures" / "plans" / "nat-deleted.json", *sorted((ROOT / "fixtures" / "plans").glob("*.json"))[:6]]
HIDES = (3, 11) <= sys.version_info < (3, 13)

_PROBE = """
import re, sys
{first}
from natpolicy.loaders import plan_structs
import msgspec, msgspec._utils as utils, typing
print('@@', 'typing_extensions' in sys.modules, utils._get_type_hints is typing.get_type_hints)
structs = [plan_structs.Change, plan_structs.ResourceChange, plan_structs.Item, plan_structs.Module,
           plan_structs.Values, plan_structs.State, plan_structs.Plan]
def plain(value):
    if isinstance(value, msgspec.Struct):
        return {key: plain(item) for key, item in msgspec.structs.asdict(value).items()}
    if isinstance(value, msgspec.Raw):
        return ('raw', bytes(value))
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
print('@@', re.sub(r' at 0x[0-9a-f]+', '', repr(msgspec.inspect.multi_type_info(structs))))
for path in sys.argv[1:]:
    with open(path, 'rb') as file:
        data = file.read()
    try:
        print('@@', repr(plain(plan_structs.decode_plan(data))))
    except msgspec.ValidationError as error:
        print('@@', 'refused', error)
import typing_extensions
print('@@', typing_extensions.__name__)
"""


def _probe(first: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE.replace("{first}", first), *map(str, PLANS)],
                          capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if line.startswith("@@ ")]


@pytest.mark.skipif(not HIDES, reason="typing_extensions is kept out on Python 3.11-3.12 only")
def test_msgspec_reads_the_structs_alike_without_typing_extensions() -> None:
    hidden, shown = _probe(""), _probe("import typing_extensions")
    assert hidden[0] == "@@ False True"  # msgspec imported without it, on typing's get_type_hints
    assert shown[0] == "@@ True False"  # imported first: msgspec uses it, as ever
    assert hidden[1:] == shown[1:]  # msgspec's description of every struct, each decode, and a later import
    assert hidden[-1] == "@@ typing_extensions"


def test_the_type_hints_msgspec_asks_for_are_typings() -> None:
    """``typing_extensions.get_type_hints(..., include_extras=True)`` (how msgspec calls it) is typing's here."""
    typing_extensions = pytest.importorskip("typing_extensions")
    from natpolicy.loaders import plan_structs

    for struct in (plan_structs.Change, plan_structs.ResourceChange, plan_structs.Item, plan_structs.Module,
                   plan_structs.Values, plan_structs.State, plan_structs.Plan):
        assert (typing_extensions.get_type_hints(struct, include_extras=True)
                == typing.get_type_hints(struct, include_extras=True))
    if sys.version_info >= (3, 11):
        assert (typing_extensions.Required, typing_extensions.NotRequired) == (typing.Required, typing.NotRequired)


def test_an_import_already_made_is_left_alone() -> None:
    """With msgspec or typing_extensions imported first, nothing is hidden (and nothing is restored)."""
    from natpolicy.msgspec_import import hide_typing_extensions

    assert hide_typing_extensions() is False  # msgspec is imported by now
    assert sys.modules.get("typing_extensions", "absent") is not None
