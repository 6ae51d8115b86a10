"""Calls into ``data`` that no loaded rule defines, and functions defined with two arities: OPA refuses both.

OPA checks every call of every rule at compile time, reached or not
(``checkUndefinedFuncs`` in OPA's ``v1/ast/compile.go``): a call whose name is
neither a builtin nor exactly the path of a loaded rule
(``GetRulesExact``) is "undefined function", which refuses the whole
module. regorus finds it only when a query reaches the call, and regopy makes
it undefined, so ``natpolicy.rego.guards`` refuses it up front on every engine.
A call to a name that is no package's (``nosuch(1)``) is a builtin call,
which ``natpolicy.rego.builtins`` asks the engine about; here are the calls
that lead into ``data``: ``data.lib.nosuch(1)``, ``lib.nosuch(1)`` through
``import data.lib``, a call into a package that is not loaded, or past a rule
(``r.f(1)`` with ``r`` a rule of the package).

A rule whose head is a ref of names and string keys (``a.b(x) := 1``,
``a["b"] := 1``) is where that ref leads, and nowhere else: ``a.c(1)``, or
``a(1)``, beside it is "undefined function", as OPA's ``GetRulesExact``
finds no rule there. Where a head holds another key (``a[k] := 1``), the
rules below ``a`` are not read: a call under ``data.<package>.a`` is not
checked, so only a call OPA certainly refuses is refused.

OPA's ``checkRuleConflicts`` (same file) refuses a name whose definitions,
in every file of its package, have different arities (``f(x) := 1`` and
``f(x, y) := 2``; a rule that is no function has arity 0): "conflicting
rules data.p.f found", at a definition's line.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from natpolicy.records import record
from natpolicy.rego.builtin_types import BUILTINS
from natpolicy.rego.function_arity import imports_of, package_of
from natpolicy.rego.source import scan_module, tokens
from natpolicy.rego.static_checks import rule_statements
from natpolicy.rego.type_syntax import read_rules, ref_head_path

__all__ = ["undefined_calls", "arity_conflicts"]

_REFUSED = ("OPA refuses the whole module at compile time (even when no query reaches the rule), "
            "so natpolicy does too")
# OPA's builtin namespaces (`strings.`, `json.`): a dotted call starting with one is not checked here, even
# where a rule of the package has that name (how OPA resolves that is not this check's to guess).
_BUILTIN_ROOTS = frozenset(name.split(".", 1)[0] for name in BUILTINS if "." in name) | frozenset({
    "array", "base64", "base64url", "bits", "crypto", "glob", "graphql", "hex", "http", "io", "json", "net",
    "numbers", "object", "opa", "providers", "rand", "regex", "rego", "semver", "strings", "time", "units",
    "urlquery", "uuid", "yaml"})


@record(frozen=True)
class _Tree:
    """The rule paths the loaded modules define: exact ones, and the heads of ref-head rules, not read."""

    exact: frozenset[str]  # data.p.r for each rule `r` of package p (function or not), data.p.a.b for `a.b := 1`
    unread: frozenset[str]  # data.p.a for each rule whose head is a ref with a key not read (`a[k]`), or one not read
    heads: dict[str, frozenset[str]]  # package -> the first names of its rules' heads


@functools.lru_cache(maxsize=16)
def _tree(sources: tuple[str, ...]) -> _Tree:
    exact: set[str] = set()
    unread: set[str] = set()
    heads: dict[str, set[str]] = {}
    for source in sources:
        package = package_of(source)
        if not package:
            continue
        own = heads.setdefault(package, set())
        toks = tokens(source)
        for start, end in rule_statements(source, toks, rules_only=True):
            head = start + 1 if toks[start].text == "default" and start + 1 < end else start
            name = toks[head]
            if name.kind != "ident":
                unread.add(f"data.{package}")  # a statement this reader does not know: check nothing in its package
                continue
            own.add(name.text)
            read = ref_head_path(toks, head, end)  # `a.b["c"] := 1`: a rule at data.p.a.b.c
            if read is None:
                unread.add(f"data.{package}.{name.text}")  # `a[k] := 1`: where its rules lead is not read
            else:
                exact.add(".".join([f"data.{package}", *read[0]]))
    return _Tree(frozenset(exact), frozenset(unread), {p: frozenset(n) for p, n in heads.items()})


def _call_path(name: str, source: str, package: str, tree: _Tree) -> str | None:
    """The ``data.`` path OPA resolves a call ``name`` of ``source`` to, or None where it is not certainly one."""
    first, _, rest = name.partition(".")
    if first == "data":
        return name
    imported = imports_of(source).get(first)
    if imported is not None:
        return f"{imported}.{rest}" if rest else imported
    if first in tree.heads.get(package, frozenset()) and name not in BUILTINS and first not in _BUILTIN_ROOTS:
        return f"data.{package}.{name}"
    return None  # a builtin, a local variable or an import of `input`: not this check's


def _defined(path: str, tree: _Tree) -> bool:
    """Could ``path`` be a loaded rule (``GetRulesExact``)? Yes unless certainly not."""
    if path in tree.exact:
        return True
    for unread in tree.unread:  # under a ref head, or a head that names it: not read, so assumed defined
        if path == unread or path.startswith(unread + ".") or unread.startswith(path + "."):
            return True
    return False


def undefined_calls(source: str, loaded_sources: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each call of ``source`` into ``data`` no loaded module defines.

    ``loaded_sources``: every other loaded module, of any package.
    """
    tree = _tree(tuple(sorted({source, *loaded_sources})))
    package = package_of(source)
    toks = tokens(source)
    heads = {toks[start + 1 if toks[start].text == "default" else start].offset
             for start, _ in rule_statements(source, toks)}
    for call in scan_module(source).calls:
        if call.offset in heads:
            continue  # a function's own head: `f(x) := ...`
        path = _call_path(call.name, source, package, tree)
        if path is None or path.count(".") < 1 or _defined(path, tree):
            continue
        yield call.offset, (f"undefined function: `{call.name}(...)` calls {path}, which no loaded policy defines "
                            f"(OPA: undefined function {path}); {_REFUSED}")


def arity_conflicts(source: str, package_sources: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each name ``source`` defines that its package defines with different arities."""
    arities: dict[str, set[int]] = {}
    for text in {source, *package_sources}:
        for rule in read_rules(text):
            if rule.shape != "other":
                arities.setdefault(rule.name, set()).add(len(rule.parameters) if rule.shape == "function" else 0)
    package = package_of(source)
    reported: set[str] = set()
    for rule in read_rules(source):
        found = arities.get(rule.name, set())
        if len(found) > 1 and rule.name not in reported:
            reported.add(rule.name)
            listed = ", ".join(str(n) for n in sorted(found))
            yield rule.start, (f"`{rule.name}` is defined with different numbers of arguments ({listed}; a rule "
                               f"that is no function has 0) (OPA: conflicting rules data.{package}.{rule.name} "
                               f"found); {_REFUSED}")
