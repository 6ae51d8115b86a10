"""How many arguments OPA lets a call to a function of a loaded package pass, and where a call leads.

OPA checks every call's argument count at compile time, in every rule, reached
or not (``checkUndefinedFuncs`` in OPA's ``ast/compile.go``): a call that is a
statement of its own (``f(1)``, ``not f(1)``, ``f(1, out)``) passes the
function's arity or one more (the output); a call nested in an expression
(``x := f(1)``, ``f(1) == 2``, a rule's value) was given an output variable by
the compiler, so it must pass exactly the arity (``function data.p.f has
arity 1, got 2 arguments``). regorus and regopy find this only when a query
reaches the call, so ``type_check`` refuses it up front with the arities read
here.

A function's arity is that of its definitions, in every file of its package
(OPA refuses definitions of different arities, and so does
``undefined_functions``); a rule that is no function has arity 0.
A definition this reader cannot read is skipped; a call it cannot place is
not checked.
"""
from __future__ import annotations

import functools
import re

from natpolicy.rego.builtin_types import BUILTINS
from natpolicy.rego.source import matching_close, tokens
from natpolicy.rego.static_checks import rule_statements
from natpolicy.rego.type_syntax import read_rules, ref_head_path

__all__ = ["function_arities", "call_path", "call_target", "arity_problem", "package_of", "imports_of",
           "ref_head_functions", "ref_head_roots"]

