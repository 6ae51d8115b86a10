"""Rego v0: `contains` in a rule head without `import future.keywords`.

In Rego v0 (conftest's ``--rego-version v0``) ``contains`` is a keyword only
where the module imports it (``import future.keywords``, ``import
future.keywords.contains`` or ``import rego.v1``). Without the import OPA's v0
parser reads ``deny contains msg if { ... }`` as terms, not a rule head, and
refuses the module: "var cannot be used for rule name" (OPA ``cmd/parse_test.go``,
``TestParseV1Compatible``, "v0.x, keywords not imported"). regorus 0.13.0 reads
``contains`` as the keyword anyway and ``if`` as a rule named ``if``: it
stopped at evaluation ("var msg is unsafe", measured on a real policy set,
VeyTG/Compliance_as_Code, docs/rego.md), and answered ``deny contains
"m" if { input.l }`` as a finding whatever the input (measured). natpolicy
refuses such a module at load, with the line, as OPA does.

``if``, ``in`` and ``every`` used as keywords without their import are refused the same way
(``unimported_keywords``). OPA's v0 parser (v1/ast/parser.go ``parseRules``: a head followed by neither ``{`` nor the
``if`` keyword is no rule; the text is read again as a body, and ``ParseRuleFromBody`` makes ``allow := true`` a rule
and refuses a bare ``allow``, "var cannot be used for rule name") reads ``allow := true if { ... }`` as
``allow := true`` and a rule named ``if``, and refuses ``allow if { ... }`` and ``some x in xs``. natpolicy answered
otherwise (measured with scripts/differential_v0.py): a module without other v0 syntax is handed over as v1
(``allow := 5 if { false }`` undefined, OPA 5; ``allow if { ... }`` answered, OPA refuses), and regorus' v0 mode
answered ``allow if { ... }`` too. The same words as names (``in := 1``, a rule named ``if``) stay v0's.
"""
from __future__ import annotations

import re

from natpolicy.rego.source import Token, starts_statement, tokens

__all__ = ["unimported_contains", "unimported_keywords", "value_if_offset", "value_rule_if"]

# `import future.keywords` (all of them) or `import future.keywords.contains`.
_IMPORTS_CONTAINS = re.compile(r"^\s*import\s+future\s*\.\s*keywords(?:\s*\.\s*contains)?\s*(?:#.*)?$",
                               re.MULTILINE)


def unimported_contains(source: str) -> tuple[int, str] | None:
    """(offset, message) of the first rule head's ``contains`` in ``source``, read as Rego v0, that no import
    makes a keyword; None where there is none (the caller leaves ``import rego.v1`` modules out)."""
    if "contains" not in source or _IMPORTS_CONTAINS.search(source):
        return None
    toks = tokens(source)
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "contains" or tok.depth != 0 or i == 0:
            continue
        before, after = toks[i - 1], toks[i + 1] if i + 1 < len(toks) else None
        if before.text == "." or (after is not None and after.text == "("):
            continue  # a field, or the builtin contains(...)
        if before.kind == "ident" or before.text == "]":
            return tok.offset, (
                "`contains` in a rule head of a policy read as Rego v0 (--rego-version v0) without "
                "`import future.keywords.contains`: OPA's v0 parser reads it as a variable and refuses the module "
                "(\"var cannot be used for rule name\"); add `import rego.v1` (or `import future.keywords`), or "
                "read the policy as Rego v1")
    return None


# Each keyword's imports: `import future.keywords` (all of them) or `import future.keywords.<keyword>`. `every`
# imported is taken to bring `in` along (an `every` loop is written with it), so that no such module is refused.
_IMPORTS = {keyword: re.compile(rf"^\s*import\s+future\s*\.\s*keywords(?:\s*\.\s*(?:{alts}))?\s*(?:#.*)?$",
                                re.MULTILINE)
            for keyword, alts in (("if", "if"), ("in", "in|every"), ("every", "every"))}
