"""The checker ``type_check`` runs on each module of a package: what each rule, body and expression of it is typed
as, and each type error OPA's type checker finds there (``type_check``'s docstring says what is inferred and
checked). Split from ``type_check``, which types a package's files together and other packages' functions.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from natpolicy.rego import builtin_types as types
from natpolicy.rego import type_parameters as parameters
from natpolicy.rego.builtin_types import (
    ANY,
    ARRAY,
    BOOLEAN,
    OBJECT,
    SET,
    RegoType,
    accepts,
    kind,
    nested_object,
    uncertain,
    union,
)
from natpolicy.rego.function_arity import arity_problem, call_path, call_target, imports_of
from natpolicy.rego.type_aliases import aliased_rule
from natpolicy.rego.type_candidates import Candidates
from natpolicy.rego.type_env import REFUSED as _REFUSED
from natpolicy.rego.type_env import UNFOLLOWED, UNSURE, Calls, Package, Scope, distinct_types, one_type, union_all
from natpolicy.rego.type_env import kinds_of as _only  # what a declared type takes, for a message
from natpolicy.rego.type_env import with_article as _a  # "a number", "an array"
from natpolicy.rego.type_keys import Key, node_key
from natpolicy.rego.type_literals import Unfollowed
from natpolicy.rego.type_nil import NIL, nil_problem, values_are_nil
from natpolicy.rego.type_order import in_safety_order, safety_order
from natpolicy.rego.type_orders import OrderVariants
from natpolicy.rego.type_patterns import equality_problem, pattern_types, typed_pattern, unbound_after
from natpolicy.rego.type_refs import dynamic_key, function_read, look_up, root_read, rule_ref, unfollowed_object
from natpolicy.rego.type_syntax import Node, Rule, Statement
from natpolicy.rego.type_syntax import pattern_names as _names
from natpolicy.rego.type_with import WithModifiers

__all__ = ["Calls", "Checker"]

_ROOTS = frozenset({"input", "data"})
_COMPARISONS = frozenset({"==", "!=", "<", ">", "<=", ">=", "in"})
_WORDS = frozenset({"package", "import", "default", "if", "contains", "else", "some", "every", "in", "not", "with",
                    "as", "true", "false", "null", "_"})



class Checker(Candidates, WithModifiers, OrderVariants):
    """The types of one module's rules, and the type errors OPA's checker finds there (``errors``)."""

    def __init__(self, source: str, package: Package, package_names: set[str], calls: Calls) -> None:
        self.source, self.calls = source, calls
        self.values, self.results, self.parameters, self.unsure = (package.values, package.results,
                                                                   package.parameters, package.unsure)
        self.order_variants, self.aliased = package.order_variants, package.aliased
        self.package_names, self.loose = package_names, frozenset[int]()  # loose: a bare ref statement (type_nil)
        self.errors: list[tuple[int, str]] = []
        self.quiet, self.in_function = 0, False  # quiet: how many `every` bodies deep the statement being typed is
        self.body: list[Statement] = []  # the top-level statements of the rule body being typed
        self.outside: frozenset[str] = frozenset()  # the names its head and arguments hold (`_unread`)
        self.head: Node | None = None  # its head value (`_alike_after`)
        self.dynamic_keys: list[Node] = []
        self.substitute: dict[int, RegoType] = {}  # a node's type given in place of its own (`_bind_variants`)

    # -- rules ------------------------------------------------------------------------------------
    def rules(self, rules: Sequence[Rule]) -> Package:
        typed = Package()
        for rule in rules:
            if rule.keyed_function is not None:
                said = " ".join(self.source[rule.start:rule.keyed_function].split())
                self.errors.append((rule.start, f"{UNFOLLOWED} the function `{said}(...)`: its ref head holds a key "
                                                f"that is no name, and natpolicy follows neither where OPA files such "
                                                f"a function nor its calls' arity and types; name it with names and "
                                                f"string keys only; {UNSURE}"))
            branches = self._branches(rule)
            for (head, body), (value, head_value, arguments, key_types) in zip(rule.branches, branches, strict=True):
                nested = nested_object(key_types, head_value) if rule.dynamic is not None else None
                if nested is not None and rule.dynamic is not None and rule.dynamic[0] == rule.name:
                    value = nested  # `a[k] := 1`: `a` itself is that object (`some v in a`)
                typed.add(rule.name, value, arguments if rule.shape == "function" else None)
                if nested is not None and rule.dynamic is not None:  # `o.a[k] := 1`: at data.p.o.a (type_refs)
                    name = dynamic_key(*rule.dynamic)
                    typed.add(name, nested, None)
                    # the rule whose type its value is, as OPA holds it (a Go pointer mergeTypes may widen: aliases)
                    typed.definition_aliases[name] = (*typed.definition_aliases.get(name, ()),
                                                      aliased_rule(head, body, self.package_names))
            if "." in rule.name:  # `a.b := 1`: `a` is an object of rules (type_rule_tree), any until typed there
                typed.add(rule.name.split(".")[0], ANY, None)
        return typed

    def _branches(self, rule: Rule) -> Iterator[tuple[RegoType, RegoType, tuple[RegoType, ...], list[RegoType]]]:
        """(value, head's value, arguments, ref head's keys from a variable on) of each of the rule's definitions."""
        for head, body in rule.branches:
            scope, self.body = Scope(), body
            held = [Statement("check", 0, parts=[node])
                    for node in [*rule.parameters, *rule.dynamic_keys, *([head] if head else [])]]
            self.outside = frozenset(name for statement in held for name in parameters.statement_names(statement))
            self.head, self.in_function = head, rule.shape == "function"
            self.dynamic_keys = rule.dynamic_keys
            for name in rule.arguments:
                scope.bind(name, ANY)  # until its first use types it (`_function_body`), as in OPA
            inferred = self._function_body(rule, head, body, scope) if rule.shape == "function" else {}
            if rule.shape != "function":
                self._body(body, scope)
            if head is not None:
                self._head_alike(head, scope)
            head_type = self.type_of(head, scope) if head is not None else None
            value = head_type or ANY
            arguments = tuple(self._parameter(node, inferred) for node in rule.parameters)
            # OPA types each key by its variable's type in the body (nestedObject), a constant key as its own.
            keys = [self._silent_type(node, scope) for node in rule.dynamic_keys]
            if rule.shape == "set":
                # OPA's set of the head's type; its definitions in the package's other files join it (``merge``).
                yield kind(SET, of=head_type), value, arguments, keys
            elif rule.shape == "object":
                yield kind(OBJECT), value, arguments, keys
            elif rule.shape in ("value", "function"):
                yield head_type if head_type is not None else kind(BOOLEAN), value, arguments, keys
            elif rule.shape == "boolean":
                yield kind(BOOLEAN), value, arguments, keys
            else:
                yield ANY, value, arguments, keys

    def _function_body(self, rule: Rule, head: Node | None, body: list[Statement], scope: Scope) -> dict[
            str, RegoType]:
        """Type a function's body, and infer its arguments' types from it as OPA does (``type_parameters``)."""
        pending = {node.text for node in rule.parameters if node.what == "name" and node.text != "_"}
        inferred: dict[str, RegoType] = {}
        body = safety_order(body, lambda name: self._resolvable(name, scope), self._inputs,  # OPA's order (type_order)
                            self._unfollowed)
        statements = [*body, Statement("check", head.start, parts=[head])] if head is not None else body
        # Names bound by a statement that needs a name bound later: OPA runs (and types) it later, after
        # the statements that bind those; a statement that needs one of them moves too.
        moved: set[str] = set()
        local = parameters.comprehension_locals(statements, rule.arguments)  # never needed from outside
        for n, statement in enumerate(statements):
            self._widen(statement, inferred, scope)
            if not pending:  # every argument's first statement is behind: the rest is typed as any body
                if n < len(body):
                    self._statement(statement, scope)
                continue
            names = parameters.statement_names(statement)
            mentioned = pending & names
            pending -= mentioned  # its first statement decides; where this reader cannot tell, it stays any
            untouched: set[str] = set()  # mentioned only in comprehensions: the next statement decides
            unresolved = frozenset(name for name in names if not self._resolvable(name, scope))
            in_order = all(self._resolvable(name, scope) and name not in moved
                           for name in parameters.needed_names(statement) - local) or (
                statement.what == "bind" and statement.text == "=" and not names & moved
                and unbound_after(statement.parts[0], statement.parts[1], unresolved) == [])  # OPA's Unify binds them
            if not in_order:
                moved |= names - set(rule.arguments)
            typed: dict[str, RegoType] = {}
            chosen = self._argument_variant(statement, mentioned, unresolved, scope) if mentioned and in_order \
                else {}
            if chosen is None:
                mentioned = set()  # refused: OPA types the argument by a candidate this reader cannot pick
            if mentioned and in_order:
                for name in sorted(mentioned):
                    self.substitute = chosen or {}
                    try:
                        uses = self._uses(statement, name, unresolved | mentioned, scope)
                    except Unfollowed as reason:
                        self._unfollowed(statement, str(reason))  # the same refusal as typing the statement's
                        uses = None
                    finally:
                        self.substitute = {}
                    if uses == []:
                        untouched.add(name)
                    elif uses and uses[0][1] is not None:
                        first = uses[0][1]
                        typed[name] = inferred[name] = union_all([first, *(t for _, t, widens in uses[1:]
                                                                           if widens and t is not None)]) or first
                        self._later_uses(rule, name, first, [use for use in uses[1:] if not use[2]])
            pending |= untouched
            if n < len(body):
                self._statement(statement, scope)
                for name, value in typed.items():
                    # From here on OPA checks every use against that type (a later body statement, the head).
                    scope.bind(name, value)
        return inferred

    def _uses(self, statement: Statement, name: str, untyped: frozenset[str],
              scope: Scope) -> list[parameters.Use] | None:
        return parameters.argument_uses(statement, name, lambda call: self._declared_arguments(call, scope),
                                        lambda node: self._silent_type(node, scope), untyped)

    def _widen(self, statement: Statement, inferred: dict[str, RegoType], scope: Scope) -> None:
        """Widen each argument typed before ``statement`` as OPA's union mode does there (``widening_uses``)."""
        for name, value in list(inferred.items()):
            added = parameters.widening_uses(statement, name, lambda call: self._declared_arguments(call, scope))
            if added is None or added:
                inferred[name] = ANY if added is None else union_all([value, *added]) or value
                scope.bind(name, inferred[name])

    def _silent_type(self, node: Node, scope: Scope) -> RegoType:
        """A node's type, its errors left out: the statement holding it reports them when it is typed."""
        errors = len(self.errors)
        try:
            return self.type_of(node, Scope(scope))
        finally:
            del self.errors[errors:]

    def _later_uses(self, rule: Rule, name: str, first: RegoType, uses: list[parameters.Use]) -> None:
        """Refuse a use, after the first in the same statement, that needs a type the first one excludes."""
        for node, needed, _ in uses:
            if needed is not None and not accepts(needed, first):
                self._error(node, f"type error: `{name}`, an argument of {rule.name}, is {_a(first)} from its first "
                                  f"use, and this use takes {_only(needed)} (OPA types an argument at its first use "
                                  f"and refuses the function); {_REFUSED}")
                return

    def _parameter(self, node: Node, inferred: dict[str, RegoType]) -> RegoType:
        if node.what == "name":
            return inferred.get(node.text, ANY)
        return kind(node.text) if node.what == "literal" else ANY  # `f(1) := ...` takes only a number there

    def _declared_arguments(self, call: Node, scope: Scope) -> tuple[RegoType, ...] | None:
        """What a call's arguments must be: a builtin's declared types, or a package function's as typed so far."""
        root = call.text.split(".")[0]
        if scope.get(root) is not None:
            return None
        function = self._function(call, scope)
        if function is not None:
            return function[0]  # OPA types the function first: it comes before its callers
        signature = types.BUILTINS.get(call.text)
        if signature is None or root in self.package_names:
            return None
        return signature.args

    # -- bodies -----------------------------------------------------------------------------------
    def _body(self, body: list[Statement], scope: Scope) -> None:
        if self.quiet:  # an `every` body: OPA unifies nothing there, so no order matters
            for statement in body:
                self._statement(statement, scope)
            return
        in_safety_order(body, lambda statement: self._statement(statement, scope),
                        lambda name: self._resolvable(name, scope), self._inputs, self._unfollowed)

    def _inputs(self, call: Node) -> int | None:
        """How many of a call's arguments are its inputs (OPA's arity), None where it is not known."""
        return call_target(call.text, self.source, self.calls.package, self.package_names, self.calls.arities,
                           self.calls.ref_heads)[1]

    def _statement(self, statement: Statement, scope: Scope) -> None:
        # a rule whose type OPA's order decides (type_orders), itself or through a `q[k]` value it is (type_aliases)
        if not self._refused_by_order(statement, scope) and not self._refused_by_alias(statement, scope):
            self._statement_once(statement, scope)

    def _statement_once(self, statement: Statement, scope: Scope) -> None:
        try:
            self._statement_typed(statement, scope)
        except Unfollowed as reason:
            self._unfollowed(statement, str(reason))
            for name in parameters.statement_names(statement):
                if not self._resolvable(name, scope):
                    scope.bind(name, ANY)

    def _statement_typed(self, statement: Statement, scope: Scope) -> None:
        for target, value in statement.withs:  # OPA's checkExprWith, then the statement as if they were absent
            self._with(target, value, scope)
        if statement.what in ("opaque", "declare"):
            # `some x` binds nothing (rewriteSomeDeclStatement drops it), so `q[x]` types x by q's keys (checkRefLeaf);
            # one shadowing a rule or an outer name stays any (the shadowing is not followed).
            for name in statement.names:
                if name not in _WORDS and name not in _ROOTS and (
                        self._resolvable(name, scope) if statement.what == "declare" else scope.get(name) is None):
                    scope.bind(name, ANY)
        elif statement.what == "check":
            whole = statement.parts[0]
            if whole.what == "call":
                self._call(whole, scope, alone=True)  # a call that is the whole statement may pass its output too
            elif whole.what == "infix" and whole.text == "==":
                self._bind("=", whole.parts[0], whole.parts[1], scope, "==")  # OPA's rewriteEquals: `==` is `=`
            else:  # a bare ref may end at OPA's nil (type_nil): only a use of it is refused
                self.loose = frozenset({id(whole)} if whole.what == "ref" else ())
                self.type_of(whole, scope)
        elif statement.what == "bind":
            self._bind(statement.text, statement.parts[0], statement.parts[1], scope)
        elif statement.what in ("some", "every"):
            *names, collection = statement.parts
            collection_type = self.type_of(collection, scope)
            inner = Scope(scope) if statement.what == "every" else scope
            # OPA's type checker never looks into an `every` body but for its refs (and the comprehensions
            # there), so its variables, and those a `some` there binds, stay untyped.
            typed = statement.what == "some" and not self.quiet
            if typed and uncertain(collection_type):
                collection_type = self._some_variants(statement, collection_type, scope)
            self._bind_some(statement, collection_type if typed else ANY, inner)
            every = int(statement.what == "every")
            self.quiet += every
            try:
                self._body(statement.body, inner)
            finally:
                self.quiet -= every

    def _bind_some(self, statement: Statement, collection: RegoType, scope: Scope) -> None:
        """Bind the names of `some` or `every` beside a collection of type ``collection`` (any: untyped)."""
        *names, _ = statement.parts
        # OPA's compiler rewrites `some k, v in xs` into `v = xs[k]`: an object's values and keys too (selectRef).
        element = types.values_of(collection) or types.element_of(collection)
        if values_are_nil(collection):  # `v = xs[k]`, `v = xs[_]` (rewriteSomeDeclStatement) of nil values (type_nil)
            self._error(statement.parts[-1], nil_problem(self._text(statement.parts[-1]), False))
        if len(names) == 2:
            self._pattern(names[0], types.keys_of(collection) or ANY, scope)
        self._pattern(names[-1], element, scope)

    def _bind(self, op: str, target: Node, value: Node, scope: Scope, written: str = "=") -> None:
        """Type ``target op value`` (``:=`` or ``=``; ``written``: ``==`` for a statement OPA reads as ``=``)."""
        if self.quiet:  # in an `every` body OPA unifies nothing: its refs are checked, its names stay untyped
            for side in (value, target) if op == "=" else (value,):
                self.type_of(side, scope)
            for name in _names(target) + (_names(value) if op == "=" else []):
                if op == ":=" or not self._resolvable(name, scope):
                    scope.bind(name, ANY)
            return
        if not (op == ":=" and target.what == "name") and not self.substitute:
            unsure = self._uncertain_nodes(target, value, scope)
            if unsure:
                self._bind_variants(op, target, value, scope, written, unsure)
                return
        self._bind_typed(op, target, value, scope, written)

    def _bind_typed(self, op: str, target: Node, value: Node, scope: Scope, written: str) -> None:
        if op == ":=":
            if target.what != "name" and not any(self._resolvable(name, scope) for name in _names(target)) \
                    and all(self._resolvable(name, scope) for name in _names(value)):
                self._equality(target, value, _names(target), scope, ":=")  # OPA declares each name, then `=`
            bound = pattern_types(target, value, frozenset(_names(target)), lambda node: self.type_of(node, scope))
            self._pattern(target, self.type_of(value, scope), scope)
            for name, found in bound.items():
                scope.bind(name, found)
            return
        # `=` binds whichever side is a name nothing has bound yet; OPA may order a body's statements
        # otherwise than written, so a value with a name not yet bound gives only `any`.
        for name_side, other in ((target, value), (value, target)):
            if name_side.what == "name" and not self._resolvable(name_side.text, scope):
                other_type = self.type_of(other, scope)
                settled = all(self._resolvable(n, scope) for n in _names(other))
                scope.bind(name_side.text, other_type if settled else ANY)
                return
        unbound = [name for name in _names(target) + _names(value) if not self._resolvable(name, scope)]
        self._equality(target, value, unbound, scope, written)
        bound = pattern_types(target, value, frozenset(unbound), lambda node: self.type_of(node, scope))
        for name in unbound:
            scope.bind(name, bound.get(name, ANY))

    def _equality(self, target: Node, value: Node, unbound: list[str], scope: Scope, written: str) -> None:
        """Refuse two sides OPA never unifies (``type_patterns``): an unbound name is any there, an untyped argument
        too (any unifies with more than OPA's structural ``unify1``, so what never matches holds for both)."""
        problem = equality_problem(target, value, lambda node: self.type_of(node, scope), unbound, self.body, written,
                                   self._text)
        if problem is None and not unbound:  # both sides typed: OPA's checkExprEq unifies them (type_functions)
            problem = self._function_mismatch(target, value, written, scope)
        if problem is not None:
            self._error(target, problem)

    def _pattern(self, target: Node, value: RegoType, scope: Scope) -> None:
        """Bind the new names of ``target`` beside a value of type ``value``, each at its place (``typed_pattern``)."""
        names = _names(target)
        typed = {target.text: value} if target.what == "name" else typed_pattern(target, value, frozenset(names))
        for name in names:
            scope.bind(name, typed.get(name, ANY))

    def _resolvable(self, name: str, scope: Scope) -> bool:
        return name in _ROOTS or scope.get(name) is not None or name in self.values or name in self.package_names

    # -- expressions ------------------------------------------------------------------------------
    def type_of(self, node: Node, scope: Scope) -> RegoType:
        if self.substitute and id(node) in self.substitute:  # one candidate of a type not followed (`_bind_variants`)
            return self.substitute[id(node)]
        if node.what == "literal":
            return kind(node.text)
        if node.what == "name":
            found = scope.get(node.text)
            if found is not None or self._function_read(node, scope):
                return found or ANY
            return ANY if node.text in _ROOTS else root_read(node, self.values, self.unsure, self._error)
        if node.what == "ref":
            return self._ref(node, scope)
        if node.what == "call":
            return self._call(node, scope)
        if node.what in ("array", "set"):
            items = [self.type_of(part, scope) for part in node.parts]
            collection = kind(ARRAY if node.what == "array" else SET, of=union_all(items))
            # A non-empty array literal has that many elements and no more (`[]` is any array, as in OPA).
            return RegoType(collection.kinds, collection.of, length=len(items), items=tuple(items)) \
                if node.what == "array" and items else collection
        if node.what == "object":
            return self._object(node, scope)
        if node.what == "comprehension":
            inner = Scope(scope)
            quiet, self.quiet = self.quiet, 0  # OPA checks a comprehension in full, in an `every` body too
            try:
                self._body(node.body, inner)
                heads = [self.type_of(part, inner) for part in node.parts]
            finally:
                self.quiet = quiet
            if node.text == "object":  # OPA's dynamic property: the head's key type and value type
                return types.open_object({}, [(heads[0], heads[1])])
            return kind(ARRAY if node.text == "array" else SET, of=heads[0])
        if node.what == "infix":
            return self._infix(node, scope)
        for part in node.parts:  # unary minus
            self.type_of(part, scope)
        return ANY

    def _object(self, node: Node, scope: Scope) -> RegoType:
        """An object literal: closed when every key is a constant (OPA's static properties: ``{1: "a"}`` too)."""
        fields: dict[Key, RegoType] = {}
        computed: list[tuple[RegoType, RegoType] | None] = []  # OPA's dynamic part: any key may be there
        for key, value in zip(node.parts[::2], node.parts[1::2], strict=True):
            value_type = self.type_of(value, scope)
            constant = node_key(key)
            if constant is not None:
                fields[constant] = union(fields[constant], value_type) if constant in fields else value_type
            else:  # a computed key: its type and its value's
                computed.append((self.type_of(key, scope), value_type))
        return types.open_object(fields, computed) if computed else types.closed_object(fields)

    def _infix(self, node: Node, scope: Scope) -> RegoType:
        left, right = (self.type_of(part, scope) for part in node.parts)
        if self.quiet:
            return ANY
        if node.text in _COMPARISONS:
            return kind(BOOLEAN)  # OPA compares any two values, of any types
        signature = types.ARITHMETIC.get(node.text)
        if signature is None:
            return ANY
        for operand, operand_type in zip(node.parts, (left, right), strict=True):
            if not accepts(signature.args[0], operand_type):
                self._error(node, f"type error: `{self._text(node)}` applies `{node.text}` to "
                                  f"{_a(operand_type)} (`{self._text(operand)}`); OPA's `{node.text}` takes "
                                  f"{_only(signature.args[0])}: {_REFUSED}")
                break
        return signature.result

    def _call(self, node: Node, scope: Scope, alone: bool = False) -> RegoType:
        argument_types = [self.type_of(arg, scope) for arg in node.parts]
        if scope.get(node.text.split(".")[0]) is None:
            self._check_arity(node, alone)  # OPA checks arity in an `every` body too (checkUndefinedFuncs)
        if self.quiet:
            return ANY
        function = self._function(node, scope)
        if function is not None:
            self._check_arguments(node, function[0] or (), argument_types, scope,
                                  lambda name, expected: f"where {name} takes only {_only(expected)} (OPA infers "
                                                         "a function's argument types from its body)")
            if alone and function[0] is not None and len(node.parts) == len(function[0]) + 1:
                self._output(node, function[1], argument_types[-1], scope)
            return function[1]
        if self._rule_called(node, scope, alone):
            return ANY
        root = node.text.split(".")[0]
        signature = types.BUILTINS.get(node.text)
        if signature is None or root in self.package_names or scope.get(root) is not None:
            return ANY  # a function of this or another package, or a builtin not in the table
        self._check_arguments(node, signature.args, argument_types, scope,
                              lambda name, expected: f"which {name} never takes (it takes {_only(expected)})")
        if alone and len(node.parts) == len(signature.args) + 1:
            self._output(node, signature.result, argument_types[-1], scope)
        return signature.result

    def _output(self, call: Node, result: RegoType, given: RegoType, scope: Scope) -> None:
        """A call's output (its last, extra argument): OPA unifies the declared result there (``checkExprBuiltin``):
        a literal or typed name must fit it, a pattern's new names take its types (``walk(x, [path, value])``)."""
        out = call.parts[-1]
        verdicts = self._verdicts(out, result, given, scope)
        if len(verdicts) > 1:
            self._error(out, f"{unfollowed_object(self._text(call))}; {UNSURE}")
            return
        if False in verdicts:
            self._error(out, f"type error: the output of {call.text}(...), `{self._text(out)}`, is {_a(given)}, "
                             f"which never matches its result ({_only(result)}); {_REFUSED}")
            return
        names = _names(out)
        if names and not any(self._resolvable(name, scope) for name in names):
            self._pattern(out, result, scope)

    def _function(self, call: Node, scope: Scope) -> tuple[tuple[RegoType, ...] | None, RegoType] | None:
        """(argument types, result) of the package function or other loaded package's function a call calls."""
        if scope.get(call.text.split(".")[0]) is not None:
            return None
        name = call.text
        if name not in self.results:
            path = call_path(name, self.source, self.calls.package, self.package_names)
            if path is None:
                return None
            own = f"data.{self.calls.package}."
            name = path.removeprefix(own) if path.startswith(own) else path
            if name not in self.results:
                return self.calls.foreign(path)
        return self.parameters.get(name), self.results[name]

    def _rule_called(self, node: Node, scope: Scope, alone: bool) -> bool:
        """Refuse a call, of an arity OPA lets pass, to a rule that is no function and has one type: OPA finds its
        value type where a function type should be (``checkExprBuiltin``): "undefined function", unless it is any
        (an ``Or`` of two types; a collection type joined from two here is any unless both are one: ``one_type``)."""
        path, arity = call_target(node.text, self.source, self.calls.package, self.package_names,
                                  self.calls.arities, self.calls.ref_heads)
        if path is None or arity != 0 or arity_problem(len(node.parts), 0, alone):
            return False  # a function, a builtin, or a call whose arity is refused already
        own = f"data.{self.calls.package}."
        value = self.values.get(path.removeprefix(own)) if path.startswith(own) else self.calls.foreign_value(path)
        if value is None or len(value.kinds) != 1:
            return False
        if not one_type(value):
            if not distinct_types(value):
                # Two collection types this reader does not hold whole: OPA's Or is one type where they are equal
                # (undefined function), its any where not (passes).
                self._error(node, f"{UNFOLLOWED} `{self._text(node)}`: it calls {path}, a rule whose value is "
                                  f"{_a(value)} joined from definitions of types natpolicy does not hold whole, which "
                                  f"OPA refuses as no function where they are one type; call a function instead; "
                                  f"{UNSURE}")
                return True
            return False
        self._error(node, f"type error: `{self._text(node)}` calls {path}, a rule whose value is {_a(value)}, "
                          f"as a function (OPA: undefined function {path}); {_REFUSED}")
        return True

    def _check_arity(self, node: Node, alone: bool) -> None:
        """Refuse a call passing a number of arguments OPA refuses for its function or builtin."""
        path, arity = call_target(node.text, self.source, self.calls.package, self.package_names,
                                  self.calls.arities, self.calls.ref_heads)
        what = f"function {path}" if path is not None else f"builtin {node.text}"
        problem = arity_problem(len(node.parts), arity, alone) if arity is not None else None
        if problem is not None:
            given = len(node.parts)
            self._error(node, f"arity error: `{self._text(node)}` passes {given} argument{'' if given == 1 else 's'} "
                              f"to {node.text}, but {problem} (OPA: {what} has arity {arity}); {_REFUSED}")

    def _check_arguments(self, node: Node, takes: Sequence[RegoType], given: Sequence[RegoType], scope: Scope,
                         why: Callable[[str, RegoType], str]) -> None:
        """Refuse the first argument of the call ``node`` whose type shares nothing with what it takes (a collection
        literal unified piece by piece, as OPA does: ``type_literals``)."""
        for n, (arg, expected, actual) in enumerate(zip(node.parts, takes, given, strict=False)):
            verdicts = self._verdicts(arg, expected, actual, scope)
            if len(verdicts) > 1:  # an object of several computed keys: OPA's verdict hangs on the one it keeps
                self._error(arg, f"{unfollowed_object(self._text(node))}; {UNSURE}")
                return
            if False in verdicts:  # (a last, extra argument is the output: not checked)
                self._error(arg, f"type error: argument {n + 1} of {node.text}(...), `{self._text(arg)}`, is "
                                 f"{_a(actual, expected)}, {why(node.text, expected)}; {_REFUSED}")
                return

    def _ref(self, node: Node, scope: Scope) -> RegoType:
        if self.quiet and node.parts[0].what != "name":
            # In an `every` body a literal, call or comprehension a ref starts from was moved into a variable
            # OPA never types: nothing but what it holds is checked.
            for part in node.parts:
                self.type_of(part, scope)
            return ANY
        if self._function_read(node, scope):
            return ANY
        base = node.parts[0]
        rule = rule_ref(node.parts, self.values, self.calls.package, imports_of(self.source),
                        self.calls.foreign_value) if base.what == "name" and scope.get(base.text) is None else None
        used, current = rule if rule is not None else (0, self.type_of(base, scope))
        for at, key in enumerate(node.parts[used + 1:], used + 1):
            unbound = key.what == "name" and not self._resolvable(key.text, scope)  # one the ref binds (`xs[i]`)
            key_type = ANY if unbound else self.type_of(key, scope)
            if not current.known:  # below any (input): each name left binds types.Keys(any), any (checkRefLeaf)
                for rest in (r for r in node.parts[at:] if r.what == "name" and not self._resolvable(r.text, scope)):
                    scope.bind(rest.text, ANY)  # (`_` binds nothing)
                return ANY
            if unbound and key.text != "_" and not self.quiet and types.keys_of(current) is not None:
                scope.bind(key.text, types.keys_of(current) or ANY)  # OPA's checkRefLeaf: types.Keys (PutOne)
            constant = key.constant if key.what == "literal" else None  # a literal string or integer key
            current, problem = look_up(current, key_type, constant, self._text(node), self._text(key), node_key(key))
            if problem is not None:
                self._error(node, f"{problem}; {UNSURE}" if problem.startswith(UNFOLLOWED)
                            else f"type error: {problem} (OPA: undefined ref); {_REFUSED}")
                return ANY
            if current == NIL:  # OPA's nil (type_nil): a key past it, or its use, refused; a bare statement passes
                if at < len(node.parts) - 1 or not (id(node) in self.loose or self.quiet):
                    self._error(node, nil_problem(self._text(node), at < len(node.parts) - 1))
                return ANY
        return current

    def _function_read(self, node: Node, scope: Scope) -> bool:
        """Refuse a function read as a value, as OPA's type checker does ("undefined ref")."""
        path = None if scope.get(node.parts[0].text if node.parts else node.text) is not None else function_read(
            node, self.source, self.calls.package, self.package_names | self.calls.ref_heads, self.calls.arities)
        if path is not None:
            self._error(node, f"type error: `{self._text(node)}` reads the function {path} as a value (OPA: "
                              f"undefined ref; a function is only called, or replaced with `with`); {_REFUSED}")
        return path is not None

    # -- reporting --------------------------------------------------------------------------------
    def _text(self, node: Node) -> str:
        text = " ".join(self.source[node.start:node.stop].split())
        return text if len(text) <= 60 else text[:57] + "..."

    def _error(self, node: Node, message: str) -> None:
        self.errors.append((node.start, message))
