"""A rule defined both as one whole value and by parts: OPA's "conflicting rules", which regorus answered.

OPA checks, when it compiles, that the definitions of one name agree on its
kind (``checkRuleConflicts`` in OPA's ast/compile.go): a rule with one value
(``a := {1}``, ``default a := []``, ``a if ...``) beside a set built by parts
(``a contains 1``), or beside a rule whose head extends it (``a[k] := 1``,
``a.b := 1``), is "conflicting rules data.p.a found" or "rule data.p.a
conflicts with [data.p.a.b]"; and so is a set built by parts beside an object
built by parts (``a contains 1`` and ``a[k] := 1``). regorus 0.13.0 answered
several of these (``default a := []`` then ``a contains 1`` gave ``[1]``;
``a.b := 1`` beside ``a := {"b": 1}`` gave ``{"b": 1}`` on both engines,
measured), so natpolicy refuses them on every engine, at the later
definition, reading every file of the package.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.source import Token, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["rule_conflicts"]

_WHOLE, _SET, _OBJECT = "a whole value", "a set built by parts", "an object built by parts"
_EXTENDED = "a rule under it (a ref head)"
_BRACKETED = "a rule under it in brackets"  # `a[x] if`: an object in v1, a set in v0


def rule_conflicts(source: str, package_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each definition in ``source`` whose kind conflicts with an earlier one of its name
    (in ``source``, or in another file of its package)."""
    package = scan_module(source).package
    earlier: dict[str, set[str]] = {}
    for other in package_sources:
        for name, kind, _ in _heads(other):
            earlier.setdefault(name, set()).add(kind)
    for name, kind, offset in _heads(source):
        met = earlier.setdefault(name, set())
        clash = next((k for k in sorted(met) if _conflict(k, kind)), None)
        if clash is not None:
            said = f"rule data.{package}.{name} conflicts with the rules under it" if _EXTENDED in (kind, clash) \
                else f"conflicting rules data.{package}.{name} found"
            yield offset, (f"rule `{name}` is defined as {kind} here and as {clash} elsewhere: OPA refuses the "
                           f"module ({said}); natpolicy refuses it on every engine: give one of them another name")
        met.add(kind)


def _conflict(a: str, b: str) -> bool:
    kinds = {a, b}
    if _WHOLE in kinds:
        return len(kinds) == 2  # one value beside any kind built by parts or extended
    return kinds in ({_SET, _OBJECT}, {_SET, _EXTENDED})  # `a[x] if` is either: left alone beside a set


def _heads(source: str) -> Iterator[tuple[str, str, int]]:
    """(name, kind, offset) of each rule's head; functions are left to ``undefined_functions``."""
    toks = tokens(source)
    for start, _end in rule_statements(source, toks, rules_only=True):
        h = start + 1 if toks[start].text == "default" else start
        if h + 1 >= len(toks) or toks[h].kind != "ident":
            continue
        after = toks[h + 1].text
        if after == "(":
            continue
        if after == "contains":
            yield toks[h].text, _SET, toks[h].offset
        elif after == "[":
            yield toks[h].text, _object_or_set(toks, h + 1), toks[h].offset
        elif after == ".":
            yield toks[h].text, _EXTENDED, toks[h].offset
        elif after in (":=", "=", "if", "{", "else"):
            yield toks[h].text, _WHOLE, toks[h].offset


def _object_or_set(toks: list[Token], bracket: int) -> str:
    """``a[k] := v`` / ``a[k] = v`` (or ``a[k].b``, ``a[k][j]``) builds an object; ``a[x] if`` / ``a[x] {`` an object
    in v1 and a set in v0."""
    depth = toks[bracket].depth
    close = next((j for j in range(bracket + 1, len(toks)) if toks[j].depth == depth and toks[j].text == "]"), None)
    if close is None or close + 1 >= len(toks):
        return _BRACKETED
    return _OBJECT if toks[close + 1].text in (":=", "=", "[", ".") else _BRACKETED
