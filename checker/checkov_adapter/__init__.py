"""natpolicy's rules inside Checkov: ``checkov --external-checks-dir $(natpolicy checkov-dir)``.

This directory is what Checkov loads. Checkov imports *every* non-dunder
``.py`` file of a directory holding an ``__init__.py``, as a top-level module
named by its bare file stem. So the shared code lives here, in the package's
``__init__`` (Checkov skips dunder files), and the check modules beside it
carry long, unique stems (``natpolicy_sg_checks``...) that cannot shadow
another module.

Nothing here imports python-hcl2 (Checkov's environment has its own ``hcl2``
from bc-python-hcl2, and natpolicy is installed there with ``--no-deps``);
Checkov itself is imported only when a check module builds its classes.

What a Checkov check sees, and what that means for natpolicy's rules:

* One resource's ``conf`` dict, every value wrapped in a list (``[22]``,
  ``[["0.0.0.0/0"]]``, ``[None]`` for a plan ``null``), nested blocks as lists
  of such dicts, plus Checkov's own keys (``__address__``,
  ``__change_actions__``, ``references_``, ``start_line``...).
  ``resource_from_conf`` turns it back into a natpolicy ``Resource``.
* Only what exists after apply. Checkov never passes a purely deleted
  resource to a check, so the NAT analysis (a deleted gateway, the routes it
  leaves behind) cannot run here: only NAT002, a destroy-before-create
  *replacement*, is visible. Use ``natpolicy check`` for deletions.
* No other resource: FLOW001 (which flow log targets which VPC) and the
  account's default EBS encryption need the whole plan. EBS rules inside
  Checkov therefore judge a volume as if default encryption were off.
* No ``after_unknown``: Checkov drops values known only after apply, or
  replaces them with the reference they come from. References become
  ``UNKNOWN`` here, but a dropped value looks unset.
* On Terraform code, whatever Checkov could not evaluate, left as text
  (``var.proto``, ``each.value.port``, ``aws_vpc.main.id``, an index or a
  call), becomes ``UNKNOWN`` too, so a rule never judges an expression as if
  it were the value. Checkov also wraps a list from a variable, local or
  module input only once inside nested blocks (``["0.0.0.0/0"]`` where a
  literal gives ``[["0.0.0.0/0"]]``); list-typed attributes are re-wrapped.
* No sensitivity masks: every value is treated as sensitive, so messages
  never echo one.
* A block whose ``for_each`` Checkov evaluated to an empty collection is
  still handed to the checks; ``creates_nothing`` recognises it, and the
  check answers UNKNOWN (not reported), as Terraform creates nothing.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from natpolicy.address import AddressError
from natpolicy.address import parse as parse_address
from natpolicy.check import BaseCheck, GraphCheck, ResourceCheck, Severity, Violation, rule_family
from natpolicy.model import UNKNOWN, Resource, ResourceModel

__all__ = [
    "CHECK_ID_PREFIX", "adapted_rules", "adapter_dir", "checkov_id", "creates_nothing", "resource_from_conf",
    "unwrap", "unwrap_block", "evaluate", "make_checks",
]

CHECK_ID_PREFIX = "NATPOLICY_"


def adapted_rules(family: str | None = None) -> tuple[str, ...]:
    """IDs of the rules (of ``family``, if given) that can judge one resource on their own.

    Read from each rule's ``judges_one_resource``: FLOW001 and NAT001/NAT003
    need the whole plan (and NAT001 needs deletions Checkov never passes).
    """
    from natpolicy.registry import discover

    return tuple(c.id for c in discover()
                 if c.judges_one_resource and (family is None or rule_family(c.id) == family))

# Checkov's bookkeeping keys, at any depth of a conf dict.
_META = frozenset({"start_line", "end_line", "references_", "count", "for_each", "depends_on", "provider",
                   "lifecycle", "dynamic"})
_INTERPOLATION = re.compile(r"\$\{")

# Terraform text that Checkov's HCL evaluator left unresolved. Only confs
# from Terraform code (no ``__change_actions__``) are read this way: plans
# carry values, never expressions. Real values stay untouched: a CIDR, a
# protocol ("tcp", "-1"), a device name, an ARN, an id ("snap-0a1b") or an
# instance type ("t3.micro") matches none of these.
_UNRESOLVED = re.compile(
    r"""^(?:var|local|module|each|count|data|path|terraform|self)\.  # a reference to an input or iterator
      | ^[a-z][a-z0-9]*_[a-z0-9_]*\.[A-Za-z_][\w-]*(?:\[[^\]]*\])?\.   # <provider>_<type>.<name>[key].<attr>
      | ^[A-Za-z_]\w*\.(?:value|key)\b                             # a dynamic block's iterator
      | [\[{] | \w\(                                               # an index, an object, a call
    """,
    re.VERBOSE,
)

# Attributes the AWS provider types as lists of strings. Checkov wraps a
# literal list twice (``[["0.0.0.0/0"]]``) but a list it resolved from a
# variable, local or module input only once inside nested blocks
# (``["0.0.0.0/0"]``), so one element would otherwise come back as a bare
# string, which the rules rightly ignore.
_LIST_ATTRIBUTES = frozenset({
    "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "vpc_security_group_ids",
    "secondary_allocation_ids", "secondary_private_ip_addresses", "subnet_ids",
})


def adapter_dir() -> Path:
    """The directory to pass to ``checkov --external-checks-dir``."""
    return Path(__file__).resolve().parent


def checkov_id(rule_id: str) -> str:
    return f"{CHECK_ID_PREFIX}{rule_id}"


# -- conf -> Resource ------------------------------------------------------------
def _is_meta(key: Any) -> bool:
    return not isinstance(key, str) or (key.startswith("__") and key.endswith("__")) or key in _META


def unwrap(value: Any, references: frozenset[str] = frozenset(), *, hcl: bool = False) -> Any:
    """One conf value back to its plan shape.

    ``[x]`` -> ``x`` (``[None]`` -> ``None``, ``[[...]]`` -> ``[...]``); a list
    of dicts is a list of nested blocks (a plan object arrives as a one-block
    list, which is how natpolicy's rules read blocks anyway). A string that
    is a reference Checkov wrote in place of an unknown value, or an HCL
    interpolation it could not resolve, becomes ``UNKNOWN``; with ``hcl``
    (a conf read from Terraform code) so does any unresolved expression.
    """
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            return [unwrap_block(item, references, hcl=hcl) for item in value]
        if len(value) == 1:
            return _leaf(value[0], references, hcl)
        return [_leaf(item, references, hcl) for item in value]
    if isinstance(value, dict):
        return unwrap_block(value, references, hcl=hcl)
    return _leaf(value, references, hcl)


def unwrap_block(conf: Mapping[str, Any], references: frozenset[str] = frozenset(), *,
                 hcl: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for key, value in conf.items():
        if _is_meta(key):
            continue
        plain = unwrap(value, references, hcl=hcl)
        if key in _LIST_ATTRIBUTES and isinstance(plain, str):
            plain = [plain]  # a one-element list Checkov wrapped only once
        block[key] = plain
    return block


def _leaf(value: Any, references: frozenset[str], hcl: bool) -> Any:
    if isinstance(value, str):
        if value in references or _INTERPOLATION.search(value) or (hcl and _UNRESOLVED.search(value)):
            return UNKNOWN
        return value
    if isinstance(value, list):
        return [_leaf(item, references, hcl) for item in value]
    if isinstance(value, dict):
        return unwrap_block(value, references, hcl=hcl)
    return value


def _references(conf: Mapping[str, Any]) -> frozenset[str]:
    found: set[str] = set()
    for group in conf.get("references_") or ():
        if isinstance(group, list):
            found.update(r for r in group if isinstance(r, str))
        elif isinstance(group, str):
            found.add(group)
    return frozenset(found)


def resource_from_conf(conf: Mapping[str, Any], resource_type: str) -> Resource | None:
    """The ``Resource`` a natpolicy rule would see for this Checkov conf.

    Checkov passes the planned (after) values only; ``before`` stays empty.
    Without ``__change_actions__`` (HCL input) the resource is being created,
    as natpolicy's own HCL loader has it, and any expression Checkov left
    unevaluated is ``UNKNOWN``.
    """
    address = conf.get("__address__")
    if not isinstance(address, str) or not address:
        return None
    actions = conf.get("__change_actions__")
    from_plan = "__change_actions__" in conf
    if isinstance(actions, list) and actions and all(isinstance(a, str) for a in actions):
        action_tuple = tuple(actions)
    else:
        action_tuple = ("create",)
    try:
        parsed = parse_address(address)
        module, name = parsed.module_address, parsed.name
    except AddressError:  # Checkov's own spelling of something else: keep what precedes the type
        marker = f"{resource_type}."
        module, _, local = address.rpartition(marker) if marker in address else ("", "", address)
        name = re.sub(r"\[.*\]$", "", local) or address
    after = unwrap_block(conf, _references(conf), hcl=not from_plan)
    return Resource(
        address=address,
        type=resource_type,
        name=name,
        module=module.rstrip("."),
        actions=action_tuple,
        before=None,
        after=after,
        # Checkov carries no sensitivity masks: hide every value in messages.
        after_sensitive=True,
        origin=str(_first(conf.get("__file__")) or ""),
    )


# How Checkov 3.3.30 writes a `for_each` it evaluated to an empty collection:
# an empty map or list, or the Python text of an empty set (`toset([])`).
_EMPTY_FOR_EACH: tuple[Any, ...] = ({}, [], "set()", "{}", "[]")


def creates_nothing(conf: Mapping[str, Any]) -> bool:
    """A block of Terraform code whose ``for_each`` Checkov evaluated to nothing.

    Checkov drops a block whose ``count`` evaluates to 0, but hands one with an
    empty ``for_each`` (``create = false`` in a module) to the checks as if it
    were one resource. Terraform creates nothing there, so there is nothing to
    judge. Plans never need this: they list only the instances that exist.
    """
    if "__change_actions__" in conf or "for_each" not in conf:
        return False
    value = conf["for_each"]
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    return any(type(value) is type(empty) and value == empty for empty in _EMPTY_FOR_EACH)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


# -- running a rule --------------------------------------------------------------
def evaluate(rule: BaseCheck, resource: Resource) -> list[Violation]:
    """natpolicy's verdict on one resource, as the runner would give it."""
    if resource.mode != "managed" or not resource.exists_after:
        return []  # judged after apply, as natpolicy's runner does
    model = ResourceModel([resource])
    if isinstance(rule, ResourceCheck):
        return [v for v in rule.scan(resource, model) if isinstance(v, Violation)]  # run notes have no place here
    if isinstance(rule, GraphCheck):
        return [v for v in rule.scan(model)
                if isinstance(v, Violation) and (v.resource is None or v.resource is resource)]
    return []


_CATEGORIES = {"networking": "NETWORKING", "encryption": "ENCRYPTION", "logging": "LOGGING"}
_SEVERITIES = {Severity.LOW: "LOW", Severity.MEDIUM: "MEDIUM", Severity.HIGH: "HIGH", Severity.CRITICAL: "CRITICAL"}


def make_checks(family: str) -> list[Any]:
    """Build and register (Checkov registers on construction) one check per adapted rule of ``family``.

    Imports Checkov, so only Checkov's environment calls this.
    """
    from checkov.common.bridgecrew.severities import Severities
    from checkov.common.models.enums import CheckCategories, CheckResult
    from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

    from natpolicy.registry import discover

    rules = {cls.id: cls for cls in discover()}

    class NatpolicyCheck(BaseResourceCheck):
        """A Checkov check that asks one natpolicy rule about one resource."""

        def __init__(self, rule_cls: type[BaseCheck]) -> None:
            categories = [getattr(CheckCategories, _CATEGORIES.get(c, "GENERAL_SECURITY"))
                          for c in rule_cls.categories] or [CheckCategories.GENERAL_SECURITY]
            super().__init__(
                name=rule_cls.name,
                id=checkov_id(rule_cls.id),
                categories=list(dict.fromkeys(categories)),
                supported_resources=list(rule_cls.supported_types),
                guideline=f"natpolicy explain {rule_cls.id}",
            )
            # Checkov takes severities from its platform, so offline its own
            # checks have none; ours carry natpolicy's.
            self.severity = Severities[_SEVERITIES[rule_cls.severity]]
            self.rule = rule_cls()

        def scan_resource_conf(self, conf: dict[str, list[Any]]) -> Any:
            if creates_nothing(conf):
                return CheckResult.UNKNOWN  # not reported: no instance exists to pass or fail
            resource = resource_from_conf(conf, self.entity_type)
            if resource is None:
                return CheckResult.UNKNOWN
            violations = evaluate(self.rule, resource)
            self.details = [v.message for v in violations]
            return CheckResult.FAILED if violations else CheckResult.PASSED

    return [NatpolicyCheck(rules[rule_id]) for rule_id in adapted_rules(family)]
