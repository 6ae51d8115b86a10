"""natpolicy's helper functions defined once per package on regorus, not once per module.

natpolicy's rewrites append the functions they call (``__natpolicy_count_arg``, ``sprintf``'s argument
checks, the builtin guards, ...) to each module that needs them, so a package of several files may
define one helper in two modules, with the same text. OPA reads that as one function. regorus 0.13.0
stops on a function holding an ``else`` that two modules define ("binding plan not found for parameter
x", measured): a policy with ``sprintf`` beside another file of its package calling ``count`` stopped.
So a helper whose exact text another module of the package already defines is blanked here, its lines
kept as empty lines (every line number stays, for the messages that name one). The text is compared without what
tells Rego v0 from v1 (``if``, a body's braces, ``:=`` for ``=``): a package whose files mix the two versions got
the helpers twice, one written each way, and regorus stopped on any function so defined in a v1 and a v0 module
(measured on raw regorus: ``f(x) := x if is_array(x)`` beside ``f(x) = x { is_array(x) }``; a real policy set
mid-migration stopped on every plan).
"""
from __future__ import annotations

from collections.abc import Mapping

from natpolicy.rego.rule_scope import opens_body
from natpolicy.rego.source import Token, matching_close, scan_module, tokens
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
            key = _version_free(toks[first:end])
            if key in defined:
                blanks.append((start, start + len(definition)))
            defined.add(key)
        for start, stop in reversed(blanks):
            text = text[:start] + "\n" * text.count("\n", start, stop) + text[stop:]
        out[name] = text
    return out


def _version_free(toks: list[Token]) -> str:
    """A definition's text without what Rego v0 and v1 write differently: ``if``, the braces of its body, ``:=`` for
    ``=`` (a set or object value's braces stay: ``f(x) := {1}`` is no ``f(x) := 1``)."""
    body = {k for k, t in enumerate(toks) if t.depth == 0 and t.text == "{" and opens_body(toks, k)}
    body |= {close for k in body for close in [matching_close(toks, k)] if close is not None}
    return " ".join("=" if t.text == ":=" else t.text for k, t in enumerate(toks)
                    if k not in body and not (t.depth == 0 and t.text == "if"))
