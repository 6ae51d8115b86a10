"""``import msgspec`` without ``typing_extensions`` (and the ``inspect`` it imports), where that changes nothing.

Both processes of a run with --policy import msgspec: natpolicy's for the plan loader's structs
(``natpolicy.loaders.plan_structs``), the Rego child to cut the input (``natpolicy.rego.input_pruning``). A
spawned child imported it plainly, paying about 8 ms of CPU for ``typing_extensions`` and ``inspect`` (a new
interpreter, empty environment: 18-21 ms against 11 ms, measured).
"""
from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__all__ = ["hide_typing_extensions", "import_msgspec", "show_typing_extensions"]


def import_msgspec() -> ModuleType:
    """``msgspec``, imported as :func:`hide_typing_extensions` says (``ImportError`` where it is not installed)."""
    hidden = hide_typing_extensions()
    try:
        import msgspec
    finally:
        show_typing_extensions(hidden)
    return msgspec


def hide_typing_extensions() -> bool:
    """Keep ``typing_extensions`` out of ``import msgspec`` (Python 3.11-3.12, when nothing has imported either).

    ``msgspec._utils`` takes ``get_type_hints`` (and ``Required``/``NotRequired``) from ``typing_extensions``
    when it imports, else from ``typing``; importing it (and the ``inspect`` it imports, with ``ast``, ``dis``
    and ``tokenize``) cost every plan run about 14 M instructions. The two are the same on these versions:
    ``typing_extensions`` re-exports ``typing.Required``/``NotRequired`` from 3.11 on, and its own
    ``get_type_hints`` (until 3.13's ``ReadOnly``) returns ``typing.get_type_hints(obj, globalns, localns,
    include_extras=True)`` unchanged when called with ``include_extras=True``, the only way msgspec calls it;
    so msgspec describes every struct (ours and anyone's) the same and decodes the same
    (``tests/test_plan_structs_import.py``). A ``None`` entry makes the import fail as msgspec expects;
    :func:`show_typing_extensions` removes it, so a later ``import typing_extensions`` works as ever.
    """
    if (not (3, 11) <= sys.version_info < (3, 13) or "msgspec" in sys.modules
            or "typing_extensions" in sys.modules):
        return False
    modules: dict[str, Any] = sys.modules
    modules["typing_extensions"] = None
    return True


def show_typing_extensions(hidden: bool) -> None:
    modules: dict[str, Any] = sys.modules  # a None entry is what this is about (typeshed allows modules only)
    if hidden and "typing_extensions" in modules and modules["typing_extensions"] is None:
        del modules["typing_extensions"]
