"""An input's JSON text cut down to what the policies can observe (``input_paths``), every kept value's text as it is.

The tree becomes msgspec types: a node of named keys a ``Struct`` (each key
renamed to its JSON name, absent keys left ``UNSET`` so they stay absent, or
``null``), a node stepped by anything else an array or object of its subtree,
and a value kept whole ``msgspec.Raw``, whose bytes are copied untouched (a
number's text, ``1.50`` or ``1e5``, reaches the engine as the file wrote it).
Decoding the text into those types skips every other key without building it;
encoding them again writes what is left. Where the text does not fit the
types (an element that is a string where the policies look up keys), the
answer is ``None``: the engine gets the whole text, which is always exact.

A duplicated key keeps its last value here, as regorus' parser keeps it
(measured on 0.13.0 for both objects looked into and objects kept whole).

What regorus refuses of the whole text it must still refuse: a text nested
deeper than its parser reads (``depth``) is never pruned, so a value nested too
deeply in a part no policy reads is refused as before. The number checks
(``conftest_numbers``: a number no float64 holds, conftest's float64 texts)
and the negative-zero search run on the whole text before any pruning.
"""
from __future__ import annotations

import re
from typing import Any

from natpolicy.gc_pause import paused_gc
from natpolicy.records import record
from natpolicy.rego.input_paths import PathNode
from natpolicy.rego.plan_bytes import has_surrogate_escape

__all__ = ["PRUNE_FROM_CHARS", "Pruner", "PrunerOnDemand", "engine_pruner", "nested_deeper", "pruner_for",
           "pruner_from_ast"]

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
# Every byte but a bracket or a quote, deleted to measure nesting (nested_deeper).
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
# Below this many characters an input goes to the engine whole: regorus parses 1 MB in about 10 ms, about what
# the child pays to import msgspec, read the AST and cut the text, so a small plan (every pre-commit hook run)
# would only lose by it.
PRUNE_FROM_CHARS = 1 << 20


@record(frozen=True)
class Pruner:
    """Decodes an input's text into the types of a path tree and writes what is kept."""

    decoder: Any  # msgspec.json.Decoder of the root Struct
    encoder: Any  # msgspec.json.Encoder
    depth_limit: int  # the engine parser's own limit: a text nested deeper is handed over whole

    def prune(self, utf8: bytes) -> bytes | None:
        """``utf8`` with only the observed paths, or ``None`` to hand the engine the whole text."""
        # Half a UTF-16 surrogate pair in an escape is left to the engine's own parser, as is a text nested too deep.
        if has_surrogate_escape(utf8) or nested_deeper(utf8, self.depth_limit):
            return None
        # The kept tree is acyclic (tens of thousands of structs and lists for a 10k plan), freed by reference
        # counting before the collector is back on: collections during the decode only cost (about 2 ms of 11).
        with paused_gc():
            try:
                kept = self.decoder.decode(utf8)
            except Exception:  # noqa: BLE001 - any other shape at all (msgspec.ValidationError, DecodeError): whole
                return None
            out: bytes = self.encoder.encode(kept)
            del kept
        return out


def pruner_for(tree: PathNode, depth_limit: int) -> Pruner | None:
    """A :class:`Pruner` for ``tree`` (its root a node of named keys), or ``None`` where msgspec is missing."""
    from natpolicy.msgspec_import import import_msgspec

    try:
        msgspec = import_msgspec()
    except ImportError:  # no msgspec wheel for this platform: the whole input, as before
        return None
    return _pruner(tree, depth_limit, msgspec)


def _pruner(tree: PathNode, depth_limit: int, msgspec: Any) -> Pruner:
    counter = [0]
    root = _struct(tree, msgspec, counter)
    return Pruner(msgspec.json.Decoder(root), msgspec.json.Encoder(), depth_limit)


