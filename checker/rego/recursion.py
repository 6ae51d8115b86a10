"""A rule that depends on itself: OPA's compile-time "rule data.p.x is recursive", which the engines answered.

OPA builds a graph of the rules each rule refers to (``NewGraph`` in OPA's
v1/ast/compile.go: every ref of the rule, head and body, and every function it
calls) and refuses the module when a rule reaches itself (``checkRecursion``,
``rego_recursion_error``). A ref names the rules its path can reach
(``GetRulesDynamicWithOpts``): ``data.p.q`` the rules at ``q`` (and under it),
``data.p.q.r`` also ``q`` (the ref reads into q's value), ``data.p`` or
``data.p[k]`` every rule of package ``p``, so a rule reading its own package
as a whole is recursive. The engines run some of these: ``y := data.p`` in
package ``p`` was undefined on regorus 0.13.0 and ``{k: data.p[k] | ...}``
answered on both, and two functions calling each other crashed regorus
(a stack overflow, measured). natpolicy refuses each rule on such a cycle on
every engine, with the cycle, reading every loaded file (a cycle may pass
through another package).

Read generously the other way: a bare name counts as a ref to the rule of that
name only where nothing in the rule could bind it locally (a parameter,
``some``, ``every``, the left of ``:=``), so a refusal is a cycle OPA sees.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from natpolicy.rego.rule_scope import parameter_names
from natpolicy.rego.source import Token, matching_close, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["recursive_rules"]

# A ref's part: a constant string key, a key that is no string (matches no rule: OPA's rule tree is keyed by
# strings), or anything computed, which may name any rule at that place.
_ANY = None
_NO_RULE = 0
Part = str | int | None
_PATTERN_PUNCTUATION = frozenset({",", "[", "]", "{", "}", ":"})


@dataclass
class _Rule:
    path: tuple[str, ...]  # after `data`
    name: str  # as OPA names it in its message (the head's first name)
    offset: int
    refs: list[tuple[Part, ...]] = field(default_factory=list)


def recursive_rules(source: str, package_sources: Sequence[str] = (),
                    loaded_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each rule of ``source`` that reaches itself through the rules it refers to."""
    sources = [source, *package_sources, *loaded_sources]
    # A bare name refers to a rule of its package, defined in any of its files.
    package_names: dict[str, set[str]] = {}
    for text in sources:
        info = scan_module(text)
        package_names.setdefault(info.package, set()).update(info.rules)
    own = _rules(source, package_names)
    everything = [*own]
    for other in sources[1:]:
        everything.extend(_rules(other, package_names))
    paths = sorted({rule.path for rule in everything})
    edges: dict[tuple[str, ...], set[tuple[str, ...]]] = {path: set() for path in paths}
    for rule in everything:
        for ref in rule.refs:
            edges[rule.path].update(path for path in paths if _reaches(ref, path))
    names = {rule.path: rule.name for rule in everything}
    for rule in own:
        cycle = _cycle(rule.path, edges)
        if cycle:
            shown = " -> ".join(names[p] for p in cycle)
            yield rule.offset, (f"rule `{rule.name}` is recursive ({shown}): OPA refuses the module at compile "
                                f"time (rule data.{'.'.join(rule.path)} is recursive), where the engines answer or "
                                "crash; natpolicy refuses it on every engine (a rule reading its own package as a "
                                "whole, `data.p` or `data.p[k]` in package p, is one too)")


def _reaches(ref: tuple[Part, ...], path: tuple[str, ...]) -> bool:
    """Does a ref reach the rules at ``path``: those under it where the ref ends, or that it reads into?"""
    for part, key in zip(ref, path, strict=False):
        if isinstance(part, int):  # _NO_RULE
            return False
        if part is not _ANY and part != key:
            return False
    return True


