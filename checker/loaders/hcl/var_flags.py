"""``--var NAME=VALUE`` flags read into names and raw values.

A light module (no parser): the hook reads its flags before it knows whether
anything must be evaluated at all (see ``natpolicy.loaders.side_cache``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["parse_var_flags"]


def parse_var_flags(flags: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """``--var NAME=VALUE`` flags -> {name: raw value}; a flag without ``=`` is a usage error."""
    from natpolicy.errors import UsageError

    if isinstance(flags, Mapping):
        return dict(flags)
    out: dict[str, str] = {}
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "a").replace("-", "a").isalnum():
            raise UsageError(f"--var wants NAME=VALUE, got {flag!r}")
        out[name.strip()] = value
    return out
