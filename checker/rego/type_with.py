"""How ``type_checker`` reads a statement's `with` modifiers, as OPA's compiler and type checker read them.

``type_syntax._with_statements`` moved each value that is no plain name or ref (and no literal) into a
statement of its own, typed before the statement (``expandExpr``, ``rewriteWithModifiers`` in
``v1/ast/compile.go``); the statement itself is typed as if it had no `with`. What is left here is a plain
value: typed as OPA evaluates it, left in place where it replaces a function, and a function replaced by a
function checked as ``checkExprWith`` (``v1/ast/check.go``) checks it. Split from ``type_checker``, whose
``Checker`` takes these methods from ``WithModifiers``.
"""
from __future__ import annotations

from natpolicy.rego import builtin_types as types
from natpolicy.rego.builtin_types import RegoType
from natpolicy.rego.function_arity import call_path, call_target
from natpolicy.rego.type_env import REFUSED as _REFUSED
from natpolicy.rego.type_env import UNFOLLOWED, UNSURE, Calls, Scope
from natpolicy.rego.type_env import with_article as _a  # "a number", "an array"
from natpolicy.rego.type_syntax import Node, dotted, plain_value

__all__ = ["WithModifiers"]


class WithModifiers:
    """The checker's methods for `with`; ``Checker`` gives the rest of what they use."""

    source: str
    calls: Calls
    package_names: set[str]
    values: dict[str, RegoType]
    results: dict[str, RegoType]
    quiet: int

    def type_of(self, node: Node, scope: Scope) -> RegoType:
        raise NotImplementedError

    def _function(self, call: Node, scope: Scope) -> tuple[tuple[RegoType, ...] | None, RegoType] | None:
        raise NotImplementedError

    def _text(self, node: Node) -> str:
        raise NotImplementedError

    def _error(self, node: Node, message: str) -> None:
        raise NotImplementedError

    def _with(self, target: Node, value: Node, scope: Scope) -> None:
        """A `with` of a statement, as OPA's compiler and type checker read it (``type_syntax._with_statements``
        moved a value that is no plain name or ref, and no literal, into a statement of its own, typed before).

        A plain value is evaluated into a variable of its own, and typed so, unless it replaces a function by a
        rule, a function or a builtin (``validateWith``, ``validateWithFunctionValue`` in v1/ast/compile.go; a
        local variable is never evaluated). ``checkExprWith`` (v1/ast/check.go) checks only a function replaced by
        a function: ``unifies`` of the two function types, the same number of arguments each unifying, else
        "arity mismatch"; nothing else of a `with` is typed, and the target keeps its type (``with data.p.r as
        "s"`` leaves ``r`` a number). In an `every` body OPA runs no ``checkExpr``: only the value's refs."""
        if not plain_value(value):
            return
        head = value.parts[0].text if value.what == "ref" else value.text
        local = scope.get(head) is not None
        replaced = self._with_function(target, scope)
        replacing = None if local else self._with_function(value, scope)
        path = call_path(dotted(value), self.source, self.calls.package, self.package_names)
        own = f"data.{self.calls.package}."
        rule = path is not None and (path.removeprefix(own) in self.values or path.removeprefix(own) in self.results
                                     if path.startswith(own) else self.calls.foreign_value(path) is not None)
        if replaced is not None and (replacing is not None or rule):  # found in OPA's rule tree, or a builtin
            if replacing is not None and not self.quiet:
                self._replacement(target, value, replaced, replacing)
            return  # left in place: OPA never evaluates it (validateWithFunctionValue)
        if replacing is not None and path is not None and dotted(target).split(".")[0] != "input":
            return  # a function replacing data: left in place (validateWith)
        if replacing is not None and path is None:  # a builtin read as a value: checkApply refuses the ref
            self._error(value, f"type error: `{self._text(value)}` reads the builtin {dotted(value)} as a value "
                               f"(OPA: undefined ref; a builtin replaces only a function with `with`); {_REFUSED}")
            return
        if not local or value.what == "ref":
            self.type_of(value, scope)  # `__localN__ = value` (requiresEval): a function read refused there

    def _with_function(self, node: Node, scope: Scope) -> tuple[tuple[RegoType, ...] | None, int] | None:
        """(argument types if known, arity) of the function or builtin a plain `with` target or value names, None
        where it names none (a rule, a document, a local variable)."""
        name = dotted(node)
        if scope.get(name.split(".")[0]) is not None:
            return None
        path, arity = call_target(name, self.source, self.calls.package, self.package_names, self.calls.arities,
                                  self.calls.ref_heads)
        if path is None:
            signature = types.BUILTINS.get(name)
            return (signature.args, len(signature.args)) if signature is not None else None
        function = self._function(Node("call", node.start, node.stop, name), scope)
        if not arity and function is not None and function[0] is not None:
            arity = len(function[0])
        if not arity:
            return None
        return (function[0] if function is not None else None), arity

    def _replacement(self, target: Node, value: Node, replaced: tuple[tuple[RegoType, ...] | None, int],
                     replacing: tuple[tuple[RegoType, ...] | None, int]) -> None:
        """Refuse a function replaced by one whose type OPA's ``unifies`` refuses: "arity mismatch"."""
        said = f"`with {self._text(target)} as {self._text(value)}`"
        if replaced[1] != replacing[1]:
            self._error(target, f"type error: {said} replaces a function of {replaced[1]} argument"
                                f"{'' if replaced[1] == 1 else 's'} by one of {replacing[1]} (OPA: "
                                f"{dotted(target)}: arity mismatch); {_REFUSED}")
            return
        if replaced[0] is None or replacing[0] is None:
            self._error(target, f"{UNFOLLOWED} {said}: natpolicy does not know the argument types of one of them, "
                                f"which OPA unifies (checkExprWith); {UNSURE}")
            return
        for n, (one, other) in enumerate(zip(replaced[0], replacing[0], strict=True)):
            verdicts = types.accepts_each(one, other)
            if True in verdicts and False in verdicts:
                self._error(target, f"{UNFOLLOWED} {said}: argument {n + 1}; {UNSURE}")
                return
            if False in verdicts:
                self._error(target, f"type error: {said} replaces a function whose argument {n + 1} is "
                                    f"{_a(one)} by one whose argument {n + 1} is {_a(other, one)} (OPA: "
                                    f"{dotted(target)}: arity mismatch); {_REFUSED}")
                return

