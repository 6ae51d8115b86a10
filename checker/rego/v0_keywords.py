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

``if`` without its import is left alone: OPA's v0 parser reads ``allow :=
true if { ... }`` as two rules (``allow`` and one named ``if``) and so does
regorus (measured). ``in`` and ``every`` without theirs are parse errors on
both (regorus: "expecting `}` while parsing query").
"""
from __future__ import annotations

import re

from natpolicy.rego.source import tokens

__all__ = ["unimported_contains"]

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
