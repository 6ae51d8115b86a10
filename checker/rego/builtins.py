"""Refuse calls to functions the engine does not have, before anything runs.

regopy 1.5.2 leaves a call to a builtin it lacks (``net.cidr_contains``,
``rego.metadata.rule``, ``http.send``, ``json.match_schema``...) *undefined*
without an error, and ``_ := missing(x)`` even succeeds: a policy using one
silently passes or silently never fires. Every dotted name a policy calls is
therefore looked up with the engine's own ``is_builtin`` at load time, except
names the policies themselves define (functions of the same package, also
with a ref head, ``a.b(x) := ...``, or of an imported ``data`` package) and
the ``print`` statement. So is each ``with`` target that is neither ``input``, ``data``, nor such a name
(``with foo as 1``): OPA's compiler refuses the module ("with keyword target must reference existing input,
data, or a function"), where regorus answered a rule no query reached it in.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence

from natpolicy.errors import InputError
from natpolicy.rego.function_arity import ref_head_roots
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import Call, char_line_col, tokens, with_targets

__all__ = ["refuse_unknown_calls", "refuse_network_calls", "calls_to_check", "builtin_calls", "OPA_BUILTINS_MISSING",
           "NETWORK_BUILTINS"]

# OPA v1 builtins regopy 1.5.2 does not have (Interpreter.is_builtin says
# False; each verified to be undefined or to fail): named in the message so a
# conftest user knows the policy is fine for OPA, just not for this engine.
OPA_BUILTINS_MISSING = frozenset({
    "net.cidr_contains", "net.cidr_contains_matches", "net.cidr_expand", "net.cidr_intersects",
    "net.cidr_is_valid", "net.cidr_merge", "net.cidr_overlap", "net.lookup_ip_addr",
    "rego.metadata.rule", "rego.metadata.chain", "rego.parse_module",
    "http.send", "json.match_schema", "json.verify_schema", "strings.render_template",
    "providers.aws.sign_req", "trace", "crypto.x509.parse_and_verify_certificates_with_options",
    "graphql.is_valid", "graphql.parse", "graphql.parse_and_verify", "graphql.parse_query",
    "graphql.parse_schema", "graphql.schema_is_valid",
})
# Builtins that reach the network, refused whatever the engine offers: a
# policy from a pull request must not send the plan (or anything) anywhere.
NETWORK_BUILTINS = frozenset({"http.send", "net.lookup_ip_addr", "providers.aws.sign_req"})
# rego-cpp handles `print` as a statement of its own; is_builtin says False.
_ENGINE_STATEMENTS = frozenset({"print"})
# The keyword `with` just before a name: that name is a with target (searched up to the name's offset).
_WITH_BEFORE = re.compile(r"(?<![\w.])with\s+\Z")
_HINTS = {
    "net.": "; compare prefix lengths (`endswith(cidr, \"/0\")`, as natpolicy's sg.rego does) "
            "or test this policy with OPA",
    "rego.metadata.": "; put the title/id/severity into the result object instead (`\"id\": \"ORG-1\"`)",
}


# OPA's deprecated builtins (ast.DeprecatedBuiltins): OPA reads them only in Rego v0 modules, and neither
# engine has them, so a v0 policy calling one (`re_match` in Blokje5's tags policy, `any` in EmbarkStudios')
# is refused with the call that replaces it, not as an unknown name.
_DEPRECATED = {
    "re_match": "regex.match(pattern, value)", "any": "`true in xs`", "all": "`every x in xs { x == true }`",
    "set_diff": "`a - b`", "net.cidr_overlap": "net.cidr_contains(cidr, ip)", "cast_array": "the value itself",
    "cast_set": "`{x | some x in xs}`", "cast_string": "is_string(x)", "cast_boolean": "is_boolean(x)",
    "cast_null": "is_null(x)", "cast_object": "is_object(x)",
}


def calls_to_check(policies: Sequence[PolicyFile], renamed: Mapping[str, Collection[str]] | None = None) -> set[str]:
    """The called names that only the engine can tell builtin or not (``renamed``: per module, names natpolicy
    renames before the engine sees them, natpolicy.rego.deprecated_builtins)."""
    return {call.name for policy, call in builtin_calls(policies, targets=True) if call.name not in _ENGINE_STATEMENTS
            and call.name not in (renamed or {}).get(policy.display, ())}


def refuse_unknown_calls(policies: Sequence[PolicyFile], is_builtin: Callable[[str], bool],
                         engine: str = "regopy") -> None:
    """Raise ``InputError`` at the first call (or ``with`` target) the engine would not run."""
    for policy, call in builtin_calls(policies, targets=True):
        if call.name in _ENGINE_STATEMENTS or is_builtin(call.name):
            continue
        line, col = char_line_col(policy.source, call.offset)
        message = _message(call.name, engine)
        if _WITH_BEFORE.search(policy.source, 0, call.offset):
            message = (f"with {call.name}: {message}; OPA refuses the module (\"with keyword target must reference "
                       "existing input, data, or a function\")")
        raise InputError(f"{policy.display}:{line}:{col}", message)


def refuse_network_calls(policies: Sequence[PolicyFile]) -> None:
    """Raise ``InputError`` at the first call of a network builtin, before any engine is involved."""
    for policy, call in builtin_calls(policies):
        if call.name in NETWORK_BUILTINS:
            line, col = char_line_col(policy.source, call.offset)
            raise InputError(f"{policy.display}:{line}:{col}", (
                f"{call.name} reaches the network, which natpolicy never lets a policy do: "
                "give the policy what it needs as input or data instead"))


def builtin_calls(policies: Sequence[PolicyFile], targets: bool = False) -> Iterator[tuple[PolicyFile, Call]]:
    """Calls that are not to a function of the policies themselves (or ``data``/``input``); with ``targets``,
    ``with`` targets too (a builtin or a function it replaces)."""
    defined: dict[str, set[str]] = {}
    for policy in policies:
        # A ref head's first name too: `a.b(x) := ...` defines the function `a.b` (and is no call).
        defined.setdefault(policy.package, set()).update(policy.info.rules, ref_head_roots(policy.source))
    for policy in policies:
        own = defined.get(policy.package, set())
        replaced = [Call(offset, name) for offset, name in with_targets(tokens(policy.source))] \
            if targets and "with" in policy.source else []
        for call in [*policy.info.calls, *replaced]:
            head = call.name.split(".", 1)[0]
            if head in ("data", "input") or head in policy.info.import_aliases or head in own:
                continue
            yield policy, call


# conftest's own builtins (not OPA's), which its tests use to read fixtures: natpolicy's engines have no file or
# parser access from a policy.
_CONFTEST_BUILTINS = frozenset({"parse_config", "parse_config_file", "parse_combined_config_files"})


def _message(name: str, engine: str) -> str:
    label = _LABELS.get(engine, engine)
    if name in _CONFTEST_BUILTINS:
        return (f"{name} is a builtin of conftest, not of OPA, and natpolicy lets no policy read or parse files: give "
                "the test its input as a literal (`with input as {...}`), or the file through --data")
    if name in _DEPRECATED:
        # natpolicy answers these in a module read as Rego v0 (natpolicy.rego.deprecated_builtins): the rest of
        # OPA's deprecated builtins only in OPA's default mode for builtin errors.
        where = ("in a module read as Rego v0 (--rego-version v0), without --strict-builtin-errors" if name in
                 ("any", "all", "set_diff") or name.startswith("cast_") else "in a module read as Rego v0 "
                 "(--rego-version v0)")
        return (f"{name} is a builtin OPA deprecated (Rego v0 only; Rego v1 removed it) and {label} does not "
                f"have: write {_DEPRECATED[name]} instead (natpolicy runs it as OPA does only {where})")
    if name in OPA_BUILTINS_MISSING or name in _REGORUS_MISSING:
        hint = next((h for prefix, h in _HINTS.items() if name.startswith(prefix)), "")
        other = "" if hint else "; OPA has it"
        return f"{name} is not a builtin of {label} (it would be silently undefined){hint}{other}"
    return (f"{name} is not a builtin of {label} and no loaded policy of this package defines it "
            "(it would be undefined or fail at run time)")


_LABELS = {"regopy": "regopy 1.5.2", "regorus": "regorus 0.13.0", "opa": "this opa binary"}
# OPA builtins regorus 0.13.0 lacks (its own is_builtin probe says so); named so
# the message says the policy is fine for OPA, just not for this engine.
_REGORUS_MISSING = frozenset({"rego.metadata.rule", "rego.metadata.chain", "strings.render_template",
                              "net.cidr_merge", "graphql.parse", "crypto.x509.parse_certificates"})
