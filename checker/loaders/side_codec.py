"""One evaluated side of a git comparison (a ``LoadResult`` and the texts it read) as bytes, and back.

Used by ``natpolicy.loaders.side_cache``. The format is ``marshal`` of plain
containers only: marshal cannot build an object that runs code when it is
loaded, and it refuses subclasses, so every value of the evaluator's own
types (unknown, Terraform lists, sets and maps, approximate numbers) is
written as a plain value plus a patch naming its type. Anything the encoder
does not know raises :class:`Unencodable`, and the side is then simply not
cached: a value that came back changed could change a finding.

Decoding checks every shape and raises ``ValueError`` on anything else, so a
damaged cache file means evaluating again, never a wrong result.
"""
from __future__ import annotations

import dataclasses
import marshal
import zlib
from pathlib import Path
from typing import Any

from natpolicy.loaders.hcl.lifecycle import Lifecycle, Move
from natpolicy.loaders.hcl.values import Approx, TfList, TfMap, TfSet
from natpolicy.loaders.result import LoadResult
from natpolicy.model import UNKNOWN, Resource, SourceLocation

__all__ = ["Unencodable", "encode_side", "decode_side"]

_FORMAT = "natpolicy-side-1"
# Resource fields written as they are: each is read back through the value codec.
_RESOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Resource))


class Unencodable(Exception):
    """A value of a type the codec does not write: the side is not cached."""


# -- values -------------------------------------------------------------------------------
# A value is written as plain containers (marshal keeps str/int/float/bool/None, lists, tuples
# and dicts as they are), plus a list of patches that put back what marshal cannot hold:
# (path from the top, tag, extra). Most of a resource is plain, so reading it back walks only
# the patched places, not every value (a walk of everything cost more than evaluating).
# Patches are listed children first, so a container is rebuilt after its contents.
Patch = tuple[tuple[Any, ...], str, Any]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(obj: Any, path: list[Any], patches: list[Patch]) -> Any:
    """``obj`` as plain containers; ``path`` (from the top, mutated and restored) places the patches.

    Keys are left as they are: marshal writes str, int and tuple keys exactly, and refuses
    anything else (caught by ``encode_side``).
    """
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if kind is dict or kind is TfMap:
        out: Any = {}
        for k, v in obj.items():
            if type(v) in _SCALARS:
                out[k] = v
            else:
                path.append(k)
                out[k] = _plain(v, path, patches)
                path.pop()
        if kind is TfMap:
            patches.append((tuple(path), "m", None))
        return out
    if kind is list or kind is TfList or kind is TfSet or kind is tuple:
        before = len(patches)
        out = []
        for i, v in enumerate(obj):
            if type(v) in _SCALARS:
                out.append(v)
            else:
                path.append(i)
                out.append(_plain(v, path, patches))
                path.pop()
        if kind is tuple:
            if len(patches) != before:
                raise Unencodable("a tuple holding a value that needs a patch")  # cannot be patched in place
            return tuple(out)
        if kind is not list:
            patches.append((tuple(path), "l", None) if kind is TfList else (tuple(path), "s", bool(obj.ordered)))
        return out
    if obj is UNKNOWN:
        patches.append((tuple(path), "?", None))
        return None
    if kind is Approx:
        patches.append((tuple(path), "a", None))
        return float(obj)
    if kind is SourceLocation:
        patches.append((tuple(path), "L", None))
        return (obj.path, obj.start_line, obj.end_line)
    raise Unencodable(f"a value of type {kind.__name__}")


def _patched(tag: str, plain: Any, extra: Any) -> Any:
    if tag == "?" and plain is None:
        return UNKNOWN
    if tag == "l" and type(plain) is list:
        return TfList(plain)
    if tag == "s" and type(plain) is list and type(extra) is bool:
        return TfSet(plain, ordered=extra)
    if tag == "m" and type(plain) is dict:
        return TfMap(plain)
    if tag == "a" and type(plain) is float:
        return Approx(plain)
    if tag == "L" and type(plain) is tuple and len(plain) == 3:
        return _location(plain)
    raise ValueError(f"a damaged patch {tag!r}")


def _restore(top: list[Any], patches: Any) -> None:
    """Apply ``patches`` inside ``top`` (a list whose items are the values)."""
    for patch in _list(patches):
        path, tag, extra = patch
        if type(path) is not tuple or not path:
            raise ValueError("a damaged patch path")
        parent: Any = top
        for step in path[:-1]:
            parent = parent[step]
        if type(parent) not in (list, dict):
            raise ValueError("a patch inside something that is not a container")
        parent[path[-1]] = _patched(tag, parent[path[-1]], extra)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise ValueError("not a string")
    return value


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise ValueError("not a list")
    return value


