"""``--var`` and ``--var-file`` values checked against the root module's ``variable`` blocks, as Terraform does.

Without this, a typo in a name (``--var ssh_cidr=...`` for ``ssh_cidrs``), a
string given for a ``list(string)`` (``--var ssh_cidrs=0.0.0.0/0``) or a
malformed value all ended as an unknown value, which no rule reports: "No
findings", exit 0, for a configuration that opens SSH to the world. Terraform
refuses each of these, and so does natpolicy, with exit 2 and a line naming
the variable and its type (never the value: it may be a secret).

- A name no scanned root declares is an error (Terraform: "Value for
  undeclared variable"). With several roots, a name declared by one of them is
  accepted for all: each Terraform run would see only its own.
- For a collection type, Terraform parses a ``--var`` value as HCL and takes
  any other type's literally; a value that does not parse is malformed.
- A value that does not convert to the declared type is an error naming the
  variable, the type and what kind of value was given.
- ``terraform.tfvars`` and ``*.auto.tfvars`` are checked for types as well;
  an undeclared name there is only a warning in Terraform, so it is left alone.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from natpolicy.loaders.hcl.parse import Block, parse_expression
from natpolicy.loaders.hcl.vartypes import describe, is_collection, type_problem, type_spec
from natpolicy.records import record

__all__ = ["Given", "check_values", "undeclared_error"]


@record(frozen=True)
class Given:
    """Where a root variable's value came from."""

    source: str  # "--var" or the variables file's display path
    explicit: bool  # --var or --var-file (an undeclared name is an error), not an automatic tfvars file
    raw: str | None = None  # the --var text, before parsing


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map or object"
    return "a value of another type"


def _where(name: str, given: Given) -> str:
    return f"--var {name}" if given.source == "--var" else f"{given.source}: {name}"


def check_values(declared: Mapping[str, Block], values: Mapping[str, Any], sources: Mapping[str, Given]) -> list[str]:
    """Error lines for values that Terraform would refuse for this root's variables."""
    errors: list[str] = []
    for name, given in sources.items():
        block = declared.get(name)
        if block is None or "type" not in block.body.attributes:
            continue
        spec = type_spec(block.body.attributes["type"].expr)
        shown = describe(spec)
        if given.raw is not None and is_collection(spec):
            text = given.raw.strip()
            if parse_expression(text) is None:
                errors.append(f"{_where(name, given)}: malformed value for a {shown} variable: it is not an HCL "
                              f"{'list' if spec.kind in ('list', 'set', 'tuple') else 'map'} (write it as in "
                              f"a .tfvars file, e.g. {name}='[\"...\"]', quoted for the shell)")
                continue
        value = values.get(name)
        problem = type_problem(value, spec)
        if problem is not None:
            # Only a message that names no value ("list required"): the value may be a secret.
            why = f" ({problem})" if problem.endswith("required") else ""
            errors.append(f"{_where(name, given)}: variable {name!r} is {shown}, but {_kind(value)} that does not "
                          f"convert to it was given{why}")
    return errors


def undeclared_error(name: str, given: Given) -> str:
    return (f"{_where(name, given)}: the scanned configuration declares no variable {name!r} "
            "(Terraform refuses it too; a typo?)")