_ENDS_OPERAND = ("ident", "string", "raw", "number")
_STARTS_OPERAND = ("ident", "string", "raw", "number")


def unimported_keywords(source: str) -> tuple[int, str] | None:
    """(offset, message) of the first ``if``, ``in`` or ``every`` that ``source``, read as Rego v0, uses as a keyword
    without importing it; None where there is none (the caller leaves ``import rego.v1`` modules out)."""
    toks = tokens(source)
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text not in _IMPORTS or i == 0 or i + 1 >= len(toks):
            continue
        before, after = toks[i - 1], toks[i + 1]
        if before.text == "." or _IMPORTS[tok.text].search(source):
            continue  # a field (`x.if`), or the keyword is imported
        ends = before.kind in _ENDS_OPERAND and before.text not in ("some", "not", "with", "as") \
            or before.text in ("]", ")", "}")
        starts = after.kind in _STARTS_OPERAND or after.text in ("[", "{", "(", "-")
        # `if` first on its line too: `allow := true\nif {` is read by OPA v0 as two rules, by v1 as one (a rule
        # that is really named `if`, which Regal calls a bug, is refused with them)
        if tok.text == "if" and tok.depth == 0 and ends and starts and value_rule_if(source, toks, i) is None:
            return tok.offset, _message("if", "a rule head's `if`", "reads it as the name of another rule "
                                        "(`allow := true if { ... }` defines `allow := true` whatever the body) or "
                                        "refuses the module (`allow if { ... }`: \"var cannot be used for rule name\")")
        # `in` on the line of the operand before it (a line starting with `in` starts a statement: `in[0] == 1`)
        if tok.text == "in" and ends and starts and "\n" not in source[before.offset:tok.offset]:
            return tok.offset, _message("in", "`in` (`some x in xs`, `x in xs`)", "refuses the module")
        if tok.text == "every" and after.kind == "ident" and i + 2 < len(toks) and toks[i + 2].text in ("in", ","):
            return tok.offset, _message("every", "`every`", "refuses the module")
    return None


def value_if_offset(source: str) -> int | None:
    """The offset of the first unimported ``if`` that OPA's v0 parser reads as a rule named ``if`` after a rule
    ``NAME := VALUE`` or ``NAME = VALUE`` (``tests := test if { ... }`` defines ``tests := test`` whatever the
    body, and a rule ``if``); None for none. regorus' v0 mode reads it so too (measured, with a warning), so the
    caller hands the module over as v0 instead of refusing it."""
    if "if" not in source or _IMPORTS["if"].search(source):
        return None
    toks = tokens(source)
    return next((toks[i].offset for i in range(1, len(toks) - 1) if value_rule_if(source, toks, i) is not None), None)


def value_rule_if(source: str, toks: list[Token], i: int) -> int | None:
    """The first token of the rule ``NAME := VALUE`` (or ``=``) that ``if {`` at ``toks[i]`` follows; None where
    ``toks[i]`` is no such ``if``."""
    if toks[i].text != "if" or toks[i].kind != "ident" or toks[i].depth != 0 or toks[i - 1].text == "." \
            or i + 1 >= len(toks) or toks[i + 1].text != "{":
        return None
    start = i - 1
    while start > 0 and not (toks[start].depth == 0 and starts_statement(source, toks, start)):
        if toks[start].depth == 0 and toks[start].text in ("{", "}", "else", "if"):
            return None  # a body, an `else` or an `if` before it: not the value of a plain rule
        start -= 1
    plain = toks[start].kind == "ident" and toks[start + 1].text in (":=", "=") and start + 2 < i
    return start if plain else None


def _message(keyword: str, what: str, opa: str) -> str:
    return (f"{what} in a policy read as Rego v0 (--rego-version v0) without `import future.keywords.{keyword}`: "
            f"OPA's v0 parser {opa}; add `import rego.v1` (or `import future.keywords`), or read the policy as Rego v1")