# Only comments may come before the `package` statement, so the first line that starts with it is it.
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([^\n#]+)", re.MULTILINE)

_IMPORT = re.compile(r"^[ \t]*import[ \t]+(data(?:[ \t]*\.[ \t]*[A-Za-z_][A-Za-z0-9_]*)+)"
                     r"(?:[ \t]+as[ \t]+([A-Za-z_][A-Za-z0-9_]*))?[ \t]*(?:#.*)?$", re.MULTILINE)


@functools.lru_cache(maxsize=16)
def function_arities(sources: tuple[str, ...]) -> dict[str, int]:
    """``data.<package>.<name>`` of each function the modules define, with its arity.

    A rule that is no function has arity 0, as in OPA (``GetArity`` reads the
    rule's arguments): ``r := 1`` then ``x := r(1)`` is OPA's "function data.p.r
    has arity 0, got 1 argument". A name defined with different arities is left
    out (OPA refuses such a package for that: ``undefined_functions``).
    """
    seen: dict[str, set[int | None]] = {}
    for source in sources:
        package = package_of(source)
        if not package:
            continue
        for rule in read_rules(source):
            arity: int | None = len(rule.parameters) if rule.shape == "function" else 0
            if rule.shape == "other" or (arity == 0 and rule.name in BUILTINS):
                arity = None  # a ref head, or a rule named like a builtin: the call may be the builtin's
            seen.setdefault(f"data.{package}.{rule.name}", set()).add(arity)
        for dotted, arity in ref_head_functions(source).items():
            seen.setdefault(f"data.{package}.{dotted}", set()).add(arity)
    out: dict[str, int] = {}
    for path, found in seen.items():
        arity = found.pop() if len(found) == 1 else None
        if arity is not None:
            out[path] = arity
    return out


@functools.lru_cache(maxsize=256)
def package_of(source: str) -> str:
    """The module's package as written after ``package`` (``terraform.analysis``), "" when it has none."""
    match = _PACKAGE.search(source)
    return "".join(match.group(1).split()) if match else ""


@functools.lru_cache(maxsize=256)
def imports_of(source: str) -> dict[str, str]:
    """What each ``import data...`` of the module binds: its alias (or last name) and the path."""
    out: dict[str, str] = {}
    for match in _IMPORT.finditer(source):
        path = "".join(match.group(1).split())
        out[match.group(2) or path.rsplit(".", 1)[1]] = path
    return out


def call_path(name: str, source: str, package: str, package_rules: set[str]) -> str | None:
    """The ``data.`` path a call ``name`` (as written in ``source``) leads to, or None when it is no package's.

    A bare or dotted name whose first part is a rule of the package is the
    package's; one whose first part an import binds continues the import's
    path; ``data.a.f`` is itself. Anything else (a builtin) is None.
    """
    first, _, rest = name.partition(".")
    if first == "data":
        return name
    imported = imports_of(source).get(first)  # an import and a rule never share a name: OPA refuses that
    if imported is not None:
        return f"{imported}.{rest}" if rest else imported
    if first in package_rules and package:
        return f"data.{package}.{name}"
    return None


def call_target(name: str, source: str, package: str, package_rules: set[str], arities: dict[str, int],
                ref_heads: frozenset[str]) -> tuple[str | None, int | None]:
    """(the ``data.`` path of a loaded package's rule, or None for a builtin; its arity, None when unknown).

    ``ref_heads``: the first names of the package's ref heads (``a`` of
    ``a.b(x) := ...``), whose calls lead into the package too.
    """
    path = call_path(name, source, package, package_rules)
    if path is None and "." in name and name.split(".")[0] in ref_heads:
        path = f"data.{package}.{name}"
    if path is not None:
        return path, arities.get(path)  # None: a definition this reader skipped, or not a function
    signature = BUILTINS.get(name)
    return None, len(signature.args) if signature is not None else None


def arity_problem(given: int, arity: int, alone: bool) -> str | None:
    """Why OPA refuses a call passing ``given`` arguments to a function of ``arity``, or None when it does not.

    ``alone``: the call is a statement of its own, which may add the output.
    """
    if given == arity or (alone and given == arity + 1):
        return None
    takes = f"{arity} argument{'' if arity == 1 else 's'}"
    if alone:
        return f"it takes {takes} ({arity + 1} with the output, as a statement of its own)"
    return f"it takes {takes} (exactly, inside an expression: OPA adds the output itself)"



@functools.lru_cache(maxsize=256)
def ref_head_functions(source: str) -> dict[str, int]:
    """``a.b`` of each rule the module defines with a ground ref head (``a.b(x) := ...``), with its arity.

    OPA finds such a rule where its ref leads (``GetRulesExact(data.p.a.b)``)
    and counts its arguments as any function's; a head that is no function
    (``a.b := 1``, ``a["b"] contains x``) has arity 0. Only a head of names
    and string keys is read (``ref_head_path``: ``a[k](x)`` is not, nor is a
    name a builtin has); two arities leave the name out, as above.
    """
    toks = tokens(source)
    seen: dict[str, set[int]] = {}
    for start, end in rule_statements(source, toks, rules_only=True):
        head = start + 1 if toks[start].text == "default" else start
        if head >= end or toks[head].kind != "ident":
            continue
        read = ref_head_path(toks, head, end)
        if read is None or len(read[0]) < 2 or ".".join(read[0]) in BUILTINS:
            continue
        parts, j = read
        close = matching_close(toks, j) if j < end and toks[j].text == "(" else None
        if close is None:
            seen.setdefault(".".join(parts), set()).add(0)
            continue
        depth = toks[j].depth + 1
        commas = sum(1 for t in toks[j + 1:close] if t.text == "," and t.depth == depth)
        seen.setdefault(".".join(parts), set()).add(0 if close == j + 1 else commas + 1)
    return {name: found.pop() for name, found in seen.items() if len(found) == 1}


@functools.lru_cache(maxsize=256)
def ref_head_roots(source: str) -> frozenset[str]:
    """The first name of each ref head of the module (``a`` of ``a.b(x) := ...``, ``a.b.c := 1``, ``a[k] := 1``)."""
    toks = tokens(source)
    roots: set[str] = set()
    for start, end in rule_statements(source, toks):
        head = start + 1 if toks[start].text == "default" else start
        if head + 1 < end and toks[head].kind == "ident" and toks[head + 1].text in (".", "["):
            roots.add(toks[head].text)
    return frozenset(roots)
