"""Imports the engines resolve otherwise than OPA: one naming the module's own package, one named like a rule.

OPA resolves a module's names through its globals (``getGlobals`` in OPA's
v1/ast/compile.go): first every rule of the package, then every import, so an
import wins over a rule of the same name (``import input.o`` beside a rule
``o``: ``o`` is ``input.o``). regorus 0.13.0 reads the rule there, and regopy
1.5.2 does not compile the module (with no detail). And an import of the
module's own package, or of a package above it (``import data.p`` in package
``p``, ``import data.a`` in ``a.b``), reads in OPA as any other ref
(``p.q`` is ``data.p.q``); regorus answered a rule of the module's own package
read through it as undefined (``p.q`` in package ``p``, ``a.b.t`` in package
``a.b``), although it reads the same rule as a ``data`` ref. So on regorus each
such name is spelled as the ref it stands for (``p.q`` becomes ``data.p.q``, on
its line: :func:`data_import_refs_for_regorus`, which spells any other ``data`` package
imported so too: ``regorus_packages``), where every use of the name is
a ref (``p.q``, ``p["q"]``, ``p.f(1)``); a name also used otherwise (bare, or
as a local's name) is refused with its use's line. Measured on both engines;
natpolicy refuses the rest with the import's line or the use's.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.source import Token, apply_edits, dotted_call, dotted_end, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["data_import_refs_for_regorus", "import_binding", "import_refusals", "rule_heads", "uses_as_refs"]


def import_refusals(source: str, engine: str, package_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each import ``engine`` ("regorus" or "regopy") resolves otherwise than OPA."""
    package = scan_module(source).package.split(".")
    rules: dict[str, bool] = {}  # name -> is a function (every definition in the package's files)
    for text in (source, *package_sources):
        for name, _, function in rule_heads(text):
            rules[name] = rules.get(name, True) and function
    toks = tokens(source)
    for start, end in rule_statements(source, toks):
        if toks[start].text != "import":
            continue
        path, alias = _import(toks, start, end)
        if not path or path[0] not in ("data", "input") or not alias:
            continue
        shown = ".".join(path)
        if alias in rules and (engine == "regopy" or (not rules[alias] and path != ["data", *package, alias])):
            yield toks[start].offset, (
                f"import {shown} is named `{alias}`, like a rule of this package: OPA reads `{alias}` as the "
                f"import (imports win over rules), regorus 0.13.0 as the rule, and regopy 1.5.2 does not compile "
                f"it; natpolicy refuses it: import it under another name (`import {shown} as {alias}_import`)")
        elif engine == "regorus" and path[0] == "data" and len(path) > 1 and path[1:] == package[:len(path) - 1]:
            use = _first_read(toks, alias, end)
            if use is not None and _uses_as_refs(toks, alias, end) is None:
                yield toks[use].offset, (
                    f"`{alias}` reads the module's own package through `import {shown}`: regorus 0.13.0 answers a "
                    f"rule read that way as undefined, where OPA reads {shown}.<rule>; natpolicy refuses it on "
                    "regorus: write the rule's name alone")


def data_import_refs_for_regorus(source: str) -> str:
    """``source`` with each name an import of a ``data`` package binds (the module's own package, a package above
    it, or any other: ``regorus_packages``) spelled as that import's ``data`` ref, where every use of the name is a
    ref; no line moves."""
    if "import" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for start, end in rule_statements(source, toks):
        if toks[start].text != "import":
            continue
        path, alias = _import(toks, start, end)
        if len(path) < 2 or path[0] != "data" or not alias:
            continue
        uses = _uses_as_refs(toks, alias, end)
        edits += [(toks[k].offset, toks[k].offset + len(alias), ".".join(path)) for k in uses or ()]
    return apply_edits(source, edits)


def _uses_as_refs(toks: list[Token], alias: str, after: int) -> list[int] | None:
    """Every use of ``alias`` after its import, where each is the root of a ref (``p.q``, ``p[...]``); None where
    one is not (a bare ``p``, a local declared with that name)."""
    uses = []
    for k in range(after, len(toks)):
        if toks[k].text != alias or toks[k].kind != "ident" or (k > 0 and toks[k - 1].text == "."):
            continue
        if k + 1 >= len(toks) or toks[k + 1].text not in (".", "["):
            return None  # a bare use, or a local of that name (`some p in xs`, `p := ...`, `f(p)`)
        uses.append(k)
    return uses


def rule_heads(source: str) -> Iterator[tuple[str, int, bool]]:
    """(name, offset, is a function) of each rule head of ``source``."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        head = start + 1 if toks[start].text == "default" else start
        if head >= end or toks[head].kind != "ident":
            continue
        yield toks[head].text, toks[head].offset, dotted_call(toks, head, end)


def _import(toks: list[Token], start: int, end: int) -> tuple[list[str], str]:
    """The path (``["data", "lib", "x"]``) and the name an ``import`` statement binds."""
    path: list[str] = []
    j = start + 1
    if j < end and toks[j].kind == "ident":
        last = dotted_end(toks, j, end)
        path = [t.text for t in toks[j:last + 1:2]]
        j = last + 1
    if j < end and toks[j].text != "as":
        return [], ""  # a bracketed path (`import data["x-y"]`): left to the engines
    if j + 1 < end and toks[j].text == "as":
        return path, toks[j + 1].text
    return path, path[-1] if len(path) > 1 else ""


def _first_read(toks: list[Token], alias: str, after: int) -> int | None:
    """The first use of ``alias`` after the imports that reads a rule, not a call (``p.q``, ``p["q"]``, ``p``)."""
    for k in range(after, len(toks)):
        if toks[k].text != alias or toks[k].kind != "ident" or (k > 0 and toks[k - 1].text == "."):
            continue
        if not dotted_call(toks, k, len(toks)):
            return k
    return None


# For regorus_packages, which spells every import of a data package as its ref on regorus.
import_binding = _import
uses_as_refs = _uses_as_refs
