"""A comprehension whose head reads a name the rule binds outside it and its body never mentions: regopy 1.5.2
answered it empty.

Measured on regopy 1.5.2: with the name bound by an iteration outside (``some e in xs``, ``input.xs[i]``,
``e := xs[_]``), a comprehension whose body does not mention it found no element, silently:

    some e in [2]; v := [e | true]                        # regopy [], OPA [2]
    some e in [2]; v := [[e, y] | some y in [1]]          # regopy [], OPA [[2, 1]]
    input.xs[i]; v := [i | true]                          # regopy: the rule undefined, OPA [0]

and an object comprehension's value came out as an error text. Once the body mentions the name, regopy binds it
from outside, as OPA's closure does (a comprehension sees the rule's bindings: rewriteComprehensionTerms): so
natpolicy appends ``; e == e`` to such a body, on its last token's line (a bound value always equals itself, so
no element is added or lost; ``e = e`` made rego-cpp report a unification cycle). Found by the differential's
``--scopes`` generator's probes (tests/rego_probes: ``every-and-comprehension-see-the-names-around-them``).
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import comprehensions
from natpolicy.rego.source import apply_edits, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["head_reads_for_regopy"]

_NOT_NAMES = frozenset({"if", "contains", "else", "some", "every", "in", "not", "with", "as", "true", "false", "null",
                        "input", "data", "_"})


def head_reads_for_regopy(source: str) -> str:
    """``source`` with ``; NAME == NAME`` appended to each comprehension body its head reads NAME from outside."""
    if "|" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for start, end in rule_statements(source, toks, rules_only=True):
        for opener, close in comprehensions(toks, start=start, end=end):
            inside = toks[opener].depth + 1
            bar = next(j for j in range(opener + 1, close) if toks[j].text == "|" and toks[j].depth == inside)
            mentioned = {t.text for t in toks[bar + 1:close] if t.kind == "ident"}
            outside = {t.text for t in (*toks[start:opener], *toks[close + 1:end]) if t.kind == "ident"}
            names = [toks[j].text for j in range(opener + 1, bar)
                     if toks[j].kind == "ident" and toks[j].text not in _NOT_NAMES
                     and toks[j - 1].text != "." and toks[j + 1].text != "("
                     and toks[j].text not in mentioned and toks[j].text in outside]
            if names:
                last = toks[close - 1]
                at = last.offset + len(last.text)
                edits.append((at, at, "".join(f"; {n} == {n}" for n in dict.fromkeys(names))))
    return apply_edits(source, edits)
