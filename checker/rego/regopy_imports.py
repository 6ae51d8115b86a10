"""``import rego.v1`` left out of a module handed to regopy, its place kept blank.

OPA v1 reads ``import rego.v1`` as binding no name: the compiler leaves ``future`` and ``rego`` imports out of
a module's globals (v1/ast/compile.go ``getGlobals``), so a rule named ``v1`` beside it is a rule like any
other, and ``v1`` in a rule refers to it. rego-cpp 1.5.2 binds the import's last name, measured: a module
importing rego.v1 and defining ``v1`` (``v1 := 1``, ``v1(a) := a``) did not compile ("conflicting definitions
of `v1`", which natpolicy could only report as "the policies do not compile"), and a module importing it that
read the package's ``v1`` from another module (``x := v1``) left ``x`` out of the answer, silently.

natpolicy hands regopy Rego v1 only (``engine_regopy`` refuses v0), where the import changes nothing else (OPA's
parser, ``regoV1Import``, returns before it reads an alias: "the 'rego.v1' import is a no-op"), so it is blanked,
an alias too: spaces of its length, no line or column moves.
"""
from __future__ import annotations

from natpolicy.rego.source import tokens

__all__ = ["without_rego_v1_imports"]


def without_rego_v1_imports(source: str) -> str:
    """``source`` with each ``import rego.v1`` (and its alias, if any) written as spaces."""
    if "rego" not in source:
        return source
    toks = tokens(source)
    out, at = [], 0
    for i in range(len(toks) - 3):
        if [t.text for t in toks[i:i + 4]] != ["import", "rego", ".", "v1"] or toks[i].depth:
            continue
        last = toks[i + 3]
        if i + 5 < len(toks) and toks[i + 4].text == "as" and toks[i + 5].kind == "ident":
            last = toks[i + 5]
        elif i + 4 < len(toks) and toks[i + 4].text in ("as", "."):
            continue  # no import OPA reads: left to rego-cpp's own error
        end = last.offset + len(last.text)
        out += [source[at:toks[i].offset], "".join(c if c == "\n" else " " for c in source[toks[i].offset:end])]
        at = end
    return "".join(out) + source[at:] if out else source
