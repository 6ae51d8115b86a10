"""What natpolicy can say when the Rego engine's process dies of a signal (SIGSEGV) while a query runs.

The child process reports only the signal: not the construct, nor the value. So the message names what is known
(the query and the plan, from the child's last step; the signal) and, on regopy, the constructs of the policy set
that are known to crash rego-cpp 1.5.2, each with its first place, never a cause the policy does not hold:

* ``sprintf``: natpolicy formats it in Rego on regopy (``sprintf_regopy``), recursing through the value; a large
  value overflows rego-cpp's stack. Measured: ``sprintf("%v", [input])`` of a 29 KB and an 87 KB plan crashed
  (SIGSEGV; the same policy raw on regopy, and on regorus, answers), of a 5.6 KB plan answered (a real policy set,
  conftest's terraform example ported to v1, in the real-policy measurement of docs/rego.md: 5 of 70 runs crashed);
* ``json.unmarshal``: a deeply nested JSON text overflows rego-cpp's stack (``sandbox``).

Where the set holds neither, the message says the cause is unknown. On another engine the crash is the engine's
own: the hint says so and names no construct.
"""
from __future__ import annotations

from collections.abc import Sequence

from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import char_line_col

__all__ = ["crash_hint"]

# Builtins whose call rego-cpp 1.5.2 is known to crash on, with what is known of how.
_KNOWN_ON_REGOPY = (
    ("sprintf", "sprintf, which natpolicy formats in Rego on regopy, given a large value (a whole plan to %v "
                "crashed rego-cpp on plans of 29 KB and more)"),
    ("json.unmarshal", "json.unmarshal given a deeply nested JSON text"),
)


def crash_hint(engine: str, policies: Sequence[PolicyFile], where: str = "") -> str:
    """The sentence to append after "crashed the Rego engine (SIGNAL)": what is known of the cause. ``where``:
    the crashed query's place (``file:line``); a construct in its file is named before one elsewhere."""
    policies = sorted(policies, key=lambda policy: not where.startswith(f"{policy.display}:"))
    if engine != "regopy":
        return (f"the {engine} engine itself failed and said nothing of why; natpolicy knows no construct that "
                "causes it: run with another --rego-engine to compare, and report it")
    known = []
    for name, how in _KNOWN_ON_REGOPY:
        site = _first_call(policies, name)
        if site:
            known.append(f"{how}, at {site}")
    if not known:
        return ("rego-cpp (regopy) failed and said nothing of why, on nothing natpolicy knows to crash it; "
                "run with --rego-engine regorus to compare")
    return ("rego-cpp (regopy) said nothing of why; this policy set holds what is known to crash it: "
            + "; ".join(known) + "; run with --rego-engine regorus to compare")


def _first_call(policies: Sequence[PolicyFile], name: str) -> str:
    """file:line of the first call of ``name`` in ``policies``; "" where there is none."""
    for policy in policies:
        for call in policy.info.calls:
            if call.name == name:
                line, _ = char_line_col(policy.source, call.offset)
                return f"{policy.display}:{line}"
    return ""