def _cycle(start: tuple[str, ...], edges: dict[tuple[str, ...], set[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """The rules of a path from ``start`` back to itself (depth first, in sorted order), or []."""
    seen: set[tuple[str, ...]] = set()
    stack: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = [(start, [start])]
    while stack:
        node, trail = stack.pop()
        for nxt in sorted(edges.get(node, ()), reverse=True):
            if nxt == start:
                return [*trail, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*trail, nxt]))
    return []


def _rules(source: str, package_names: dict[str, set[str]]) -> list[_Rule]:
    info = scan_module(source)
    package = tuple(p.strip() for p in info.package.split(".")) if info.package else ()
    toks = tokens(source)
    statements = list(rule_statements(source, toks))
    aliases = _imports(toks, statements)
    rule_names = package_names.get(info.package, set())
    out = []
    for start, end in rule_statements(source, toks, rules_only=True):
        head = start + 1 if toks[start].text == "default" else start
        if toks[head].kind != "ident":
            continue
        path, after_head = _ref_parts(toks, head, end)
        ground = []
        for part in path:
            if not isinstance(part, str):
                break
            ground.append(part)
        rule = _Rule((*package, *ground), toks[head].text, toks[head].offset)
        local = _local_names(toks, start, end)
        for k in range(after_head, end):
            tok = toks[k]
            if tok.kind != "ident" or (k > 0 and toks[k - 1].text == "."):
                continue
            if tok.text == "data":
                # `data` alone stays a variable to OPA's resolver (no rule's ref): only `data.x...` is read.
                parts = _ref_parts(toks, k, end)[0][1:]
                if parts:
                    rule.refs.append(tuple(parts))
            elif tok.text in aliases and tok.text not in local:
                rule.refs.append((*aliases[tok.text], *_ref_parts(toks, k, end)[0][1:]))
            elif tok.text in rule_names and tok.text not in local:
                rule.refs.append((*package, *_ref_parts(toks, k, end)[0]))
        out.append(rule)
    return out


def _ref_parts(toks: list[Token], k: int, end: int) -> tuple[list[Part], int]:
    """The parts of the ref starting at ``toks[k]`` (``a.b["c"][x]``) and the index after it."""
    parts: list[Part] = [toks[k].text]
    j = k + 1
    while j < end:
        if toks[j].text == "." and j + 1 < end and toks[j + 1].kind == "ident":
            parts.append(toks[j + 1].text)
            j += 2
        elif toks[j].text == "[":
            close = matching_close(toks, j)
            if close is None:
                break
            inside = toks[j + 1:close]
            if len(inside) == 1 and inside[0].kind in ("string", "raw"):
                parts.append(_key_text(inside[0]))
            elif len(inside) == 1 and (inside[0].kind == "number" or inside[0].text in ("true", "false", "null")):
                parts.append(_NO_RULE)
            else:
                parts.append(_ANY)
            j = close + 1
        else:
            break
    return parts, j


def _imports(toks: list[Token], statements: list[tuple[int, int]]) -> dict[str, tuple[Part, ...]]:
    """Alias -> the path after ``data`` of each ``import data.a.b [as c]``."""
    out: dict[str, tuple[Part, ...]] = {}
    for start, end in statements:
        if toks[start].text != "import" or start + 1 >= end or toks[start + 1].text != "data":
            continue
        parts, j = _ref_parts(toks, start + 1, end)
        alias = toks[j + 1].text if j + 1 < end and toks[j].text == "as" else parts[-1]
        if isinstance(alias, str) and alias != "data":
            out[alias] = tuple(parts[1:])
    return out


def _local_names(toks: list[Token], start: int, end: int) -> set[str]:
    """Names the rule may bind itself anywhere (generous): parameters, ``some``/``every`` names, the left of
    ``:=`` (a pattern's names too). Such a name is a variable, not the rule of that name, somewhere in it."""
    names = parameter_names(toks, start, end)
    for k in range(start, end):
        if toks[k].text in ("some", "every"):
            j = k + 1
            while j < end and toks[j].text != "in" and not (toks[j].depth <= toks[k].depth and toks[j].text in (
                    ";", "}")) and (toks[j].kind in ("ident", "string") or toks[j].text in _PATTERN_PUNCTUATION):
                if toks[j].kind == "ident":
                    names.add(toks[j].text)
                j += 1
        elif toks[k].text == ":=" and toks[k].depth > 0:  # at depth 0, the head's own `:=`
            before = toks[k - 1]
            if before.kind == "ident":
                names.add(before.text)
            elif before.text in ("]", "}"):
                opener = next((o for o in range(k - 2, start - 1, -1) if toks[o].depth == before.depth
                               and toks[o].text in ("[", "{")), None)
                if opener is not None:
                    names.update(t.text for t in toks[opener:k] if t.kind == "ident")
    return names



def _key_text(tok: Token) -> str:
    """The text of a string key (``["a-b"]``, a raw one too); an escape is kept as written (it names no rule
    any rule head could, and a rule's path is compared as written too)."""
    return tok.text[1:-1]
