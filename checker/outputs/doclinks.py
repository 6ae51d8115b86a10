"""Links to a rule's documentation, shared by every output format.

Which revision of natpolicy's repository the rule-doc links point at:

A release's links go to its own tag (``v0.1.0``), so a reader sees the rule
text that matches the rules they ran, not whatever ``main`` says today (a rule
changed or removed since would otherwise be documented wrongly, or 404). A
development build has no tag yet, so it links to ``main``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from natpolicy import __version__

if TYPE_CHECKING:
    from natpolicy.check import BaseCheck

__all__ = ["INFORMATION_URI", "doc_ref", "rule_help_uri"]

INFORMATION_URI = "https://github.com/natpolicy/natpolicy"



def _is_release(version: str) -> bool:
    r"""A plain release version, as tagged: 1.2.3. Anything else (1.2.3.dev4, 1.2.3+local, 1.2.3rc1) has no
    tag of its own, or not one to link to.

    ``re.fullmatch(r"\d+(\.\d+)*", version)`` without compiling a pattern at every start: ``\d`` is a
    Unicode decimal digit (category Nd), the very characters ``str.isdecimal`` takes, and an empty part
    (``1..2``, a leading or trailing dot, ``""``) is not decimal.
    """
    return all(part.isdecimal() for part in version.split("."))


def doc_ref(version: str = __version__) -> str:
    """The git ref for rule-doc links: the release tag, else ``main``."""
    return f"v{version}" if _is_release(version) else "main"


def rule_help_uri(check: type[BaseCheck] | BaseCheck) -> str | None:
    """The rule's documentation in natpolicy's repository; ``None`` for user policies."""
    path = check.doc_relpath()
    if not path.startswith(("policies/", "checker/")):
        return None  # a user's Rego file: it has no page on natpolicy's site
    return f"{INFORMATION_URI}/blob/{doc_ref()}/{path}"  # the release's tag, so the doc matches the rule
