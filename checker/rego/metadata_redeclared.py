"""``# METADATA`` blocks OPA refuses when it compiles the policies: one target declared twice.

OPA's compiler builds an annotation set over every module (``BuildAnnotationSet``
and ``AnnotationSet.add`` in ``v1/ast/annotations.go``), modules in the order
of their names, blocks in the order of their lines. It refuses:

* a second ``package``-scope block for one package, in any file;
* a ``document``-scope block when its rule's path (``data.<package>.<the
  ground prefix of the rule's ref>``) is already in its path tree: declared by
  a ``document`` or ``subpackages`` block, or a step on the way to a longer
  path declared before it (``x != nil``, not ``x.Value != nil``);
* a ``subpackages``-scope block when its package's path already holds a
  ``document`` or ``subpackages`` block.

Within one file the order is known, so the later block is refused exactly.
Across files it is the order of the files' names as conftest loads them, which
natpolicy does not see: a clash in either order is refused; one that depends on
the order is refused with a message saying natpolicy cannot tell.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from natpolicy.rego.metadata_blocks import metadata_blocks, one_line
from natpolicy.rego.source import Token, tokens

__all__ = ["metadata_redeclarations"]

Path = tuple[str, ...]
_TREE = ("document", "subpackages")


_REFUSED = "OPA refuses the policies when it compiles them, so natpolicy does too"


def metadata_redeclarations(source: str, others: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each block of ``source`` that declares a target again (``others``: the other files)."""
    for offset, problem in _redeclarations(source, others):
        yield offset, f"METADATA block: {one_line(problem)}; {_REFUSED}"


def _redeclarations(source: str, others: Sequence[str]) -> Iterator[tuple[int, str]]:
    mine = _targets(source)
    if not mine:
        return
    theirs = [target for other in others for target in _targets(other)]
    for n, (offset, scope, path) in enumerate(mine):
        earlier = next((s for _, s, q in mine[:n] if _clashes(scope, path, s, q)), "")
        if earlier:
            yield offset, _message(scope, path, earlier, "above it in this file")
            continue
        for _, other_scope, other_path in theirs:
            if _clashes(scope, path, other_scope, other_path) and _clashes(other_scope, other_path, scope, path):
                yield offset, _message(scope, path, other_scope, "in another policy file")
                break
            if _clashes(scope, path, other_scope, other_path) or _clashes(other_scope, other_path, scope, path):
                yield offset, (f"it and a `{other_scope}` block in another policy file meet in OPA's annotation tree "
                               f"(`{_shown(path)}`, `{_shown(other_path)}`): OPA refuses the one it reads second, in "
                               "one order only (annotation redeclared), and natpolicy cannot tell in which order "
                               "conftest reads the files")
                break


def _message(scope: str, path: Path, earlier_scope: str, where: str) -> str:
    return (f"a `{scope}` block for `{_shown(path)}`, where a `{earlier_scope}` block {where} is already filed "
            f"(OPA: {scope} annotation redeclared)")


def _clashes(scope: str, path: Path, earlier_scope: str, earlier: Path) -> bool:
    """Does OPA refuse a block of ``scope`` at ``path`` filed after one of ``earlier_scope`` at ``earlier``?"""
    if scope == "package":
        return earlier_scope == "package" and earlier == path
    if earlier_scope not in _TREE:
        return False
    if scope == "document":
        return earlier[:len(path)] == path  # any node at the path, even a step on the way to a longer one
    return earlier == path  # subpackages: a node that holds a block


def _targets(source: str) -> list[tuple[int, str, Path]]:
    """(offset, scope, path) of each block of ``source`` OPA accepts and files in its annotation set."""
    out: list[tuple[int, str, Path]] = []
    toks: list[Token] | None = None
    for block in metadata_blocks(source):
        if block.problem or block.scope not in ("package", "document", "subpackages") or block.statement < 0:
            continue
        toks = toks if toks is not None else tokens(source)
        if block.scope == "document":
            package = next((k for k, t in enumerate(toks) if t.depth == 0 and t.text == "package"), -1)
            path = _ref(toks, package + 1) + _ref(toks, _after_default(toks, block.statement))
        else:
            path = _ref(toks, block.statement + 1)
        out.append((block.offset, block.scope, path))
    return out


def _after_default(toks: list[Token], k: int) -> int:
    return k + 1 if toks[k].text == "default" else k


def _ref(toks: list[Token], k: int) -> Path:
    """The ground prefix of the ref that starts at ``toks[k]``: names, ``.name`` and ``["key"]`` or ``[1]``."""
    if k <= 0 or k >= len(toks) or toks[k].kind != "ident":
        return ()
    parts = [toks[k].text]
    k += 1
    while k + 1 < len(toks):
        if toks[k].text == "." and toks[k + 1].kind == "ident":
            parts.append(toks[k + 1].text)
            k += 2
        elif toks[k].text == "[" and k + 2 < len(toks) and toks[k + 2].text == "]" \
                and toks[k + 1].kind in ("string", "raw", "number"):
            key = toks[k + 1]
            parts.append(json.loads(key.text) if key.kind == "string" else
                         key.text[1:-1] if key.kind == "raw" else f"#number {key.text}")
            k += 3
        else:
            break
    return tuple(parts)


def _shown(path: Path) -> str:
    text = ".".join(path)
    return text if len(text) <= 60 else text[:57] + "..."
