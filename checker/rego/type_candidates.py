"""How ``type_checker`` types a statement that meets a type it does not follow: once per candidate.

An object literal of several computed keys of different types is typed by OPA
from the one last in its order of keys (``builtin_types.open_object``), an
order this reader does not follow, so the checker tries each candidate in
turn (``RegoType.candidates``): a statement every candidate types alike is
typed so, any other refused with its line as one natpolicy cannot tell
(``type_env.UNFOLLOWED``), never answered otherwise; an argument or output
of a call, or a literal holding such an object, is checked the same way
(``_verdicts``). Split from
``type_checker``, whose ``Checker`` takes these methods from ``Candidates``.
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego import builtin_types as types
from natpolicy.rego import type_parameters as parameters
from natpolicy.rego.builtin_types import ANY, RegoType, accepts_each, uncertain
from natpolicy.rego.type_env import UNFOLLOWED, UNSURE, Scope
from natpolicy.rego.type_functions import function_mismatch
from natpolicy.rego.type_literals import LITERALS, Unfollowed, literal_fits
from natpolicy.rego.type_refs import unfollowed_object
from natpolicy.rego.type_syntax import Node, Statement
from natpolicy.rego.type_syntax import pattern_names as _names
from natpolicy.rego.type_worlds import worlds

__all__ = ["Candidates"]


class Candidates:
    """The checker's methods for types it does not follow; ``Checker`` gives the rest of what they use."""

    errors: list[tuple[int, str]]
    source: str
    substitute: dict[int, RegoType]  # a node's type given in place of its own, one candidate at a time
    body: list[Statement]  # the top-level statements of the rule body being typed
    outside: frozenset[str]  # the names the rule's head and arguments hold, for the branch being typed
    head: Node | None  # the branch's head value (or key), None for none
    in_function: bool  # the rule being typed is a function
    dynamic_keys: list[Node]  # its ref head's keys from a variable on

    def _statement(self, statement: Statement, scope: Scope) -> None:
        raise NotImplementedError

    def type_of(self, node: Node, scope: Scope) -> RegoType:
        raise NotImplementedError

    def _bind_some(self, statement: Statement, collection: RegoType, scope: Scope) -> None:
        raise NotImplementedError

    def _silent_type(self, node: Node, scope: Scope) -> RegoType:
        raise NotImplementedError

    def _resolvable(self, name: str, scope: Scope) -> bool:
        raise NotImplementedError

    def _bind_typed(self, op: str, target: Node, value: Node, scope: Scope, written: str) -> None:
        raise NotImplementedError

    def _uses(self, statement: Statement, name: str, untyped: frozenset[str],
              scope: Scope) -> list[parameters.Use] | None:
        raise NotImplementedError

    def _text(self, node: Node) -> str:
        raise NotImplementedError

    def _error(self, node: Node, message: str) -> None:
        raise NotImplementedError

    def _argument_variant(self, statement: Statement, mentioned: set[str], untyped: frozenset[str],
                          scope: Scope) -> dict[int, RegoType] | None:
        """Where arguments are first unified, in a pattern, with an object this reader does not follow (``{"b": x} =
        o``, o of computed keys of several types): the candidate to type them by, when every candidate types them
        alike (``RegoType.candidates``); None, and refused, when not. Empty elsewhere."""
        if statement.what == "bind" and statement.text == "=":
            sides, written = statement.parts, "="
        elif statement.what == "check" and statement.parts[0].what == "infix" and statement.parts[0].text == "==":
            sides, written = statement.parts[0].parts, "=="
        else:
            return {}
        if not any(set(_names(side)) & mentioned for side in sides if side.what in ("array", "object", "set")):
            return {}
        unsure = self._uncertain_nodes(sides[0], sides[1], scope)
        if not unsure:
            return {}
        node, typed = unsure[0]
        choices = [{id(node): variant} for variant in typed.candidates or ()] if len(unsure) == 1 else []
        found: list[list[list[parameters.Use] | None] | None] = []
        for choice in choices:
            self.substitute = choice
            try:
                found.append([self._uses(statement, name, untyped | mentioned, scope) for name in sorted(mentioned)])
            except Unfollowed:
                found.append(None)  # unsure in another way: refused below as not followed
            finally:
                self.substitute = {}
        if choices and all(uses == found[0] for uses in found):
            return choices[0]
        self._error(sides[0], f"{unfollowed_object(f'{self._text(sides[0])} {written} {self._text(sides[1])}')}; "
                              f"{UNSURE}")
        return None

    def _unfollowed(self, statement: Statement, reason: str) -> None:
        """Refuse a statement whose types OPA may refuse where this reader cannot tell (``Unfollowed``)."""
        if statement.what == "bind":
            said = f"{self._text(statement.parts[0])} {statement.text} {self._text(statement.parts[1])}"
        else:
            # an opaque statement has no parts: show its first line, not the word "opaque"
            line = self.source[statement.start:].split("\n", 1)[0].strip()
            said = self._text(statement.parts[-1]) if statement.parts else (
                line if len(line) <= 60 else line[:57] + "...")
        self.errors.append((statement.parts[0].start if statement.parts else statement.start,
                            f"{UNFOLLOWED} `{said}`: {reason}; {UNSURE}"))

    def _some_variants(self, statement: Statement, collection: RegoType, scope: Scope) -> RegoType:
        """The type `some` iterates over an object this reader does not follow: the candidates', where they all give
        its names one type, where a name they type otherwise is read nowhere else in the rule, or where the rest of
        the rule types alike whichever candidate OPA keeps (``_alike_after``: the refusal waits for a use whose
        verdict hangs on it); else any, and refused."""
        *names, _ = statement.parts
        key_name = names[0] if len(names) == 2 else None
        differing = [name for name, typed in ((names[-1], types.values_of), (key_name, types.keys_of))
                     if name is not None and len({typed(variant) for variant in collection.candidates or ()}) > 1]
        if collection.candidates and (all(self._unread(name, statement) for name in differing)
                                      or self._alike_after(statement, collection.candidates, scope)):
            return collection.candidates[0]
        self._error(statement.parts[-1], f"{unfollowed_object(f'some ... in {self._text(statement.parts[-1])}')}; "
                                         f"{UNSURE}")
        return ANY

    def _alike_after(self, statement: Statement, candidates: tuple[RegoType, ...], scope: Scope) -> bool:
        """Does the rest of the rule type alike whichever candidate ``statement``, a top-level `some` of a rule that
        is no function, iterates over? Its later statements, head and ref head keys are typed once per candidate
        (errors and types): the same each time, OPA's verdict is that, whichever it keeps. A function's body is
        not tried (its arguments are typed at their first use, in a pass of its own)."""
        at = next((n for n, own in enumerate(self.body) if own is statement), None)
        if at is None or self.in_function:
            return False
        outcomes: list[tuple[tuple[tuple[int, str], ...], RegoType | None, tuple[RegoType, ...]]] = []
        for variant in candidates:
            trial, before = Scope(scope), len(self.errors)
            try:
                self._bind_some(statement, variant, trial)
                for other in self.body[at + 1:]:
                    self._statement(other, trial)
                head = self.type_of(self.head, trial) if self.head is not None else None
                keys = tuple(self._silent_type(node, trial) for node in self.dynamic_keys)
                outcomes.append((tuple(self.errors[before:]), head, keys))
            finally:
                del self.errors[before:]
        return all(outcome == outcomes[0] for outcome in outcomes)

    def _unread(self, node: Node, statement: Statement) -> bool:
        """Is the name ``node`` binds in ``statement``, a top-level `some` of the rule body, read nowhere else in the
        rule (another statement at any depth, its head, its arguments)? Any other mention counts as a read."""
        if node.what != "name":
            return False  # a pattern: its names are typed piece by piece, not followed here
        if node.text == "_":
            return True
        return any(own is statement for own in self.body) and node.text not in self.outside and not any(
            node.text in parameters.statement_names(other) for other in self.body if other is not statement)

    def _uncertain_nodes(self, target: Node, value: Node, scope: Scope) -> list[tuple[Node, RegoType]]:
        """The names and refs of ``target = value`` (outside comprehensions) whose type holds an object this reader
        does not follow (``builtin_types.uncertain``), where the statement unifies them with something."""
        if any(side.what == "name" and not self._resolvable(side.text, scope) for side in (target, value)):
            return []  # `x = o`: x takes o's type, checked where it is used
        found: list[tuple[Node, RegoType]] = []
        stack = [target, value]
        while stack:
            node = stack.pop()
            if node.what in ("name", "ref"):
                if node.what == "ref" or self._resolvable(node.text, scope):
                    typed = self._silent_type(node, scope)
                    if uncertain(typed):
                        found.append((node, typed))
            elif node.what in ("array", "set", "object"):
                stack.extend(node.parts)
        return found

    def _bind_variants(self, op: str, target: Node, value: Node, scope: Scope, written: str,
                       unsure: list[tuple[Node, RegoType]]) -> None:
        """Type ``target op value`` once per candidate type of the one object in it this reader does not follow
        (``RegoType.candidates``): the same errors and names' types each time are OPA's whichever it keeps; else
        natpolicy cannot tell, and refuses."""
        node, typed = unsure[0]
        outcomes: list[tuple[tuple[tuple[int, str], ...], dict[str, RegoType]]] = []
        for variant in typed.candidates or () if len(unsure) == 1 else ():
            trial, before = Scope(scope), len(self.errors)
            self.substitute = {id(node): variant}
            try:
                self._bind_typed(op, target, value, trial, written)
                outcomes.append((tuple(self.errors[before:]), trial.names))
            finally:
                self.substitute = {}
                del self.errors[before:]
        if outcomes and all(outcome == outcomes[0] for outcome in outcomes):
            self.errors.extend(outcomes[0][0])
            scope.names.update(outcomes[0][1])
            return
        said = f"{self._text(target)} {written if op == '=' else op} {self._text(value)}"
        self._error(target, f"{unfollowed_object(said)}; {UNSURE}")
        for name in _names(target) + (_names(value) if op == "=" else []):
            if op == ":=" or not self._resolvable(name, scope):
                scope.bind(name, ANY)

    def _function_mismatch(self, target: Node, value: Node, written: str, scope: Scope) -> str | None:
        """Why OPA refuses ``target = value``, both sides typed, for a function below a ref head's name meeting a
        value at its key (``type_functions``), or None. Beside ``_verdicts``: both hand ``type_checker`` a verdict
        of ``builtin_types.accepts``."""
        return function_mismatch(target, value, written, lambda node: self.type_of(node, scope), self._text)

    def _verdicts(self, arg: Node, expected: RegoType, actual: RegoType, scope: Scope) -> frozenset[bool]:
        """Would OPA unify the argument ``arg`` (of type ``actual``) with ``expected``: one verdict, or both where it
        hangs on what this reader does not follow (``builtin_types.uncertain``): which computed key OPA keeps of an
        object literal (``candidates``), or such an object joined into a rule's value.

        Anything but a literal goes by ``accepts_each``. A literal is unified
        piece by piece (``type_literals``); where names or refs inside it hold
        such objects, once per way OPA may type them (``type_worlds.worlds``),
        each name or ref in its place.
        """
        if arg.what not in LITERALS:
            return accepts_each(expected, actual)
        inside = [(node, typed) for node in _values_inside(arg)
                  if uncertain(typed := self._silent_type(node, scope))]
        if not inside:
            return frozenset({literal_fits(arg, expected, lambda part: self.type_of(part, scope))})
        ways = worlds([(self._text(node), id(node), typed) for node, typed in inside], expected)
        if ways is None:
            return frozenset({True, False})  # too many ways to try: not followed
        verdicts: set[bool] = set()
        before = self.substitute
        for world in ways:
            self.substitute = {**before, **world}
            try:
                verdicts.add(literal_fits(arg, expected, lambda part: self._silent_type(part, scope)))
            finally:
                self.substitute = before
        return frozenset(verdicts)


def _values_inside(literal: Node) -> Iterator[Node]:
    """The names and refs an array, set or object literal holds, at any depth of literals (not inside calls,
    operators or comprehensions, whose own types are what the literal holds there)."""
    for part in literal.parts:
        if part.what in ("name", "ref"):
            yield part
        elif part.what in LITERALS:
            yield from _values_inside(part)
