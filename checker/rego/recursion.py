"""A rule that depends on itself: OPA's compile-time "rule data.p.x is recursive", which the engines answered.

OPA builds a graph of the rules each rule refers to (``NewGraph`` in OPA's
v1/ast/compile.go: every ref of the rule, head and body, and every function it
calls) and refuses the module when a rule reaches itself (``checkRecursion``,
``rego_recursion_error``). A ref names the rules its path can reach
(``GetRulesDynamicWithOpts``): ``data.p.q`` the rules at ``q`` (and under it),
``data.p.q.r`` also ``q`` (the ref reads into q's value), ``data.p`` or
``data.p[k]`` every rule of package ``p``, so a rule reading its own package
as a whole is recursive, and ``data`` alone (``object.get(data, ...)``) every
rule loaded, so any rule reading it is. The engines run some of these: ``y := data.p`` in
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

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from natpolicy.records import field, record
from natpolicy.rego.rule_scope import parameter_names
from natpolicy.rego.source import Token, matching_close, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["recursive_rules", "rule_paths", "import_paths"]

# A ref's part: a constant string key, a key that is no string (matches no rule: OPA's rule tree is keyed by
# strings), or anything computed, which may name any rule at that place.
_ANY = None
_NO_RULE = 0
Part = str | int | None
_PATTERN_PUNCTUATION = frozenset({",", "[", "]", "{", "}", ":"})


@record
class _Rule:
    path: tuple[str, ...]  # after `data`
    name: str  # as OPA names it in its message (the head's first name)
    offset: int
    refs: list[tuple[Part, ...]] = field(default_factory=list)


def recursive_rules(source: str, package_sources: Sequence[str] = (),
                    loaded_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each rule of ``source`` that reaches itself through the rules it refers to."""
    # One graph for all the loaded files: each file's guards ask about the same set.
    graph = _graph(frozenset((source, *package_sources, *loaded_sources)))
    for rule in _rules(source, graph.names_of[scan_module(source).package]):
        if rule.path in graph.cyclic:
            shown = " -> ".join(graph.rule_names[p] for p in _cycle(rule.path, graph.edges))
            yield rule.offset, (f"rule `{rule.name}` is recursive ({shown}): OPA refuses the module at compile "
                                f"time (rule data.{'.'.join(rule.path)} is recursive), where the engines answer or "
                                "crash; natpolicy refuses it on every engine (a rule reading its own package as a "
                                "whole, `data.p` or `data.p[k]` in package p, or all data, `data` alone, is one too)")


@record(frozen=True)
class _Graph:
    names_of: dict[str, frozenset[str]]  # package -> its rules' names, in all its files
    edges: dict[tuple[str, ...], set[tuple[str, ...]]]  # rule path -> the rule paths it refers to
    rule_names: dict[tuple[str, ...], str]
    cyclic: frozenset[tuple[str, ...]]  # the rule paths on a cycle


@functools.lru_cache(maxsize=4)
def _graph(sources: frozenset[str]) -> _Graph:
    names: dict[str, set[str]] = {}
    for text in sources:
        info = scan_module(text)
        names.setdefault(info.package, set()).update(info.rules)
    names_of = {package: frozenset(rules) for package, rules in names.items()}
    everything = [rule for text in sorted(sources) for rule in _rules(text, names_of[scan_module(text).package])]
    tree: dict[str, Any] = {}  # the rule paths as a tree, a rule's path ending at the key _AT
    for rule in everything:
        node = tree
        for key in rule.path:
            node = node.setdefault(key, {})
        node[_AT] = rule.path
    edges: dict[tuple[str, ...], set[tuple[str, ...]]] = {rule.path: set() for rule in everything}
    for rule in everything:
        for ref in rule.refs:
            _reached(tree, ref, edges[rule.path])
    return _Graph(names_of, edges, {rule.path: rule.name for rule in everything}, _on_cycles(edges))


_AT = ""  # no rule's key is empty: the tree's entry for a path ending at a node


def _reached(node: dict[str, Any], ref: tuple[Part, ...], out: set[tuple[str, ...]]) -> None:
    """Add the rule paths a ref reaches (OPA's GetRulesDynamicWithOpts): those at each node the ref passes (it
    reads into their value), and every one under the node where it ends."""
    for n, part in enumerate(ref):
        if _AT in node:
            out.add(node[_AT])
        if isinstance(part, int):  # _NO_RULE
            return
        if part is _ANY:
            for key, child in node.items():
                if key != _AT:
                    _reached(child, ref[n + 1:], out)
            return
        if part not in node:
            return
        node = node[part]
    _under(node, out)


def _under(node: dict[str, Any], out: set[tuple[str, ...]]) -> None:
    for key, child in node.items():
        if key == _AT:
            out.add(child)
        else:
            _under(child, out)


def _on_cycles(edges: dict[tuple[str, ...], set[tuple[str, ...]]]) -> frozenset[tuple[str, ...]]:
    """The nodes of every strongly connected component that holds a cycle (Tarjan's, without recursion)."""
    index: dict[tuple[str, ...], int] = {}
    low: dict[tuple[str, ...], int] = {}
    stack: list[tuple[str, ...]] = []
    on_stack: set[tuple[str, ...]] = set()
    out: set[tuple[str, ...]] = set()
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    out.update(component)
    return frozenset(out)


def _cycle(start: tuple[str, ...], edges: dict[tuple[str, ...], set[tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """The rules of a shortest path from ``start`` back to itself (breadth first, in sorted order)."""
    trail: dict[tuple[str, ...], tuple[str, ...]] = {}
    queue = [start]
    for node in queue:
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(trail[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in trail:
                trail[nxt] = node
                queue.append(nxt)
    return [start, start]


@functools.lru_cache(maxsize=256)
def _rules(source: str, rule_names: frozenset[str]) -> tuple[_Rule, ...]:
    """The rules of ``source`` with the refs each makes; ``rule_names``: its package's rules, in all its files."""
    info = scan_module(source)
    package = tuple(p.strip() for p in info.package.split(".")) if info.package else ()
    toks = tokens(source)
    statements = list(rule_statements(source, toks))
    aliases = _imports(toks, statements)
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
                # `data` alone is a ref too (OPA's parser makes a lone root document name one, parseTermFinish in
                # v1/ast/parser.go): the empty path, which reaches every rule.
                rule.refs.append(tuple(_ref_parts(toks, k, end)[0][1:]))
            elif tok.text in aliases and tok.text not in local:
                rule.refs.append((*aliases[tok.text], *_ref_parts(toks, k, end)[0][1:]))
            elif tok.text in rule_names and tok.text not in local:
                rule.refs.append((*package, *_ref_parts(toks, k, end)[0]))
        out.append(rule)
    return tuple(out)


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


def rule_paths(sources: Sequence[str]) -> frozenset[tuple[str, ...]]:
    """The path after ``data`` of every rule and function of ``sources`` (OPA's rule tree nodes holding values)."""
    return frozenset(_graph(frozenset(sources)).rule_names)


def import_paths(source: str) -> dict[str, tuple[Part, ...]]:
    """Alias -> the path after ``data`` of each ``import data.a.b [as c]`` of ``source``."""
    toks = tokens(source)
    return _imports(toks, list(rule_statements(source, toks)))
