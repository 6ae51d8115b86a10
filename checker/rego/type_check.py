"""Type errors OPA's type checker finds at compile time, through variables, results and rule values.

OPA types every rule of a module before anything runs and refuses the whole
module for one error, even in a rule no query reaches; regorus finds the
error only when a query reaches it and regopy makes it undefined. So this
module infers what OPA infers, from the source alone (``type_syntax`` reads
it), and ``natpolicy.rego.guards`` refuses each error with its line. Here a package's files are typed
together (and other packages' functions); ``type_checker`` types each module.

Inferred: literals, collections and comprehensions; ``:=`` and ``=`` bindings
of a local variable (also in a pattern beside a literal of its shape or a
value of one known type, ``type_patterns.pattern_types``); ``some x in xs`` (the element type, a pattern's names
at their places; an ``every`` body is never typed by OPA but for its refs, comprehensions and arity, nor here);
arithmetic (``+ * / %`` give numbers, ``-`` a number or set as OPA declares,
``| &`` sets); builtin results (``builtin_types.BUILTINS``); the values of the
package's rules, from their definitions in all the package's files together
(``limit := 5``, ``names := {"a"}``; a ``deny contains msg`` rule is a set
of elements of any type) and what its functions return. Everything else
(``input``, ``data`` beyond the loaded rules, a function's arguments in its
own body until their first use) is ``any``, which no check refuses; other
loaded packages' rules and functions (``data.lib.limit``, ``lib.f(1)``
through ``import data.lib``) are typed as this package's are.

Checked, as OPA checks them: a builtin's declared arguments (a collection
literal piece by piece, ``type_literals``); the operands of
``+ - * / % | &``; a ref into a scalar (``x := 1; x.foo``, ``s := "ab";
s[0]``) or with a key its collection never has (``xs := [1]; xs.foo``,
``{1}["a"]``), or with a constant key an object literal whose keys are all
literal strings never has (``o := {"a": 1}; o.b``; OPA's static properties)
or an index past an array literal (``[1, 2][2]``); ``=`` (``:=``) between
two sides that never match (``n := count(xs); n = "2"``, ``[x] = [1, 2]``:
OPA's match error, or its unsafe variable where the pattern binds nothing,
``type_patterns``), and a statement's ``==``, which OPA rewrites into ``=``
first; a rule of one type called as a function
(``r(1)``: OPA's "undefined function"); a
call to a package function with an argument of a type its body never
takes (``f(x) := upper(x)`` then ``f(1)``: OPA infers a function's argument
types from its body, also through the package's other functions;
``type_parameters`` says how far this reader follows it) and a use of an
argument, after its first, as a type the first excludes (``upper(x); x +
1``: OPA refuses the function); a call's number of arguments
(``function_arity``). Not checked: schemas in METADATA, which conftest's
compiler ignores too. When unsure, the type is ``any``: a false refusal
would break a valid policy.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence

from natpolicy.records import record
from natpolicy.rego.builtin_types import RegoType
from natpolicy.rego.function_arity import function_arities, package_of, ref_head_roots
from natpolicy.rego.source import scan_module
from natpolicy.rego.type_checker import Checker
from natpolicy.rego.type_env import Package
from natpolicy.rego.type_rule_tree import type_ref_head_roots
from natpolicy.rego.type_syntax import read_rules

__all__ = ["type_errors"]


def type_errors(source: str, package_names: set[str], package_sources: Sequence[str] = (),
                loaded_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each type error OPA's type checker finds in the module ``source``.

    ``package_names``: the rules, functions and imports of the module's package
    (in every file). ``package_sources``: the package's other files, whose
    definitions of a rule or function are typed with this module's (OPA types
    a rule from all its definitions); a name defined nowhere here is ``any``.
    ``loaded_sources``: the other packages' modules, whose functions' arities
    a call to ``data.<package>.f`` is checked against.
    """
    package = tuple(sorted({source, *package_sources}))
    everything = tuple(sorted({*package, *loaded_sources}))
    errors = _package_types(package, frozenset(package_names), everything)[0][source]
    seen: set[tuple[int, str]] = set()
    for error in errors:
        if error not in seen:
            seen.add(error)
            yield error