def _strings(value: Any) -> list[str]:
    return [_str(v) for v in _list(value)]


def _location(data: Any) -> SourceLocation:
    path, start, end = data
    if type(start) is not int or (end is not None and type(end) is not int):
        raise ValueError("not a location")
    return SourceLocation(path=_str(path), start_line=start, end_line=end)


# -- a side -------------------------------------------------------------------------------

def encode_side(result: LoadResult, texts: dict[Path, str | None]) -> bytes:
    """``result`` (one side's load) and the texts it read, compressed; :class:`Unencodable` if it cannot be."""
    if result.texts or result.plans or result.base is not None:
        raise Unencodable("a result of a comparison, not of one side")
    data = {
        "format": _FORMAT,
        "resources": [_resource(r) for r in result.resources],
        "fields": list(_RESOURCE_FIELDS),
        "errors": [str(e) for e in result.errors],
        "notes": [str(n) for n in result.notes],
        "verbose_notes": [str(n) for n in result.verbose_notes],
        "roots": [str(r) for r in result.roots],
        "unparsed": [str(u) for u in result.unparsed],
        "blocks": [[origin, address, loc.path, loc.start_line, loc.end_line]
                   for (origin, address), loc in result.blocks.items()],
        "moves": [[m.module, m.source, m.target, m.origin] for m in result.lifecycle.moves],
        "forgotten": [tuple(str(p) for p in f) for f in result.lifecycle.forgotten],
        "module_sources": [[origin, key, source, version]
                           for (origin, key), (source, version) in result.module_sources.items()],
        "unloaded_modules": [[origin, address] for origin, address in result.unloaded_modules],
        "texts": [[str(path), text] for path, text in texts.items()],
    }
    try:
        return zlib.compress(marshal.dumps(data), 1)
    except ValueError as exc:  # marshal refuses a type the tags above missed
        raise Unencodable(str(exc)) from None


def _resource(resource: Resource) -> tuple[tuple[Any, ...], list[Patch]]:
    patches: list[Patch] = []
    path: list[Any] = [0]
    values = []
    for i, name in enumerate(_RESOURCE_FIELDS):
        path[0] = i
        values.append(_plain(getattr(resource, name), path, patches))
    return tuple(values), patches


def decode_side(blob: bytes) -> tuple[LoadResult, dict[Path, str | None]]:
    """What :func:`encode_side` wrote; ``ValueError`` on anything else."""
    try:
        data = marshal.loads(zlib.decompress(blob))
    except (EOFError, TypeError, zlib.error) as exc:
        raise ValueError(f"not a cached side: {exc}") from None
    if type(data) is not dict or data.get("format") != _FORMAT or data.get("fields") != list(_RESOURCE_FIELDS):
        raise ValueError("another format")
    try:
        return _decode(data)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"a damaged cached side: {exc}") from None


def _decode(data: dict[str, Any]) -> tuple[LoadResult, dict[Path, str | None]]:
    result = LoadResult()
    for row in _list(data["resources"]):
        plain, patches = row
        values = list(plain)
        if len(values) != len(_RESOURCE_FIELDS):
            raise ValueError("a resource of another shape")
        _restore(values, patches)
        result.resources.append(Resource(*values))
    result.errors = _strings(data["errors"])
    result.notes = _strings(data["notes"])
    result.verbose_notes = _strings(data["verbose_notes"])
    result.roots = _strings(data["roots"])
    result.unparsed = _strings(data["unparsed"])
    for row in _list(data["blocks"]):
        origin, address, *where = _list(row)
        result.blocks[(_str(origin), _str(address))] = _location(where)
    moves = [Move(*_strings(row)) for row in _list(data["moves"])]
    forgotten = list(_list(data["forgotten"]))
    if not all(type(f) is tuple and all(type(p) is str for p in f) for f in forgotten):
        raise ValueError("a damaged removed block")
    result.lifecycle = Lifecycle(moves=moves, forgotten=forgotten)
    for row in _list(data["module_sources"]):
        origin, key, source, version = _list(row)
        result.module_sources[(_str(origin), _str(key))] = (_str(source), None if version is None else _str(version))
    result.unloaded_modules = [(_str(o), _str(a)) for o, a in (_list(row) for row in _list(data["unloaded_modules"]))]
    texts: dict[Path, str | None] = {}
    for row in _list(data["texts"]):
        path, text = _list(row)
        texts[Path(_str(path))] = None if text is None else _str(text)
    return result, texts
