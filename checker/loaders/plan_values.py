"""Plan values shared by the reference and the fast plan decode (a leaf: nothing of ours but the model)."""
from __future__ import annotations

from typing import Any

from natpolicy.address import format_key
from natpolicy.model import UNKNOWN

__all__ = ["apply_unknown", "full_address"]


def apply_unknown(value: Any, mask: Any) -> Any:
    """Overlay ``after_unknown`` on ``after``: unknown leaves become ``UNKNOWN``."""
    if mask is True:
        return UNKNOWN
    if isinstance(mask, dict):
        if not isinstance(value, dict):
            value = {} if value is None else value
            if not isinstance(value, dict):
                return value
        for key, sub in mask.items():
            if sub is True or (sub and isinstance(sub, (dict, list))):
                value[key] = apply_unknown(value.get(key), sub)
        return value
    if isinstance(mask, list):
        if not isinstance(value, list):
            return value
        for i, sub in enumerate(mask):
            if i < len(value) and (sub is True or (sub and isinstance(sub, (dict, list)))):
                value[i] = apply_unknown(value[i], sub)
        return value
    return value


def full_address(address: str, module: str, index: Any) -> str:
    """The absolute instance address of a ``planned_values``/``prior_state`` entry.

    Terraform 0.12 (format 0.1) wrote these addresses relative to their
    module and without the instance key (``aws_instance.web`` with
    ``"index": 0`` inside ``module.app``); taken as-is they never match the
    ``resource_changes`` entry and the resource would be loaded twice.
    """
    if module and not address.startswith(f"{module}."):
        address = f"{module}.{address}"
    if index is not None and not address.endswith("]"):
        address += format_key(index if isinstance(index, int) and not isinstance(index, bool) else str(index))
    return address