@functools.lru_cache(maxsize=16)
def _package_types(sources: tuple[str, ...], package_names: frozenset[str],
                   loaded: tuple[str, ...]) -> tuple[dict[str, list[tuple[int, str]]], Package]:
    """The type errors of each file of a package, its rules and functions typed from all its files together.

    Each pass types every rule with the last pass's rule values and function
    types (rules that use rules, a function passing its argument on to another
    one), until nothing changes: OPA types rules in the order of their
    dependencies, and none is recursive, so that takes at most one pass per
    rule. The errors are the last pass's, with the package's types. Computed
    once per package: its other files are checked against the same types.
    """
    package = Package()
    names = set(package_names)
    calls = _Calls(package_of(sources[0]), function_arities(loaded), loaded,
                   frozenset().union(*(ref_head_roots(text) for text in sources)))
    # The first names of the loaded packages below this one (`package p.a` below `p`: `a`).
    below = frozenset(name.removeprefix(f"{calls.package}.").split(".")[0] for name in map(package_of, loaded)
                      if name.startswith(f"{calls.package}."))
    _TYPING.add(calls.package)
    try:
        for _ in range(len(package_names) + 2):
            checkers = {text: Checker(text, package, names, calls) for text in sources}
            typed = Package()
            for text, checker in checkers.items():
                typed.merge(checker.rules(read_rules(text)))
            type_ref_head_roots(typed, below)  # `a` of `a.b := 1`: OPA's object of its rules, from every file
            if typed == package:
                break
            package = typed
    finally:
        _TYPING.discard(calls.package)
    return {text: checker.errors for text, checker in checkers.items()}, package


# The packages being typed: a call back into one of them (packages may use each other's rules) is `any`.
_TYPING: set[str] = set()


@functools.lru_cache(maxsize=16)
def _typed_package(sources: tuple[str, ...], loaded: tuple[str, ...]) -> Package:
    """Another loaded package's types, as ``type_errors`` types it for its own files."""
    names: set[str] = set()
    for text in sources:
        info = scan_module(text)
        names.update(info.rules, info.import_aliases)
    return _package_types(sources, frozenset(names), loaded)[1]


@record(frozen=True)
class _Calls:
    """Where a call of the module leads: its package's name, and every loaded function's arity (what the checker
    reads of it is ``type_env.Calls``)."""

    package: str
    arities: dict[str, int]
    loaded: tuple[str, ...]  # every loaded module, to type another package's functions
    ref_heads: frozenset[str] = frozenset()  # the package's ref heads' first names (`a` of `a.b(x) := ...`)

    def foreign(self, path: str) -> tuple[tuple[RegoType, ...] | None, RegoType] | None:
        """(argument types, result) of ``data.<package>.<f>``, a function of another loaded package, or None.

        OPA types every package's rules in one order of dependencies, so a
        function of another package is typed before its callers here too.
        """
        typed, name = self._other_package(path)
        if typed is None or name not in typed.results:
            return None
        return typed.parameters.get(name), typed.results[name]

    def foreign_value(self, path: str) -> RegoType | None:
        """The value of ``data.<package>.<rule>``, a rule of another loaded package, or None."""
        typed, name = self._other_package(path)
        return typed.values.get(name) if typed is not None else None

    def _other_package(self, path: str) -> tuple[Package | None, str]:
        package, _, name = path.removeprefix("data.").rpartition(".")
        if not path.startswith("data.") or not package or package == self.package or package in _TYPING:
            return None, name
        sources = tuple(text for text in self.loaded if package_of(text) == package)
        return (_typed_package(sources, self.loaded) if sources else None), name
