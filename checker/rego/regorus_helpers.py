"""natpolicy's helper functions defined once per package on regorus, not once per module.

natpolicy's rewrites append the functions they call (``__natpolicy_count_arg``, ``sprintf``'s argument
checks, the builtin guards, ...) to each module that needs them, so a package of several files may
define one helper in two modules, with the same text. OPA reads that as one function. regorus 0.13.0
stops on a function holding an ``else`` that two modules define ("binding plan not found for parameter
x", measured): a policy with ``sprintf`` beside another file of its package calling ``count`` stopped.
So a helper whose exact text another module of the package already defines is blanked here, its lines
kept as empty lines (every line number stays, for the messages that name one).
"""
from __future__ import annotations

from collections.abc import Mapping

from natpolicy.rego.source import scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["without_repeated_helpers"]

_PREFIX = "__natpolicy_"


def without_repeated_helpers(rewritten: Mapping[str, str], originals: Mapping[str, str]) -> dict[str, str]:
    """``rewritten`` (module name -> the text regorus compiles), with each ``__natpolicy_`` definition another
    module of the same package (``originals``: the policies' own texts, which name it) already holds blanked."""
    seen: dict[str, set[str]] = {}
    out: dict[str, str] = {}
    for name, text in rewritten.items():
        if _PREFIX not in text:
            out[name] = text
            continue
        defined = seen.setdefault(scan_module(originals.get(name, text)).package, set())
        toks = tokens(text)
        blanks: list[tuple[int, int]] = []
        for first, end in rule_statements(text, toks, rules_only=True):
            if not toks[first].text.startswith(_PREFIX):
                continue
            start = toks[first].offset
            stop = toks[end].offset if end < len(toks) else len(text)
            definition = text[start:stop].rstrip()
            if definition in defined:
                blanks.append((start, start + len(definition)))
            defined.add(definition)
        for start, stop in reversed(blanks):
            text = text[:start] + "\n" * text.count("\n", start, stop) + text[stop:]
        out[name] = text
    return out
