"""A rule that is no function, called as one: refused on regopy, whose compiler aborts the process on it.

regopy 1.5.2 (rego-cpp) dies compiling any module that calls a complete or partial rule with arguments, or with
none (``r := input.x`` then ``r(1)`` or ``r()``, ``data.p.r(1)``, ``r.a(1)`` of ``r.a := input.x``, a rule of
another package; measured: SIGSEGV/SIGABRT, "shape `rego-ruleheadcomp` has no field `rego-ruleargs`"). OPA's
compiler passes a statement ``r(1)`` whose arity it accepts (arity 0 plus the output) where the rule's value is
any (``checkExprBuiltin`` finds no function type to refuse), so the type reader lets it through; on regopy the
run would end in a crash, not in OPA's answer. In the CLI the child process reports that crash, but in a process
that loads regopy itself nothing survives it. So every such call is refused here, with its line, before rego-cpp
sees the module. A call whose rule this reader cannot place (a ref head with a variable, a name a builtin has,
definitions of different arities) is left: ``function_arity`` gives it no arity.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.function_arity import call_target, function_arities, package_of, ref_head_roots
from natpolicy.rego.source import calls_in, tokens

__all__ = ["rules_called_as_functions"]


def rules_called_as_functions(source: str, package_names: set[str], package_sources: Sequence[str],
                              loaded_sources: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each call, in ``source``, of a rule of a loaded package that takes no arguments."""
    if "(" not in source:
        return
    package = package_of(source)
    own = tuple(sorted({source, *package_sources}))
    # The same tuple type_check builds, so function_arities' cache serves both.
    arities = function_arities(tuple(sorted({*own, *loaded_sources})))
    ref_heads = frozenset().union(*(ref_head_roots(text) for text in own))
    # Every call in code, as the module scan lists them (`set()` is a term, a keyword no rule's name); a rule's own
    # head with arguments is listed too, and makes that rule a function, never one of arity 0.
    for call in calls_in(tokens(source)):
        path, arity = call_target(call.name, source, package, package_names, arities, ref_heads)
        if path is not None and arity == 0:
            yield call.offset, (
                f"`{call.name}(...)` calls {path}, a rule that takes no arguments, as a function: regopy 1.5.2 aborts "
                f"the process compiling such a call (OPA passes it where the rule's value is any, and refuses it "
                f"elsewhere); call a function instead, or run with --rego-engine regorus")