def _type(node: PathNode, msgspec: Any, counter: list[int]) -> Any:
    if node.is_leaf():
        return msgspec.Raw
    if node.star is not None:
        # Every key or element is kept: one subtree for all of them, the named keys' subtrees merged in.
        merged = node.star
        for child in node.keys.values():
            merged = merged.merged(child)
        item = _type(merged, msgspec, counter)
        return list[item] | dict[str, item] | None  # type: ignore[valid-type]
    return _struct(node, msgspec, counter) | None


def _struct(node: PathNode, msgspec: Any, counter: list[int]) -> Any:
    fields: list[tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for key, child in sorted(node.keys.items()):
        name = f"f{len(fields)}"  # any JSON key is renamed: it need not be an identifier
        fields.append((name, _type(child, msgspec, counter), msgspec.UNSET))
        rename[name] = key
    counter[0] += 1
    return msgspec.defstruct(f"Kept{counter[0]}", fields, rename=rename, omit_defaults=False)


def nested_deeper(utf8: bytes, limit: int) -> bool:
    """Is the JSON text ``utf8`` nested more than ``limit`` levels deep? Exact, in C-speed passes.

    Brackets inside strings do not count: escapes are dropped first, then
    every byte but quotes and brackets, then each pair of adjacent quotes (an
    empty string, or the end of one string and the start of the next with no
    bracket between: either way no bracket outside a string goes), then what
    is left between quotes. Each pass deletes the innermost ``()`` pairs, the
    leaves of the nesting: a text ``limit`` levels deep is gone after ``limit``
    passes (a plan, about 10 to 20 deep, after as many short ones: about 10 ms
    for 8 MB, where a split at every quote took 40).
    """
    if b"\\" in utf8:
        utf8 = _ESCAPE.sub(b"", utf8)
    structure = utf8.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in structure:
        structure = b"".join(structure.split(b'"')[::2])
    nesting = structure.translate(_BRACKETS)
    for _ in range(limit):
        if not nesting:
            return False
        shorter = nesting.replace(b"()", b"")
        if len(shorter) == len(nesting):
            return True  # not balanced: not JSON the engine reads; its parser says so on the whole text
        nesting = shorter
    return bool(nesting)


class PrunerOnDemand:
    """The :class:`Pruner` of the modules an engine holds, built when an input first is large enough to gain."""

    __slots__ = ("_engine", "_depth_limit", "_pruner")

    def __init__(self, engine: Any, depth_limit: int) -> None:
        self._engine: Any = engine  # dropped once read: the compiled engine holds it anyway
        self._depth_limit = depth_limit
        self._pruner: Pruner | None = None

    def pruner(self) -> Pruner | None:
        if self._engine is not None:
            self._pruner = engine_pruner(self._engine, self._depth_limit)
            self._engine = None
        return self._pruner

    def prune(self, utf8: bytes) -> bytes | None:
        """:meth:`Pruner.prune` of the modules' pruner; ``None`` (the whole text) where they have none."""
        pruner = self.pruner()
        return None if pruner is None else pruner.prune(utf8)


def engine_pruner(engine: Any, depth_limit: int) -> Pruner | None:
    """The :class:`Pruner` for the modules a regorus ``Engine`` holds, or ``None`` (every input whole)."""
    try:
        ast_json = engine.get_ast_as_json()
    except RuntimeError:  # no AST to read: every input whole, as before
        return None
    return pruner_from_ast(ast_json, depth_limit)


def pruner_from_ast(ast_json: str, depth_limit: int) -> Pruner | None:
    """The :class:`Pruner` for the modules of regorus' ``get_ast_as_json()``, or ``None`` to hand over every input
    whole (a policy the reading cannot bound: ``input_paths.Unprunable``)."""
    from natpolicy.msgspec_import import import_msgspec
    from natpolicy.rego.input_paths import Unprunable, observed_paths, read_ast

    try:
        msgspec = import_msgspec()  # the reading and the cutting both need it; the child's first import of it
    except ImportError:  # no msgspec wheel for this platform: the whole input, as before
        return None
    try:
        return _pruner(observed_paths(read_ast(ast_json)), depth_limit, msgspec)
    except (Unprunable, ValueError, RecursionError):  # not read, or not JSON, or nested past Python's stack
        return None
