"""How ``type_checker`` types a statement reading a rule whose type OPA's order of typing decides.

OPA types a package's rules in ``Graph.Sort``'s order (``v1/ast/compile.go``), which walks Go maps and so
changes from run to run. Where several definitions of ``q[k]`` whose values are objects of no static property
meet a rule right below ``q`` whose own type is such an object, ``mergeTypes`` (``v1/ast/env.go``) widens that
rule's type in place in some orders only (``type_rule_tree.order_hazards``). A statement reading such a rule is
typed once per type it may take: where every way types it alike, that is the answer; else it is refused as
unsure, OPA's own answer varying. Split from ``type_checker``, whose ``Checker`` takes these methods from
``OrderVariants``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from natpolicy.rego import type_parameters as parameters
from natpolicy.rego.builtin_types import ANY, RegoType
from natpolicy.rego.type_env import Scope
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["OrderVariants"]

_MOST_ORDERS = 16  # ways to type a statement reading rules whose type OPA's order decides (``_order_variants``)


class OrderVariants:
    """The checker's methods for rules whose type OPA's order decides; ``Checker`` gives the rest they use."""

    errors: list[tuple[int, str]]
    values: dict[str, RegoType]
    order_variants: dict[str, tuple[RegoType, ...]]  # ``Package.order_variants``
    aliased: dict[str, tuple[RegoType, ...]]  # ``Package.aliased``
    body: list[Statement]
    outside: frozenset[str]

    def _statement_once(self, statement: Statement, scope: Scope) -> None:
        raise NotImplementedError

    def _resolvable(self, name: str, scope: Scope) -> bool:
        raise NotImplementedError

    def _silent_type(self, node: Node, scope: Scope) -> RegoType:
        raise NotImplementedError

    def _unfollowed(self, statement: Statement, reason: str) -> None:
        raise NotImplementedError

    def _refused_by_order(self, statement: Statement, scope: Scope) -> bool:
        """Is ``statement``, reading a rule whose type OPA's order decides, refused as unsure (its names then any)?"""
        variants = self._order_variants(statement)
        if not variants or self._alike_in_every_order(statement, scope, variants):
            return False
        self._bind_unresolved_any(parameters.statement_names(statement), scope)
        return True

    def _order_variants(self, statement: Statement) -> list[dict[str, RegoType]]:
        """The types OPA may give the rules ``statement`` reads whose type its order of typing decides
        (``Package.order_variants``), one choice per way, the rule's own types first; none where it reads none.
        Past ``_MOST_ORDERS`` ways, the first ``_MOST_ORDERS + 1`` (the caller refuses them untried)."""
        names = parameters.statement_names(statement)
        held = {path: ways for path, ways in self.order_variants.items() if path.split(".")[0] in names}
        if not held:
            return []
        choices: list[dict[str, RegoType]] = [{}]
        for path, ways in held.items():
            choices = [{**choice, path: way} for choice in choices for way in ways][:_MOST_ORDERS + 1]
        return choices

    def _alike_in_every_order(self, statement: Statement, scope: Scope, variants: list[dict[str, RegoType]]) -> bool:
        """Does ``statement`` type alike (its errors, the names it binds) with each type OPA's order may give the
        rules it reads? Where not, it is refused as unsure: OPA's own answer varies from run to run."""
        outcomes: set[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = set()
        for variant in variants if len(variants) <= _MOST_ORDERS else ():
            # (past _MOST_ORDERS ways, none is tried: refused as unsure below, a bound no measured module nears)
            found, inner = self._typed_with(statement, scope, variant)
            # The names it binds count where another statement or the head reads them (a name nothing reads types
            # nothing, whatever its type).
            read = {name for other in self.body if other is not statement
                    for name in parameters.statement_names(other)} | self.outside
            outcomes.add((found, tuple(sorted((name, repr(value)) for name, value in inner.names.items()
                                              if name in read))))
        if len(outcomes) == 1:
            return True
        said = ", ".join(f"`{name}`" for name in sorted({name for variant in variants for name in variant}))
        self._unfollowed(statement, f"it reads {said}, a rule below a ref head with a variable key whose type OPA "
                                    f"changes in place in some orders of typing only (several definitions of the "
                                    f"head's `[k]` whose values are objects of no static property, merged into an Or "
                                    f"holding that rule's own object: mergeTypes), and the order OPA types the rules "
                                    f"in (Graph.Sort) varies from run to run, so OPA's own answer here varies")
        return False

    def _typed_with(self, statement: Statement, scope: Scope,
                    variant: dict[str, RegoType]) -> tuple[tuple[str, ...], Scope]:
        """Type ``statement`` once with the rules of ``variant`` given those types: the errors it gives (taken back
        out of the checker's) and the scope of the names it binds. The rules' own types are put back after."""
        errors, inner = len(self.errors), Scope(scope)
        try:
            with self._rules_typed_as(variant):
                self._statement_once(statement, inner)
        finally:
            found = tuple(message for _, message in self.errors[errors:])
            del self.errors[errors:]
        return found, inner

    @contextmanager
    def _rules_typed_as(self, variant: dict[str, RegoType]) -> Iterator[None]:
        """The rules of ``variant`` given those types for the block, their own types (or none) put back after."""
        saved = {name: self.values.get(name) for name in variant}
        self.values.update(variant)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    self.values.pop(name, None)
                else:
                    self.values[name] = value

    def _refused_by_alias(self, statement: Statement, scope: Scope) -> bool:
        """Is ``statement``, reading a rule a `q[k]` definition's value is (``type_aliases``), refused as unsure?
        So where its errors differ with the types OPA's order may widen that rule to in place; else it is typed
        with the rule's own type, the strictest of them (a widened one only Or-s parts in)."""
        names = parameters.statement_names(statement)
        held = {name: ways for name, ways in self.aliased.items() if name in names}
        if not held:
            return False
        choices: list[dict[str, RegoType]] = [{}]
        for name, ways in held.items():
            choices = [{**choice, name: way} for choice in choices for way in ways][:_MOST_ORDERS + 1]
        outcomes: set[tuple[str, ...]] = set()
        for variant in choices if len(choices) <= _MOST_ORDERS else ():
            outcomes.add(self._typed_with(statement, scope, variant)[0])
        if len(outcomes) == 1:
            return False
        said = ", ".join(f"`{name}`" for name in sorted(held))
        self._unfollowed(statement, f"it reads {said}, a rule whose type a definition of a ref head's `[k]` holds as "
                                    f"its value, which OPA's mergeTypes widens in place in some orders of typing only "
                                    f"(an object of no static property meeting an Or that holds that rule's object), "
                                    f"and the order OPA types the rules in (Graph.Sort) varies from run to run, so "
                                    f"OPA's own answer here varies")
        self._bind_unresolved_any(names, scope)
        return True

    def _bind_unresolved_any(self, names: frozenset[str], scope: Scope) -> None:
        """After a statement refused as unsure: the names it would bind are any, so nothing after is refused for
        them."""
        for name in names:
            if not self._resolvable(name, scope):
                scope.bind(name, ANY)

    def _head_alike(self, head: Node, scope: Scope) -> None:
        """Refuse as unsure a rule's head value whose type differs with the type OPA's order of typing gives a rule
        it reads (``_order_variants``): the rule's own type then varies from run to run in OPA."""
        alone = Statement("check", head.start, parts=[head])
        variants = self._order_variants(alone)
        if not variants:
            return
        found = set()
        for variant in variants if len(variants) <= _MOST_ORDERS else ():
            with self._rules_typed_as(variant):
                found.add(repr(self._silent_type(head, scope)))
        if len(found) != 1:
            self._unfollowed(alone, "its type differs with the type OPA gives a rule below a ref head with a variable "
                                    "key, which OPA changes in place in some orders of typing only (mergeTypes), "
                                    "an order that varies from run to run (Graph.Sort), so OPA's own answer varies")

