"""Hostnames as Terraform compares them (``svchost.ForComparison``), and which ones are loopback.

A registry host, a ``host``/``credentials`` block label and a ``TF_TOKEN_…``
variable all name a host in comparison form: IDNA labels in punycode, lower
case, and a port kept unless it is 443.
"""
from __future__ import annotations

import ipaddress
import re

__all__ = ["HostError", "is_loopback", "normalize_host", "token_variable_host"]

_LABEL = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)$")


class HostError(ValueError):
    """Not a hostname Terraform would accept."""


def normalize_host(name: str) -> str:
    host, sep, port = name.rpartition(":")
    if not sep or "]" in port:
        host, port = name, ""
    if port and not port.isdigit():
        raise HostError(f"invalid port in {name!r}")
    if not host or host.endswith(".") or host.startswith("."):
        raise HostError(f"invalid hostname {name!r}")
    labels = []
    for label in host.split("."):
        try:
            ascii_label = label.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise HostError(f"invalid hostname {name!r}") from None
        if not _LABEL.fullmatch(ascii_label):
            raise HostError(f"invalid hostname {name!r}")
        labels.append(ascii_label)
    normalized = ".".join(labels)
    return normalized if not port or port == "443" else f"{normalized}:{int(port)}"


def hostname_only(host: str) -> str:
    """``example.com:8443`` -> ``example.com``; ``[::1]:80`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (port ignored); no name is looked up, so nothing can be spoofed by DNS."""
    name = hostname_only(host).lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def token_variable_host(variable_suffix: str) -> str | None:
    """The host a ``TF_TOKEN_<suffix>`` variable names, in comparison form (Terraform's encoding).

    ``__`` stands for ``-`` and ``_`` for ``.``: hyphens never start or end a
    label, so an odd run of underscores cannot occur in a valid name. The
    suffix may be given as UTF-8 or already in punycode.
    """
    raw = variable_suffix.replace("__", "-").replace("_", ".")
    try:
        return normalize_host(raw)
    except HostError:
        return None
