"""``yaml.unmarshal`` of a plain scalar YAML 1.1 reads otherwise than both engines: stopped, never answered.

OPA (topdown/encoding.go) reads YAML with go-yaml v2 (through ghodss/sigs.k8s.io
``YAMLToJSON``), which resolves plain scalars by YAML 1.1: ``yes``, ``no``,
``on``, ``off``, ``y`` and ``n`` are booleans, ``010`` is octal 8, ``1_000`` is
1000, ``1e2`` a number, ``~`` null. Both engines read YAML 1.2 (measured:
``yaml.unmarshal("a: yes")`` is ``{"a": "yes"}`` on both, OPA
``{"a": true}``; regopy also keeps ``1e2``, ``0o17`` and ``~`` as text). The
value an engine decoded cannot say whether a string was written plain or
quoted, so any string, value or key, that YAML 1.1 would read as something
else when plain stops the query: a quoted ``"yes"`` too.

On regorus each call is wrapped, on its line, in a natpolicy extension that
passes the value on or stops (:func:`yaml_for_regorus`); on regopy the renamed
call checks it in Rego (``regopy_stops``).
"""
from __future__ import annotations

import re
from typing import Any

from natpolicy.rego.source import apply_edits, matching_close, tokens

__all__ = ["CHECK_EXTENSION", "YAML_11_SCALAR", "opa_yaml_check", "yaml_for_regorus"]

CHECK_EXTENSION = "__natpolicy_yaml_check"
# Plain scalars go-yaml v2 resolves to a boolean, null, number or timestamp that a YAML 1.2 reader may keep as
# text (no flags or shorthand classes: regopy's regular expressions read this too).
YAML_11_SCALAR = (
    "^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|"
    "[-+]?(0[0-7_]+|0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*([.][0-9_]*)?([eE][-+]?[0-9]+)?|"
    "[.][0-9_]+([eE][-+]?[0-9]+)?|[.](inf|Inf|INF)|[0-9][0-9_]*(:[0-5]?[0-9])+([.][0-9_]*)?)|[.](nan|NaN|NAN)|"
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt ].*)?)$"
)
_SCALAR = re.compile(YAML_11_SCALAR)


def opa_yaml_check(value: Any) -> Any:
    """``value`` as it is, unless a string in it (a key too) is one YAML 1.1 reads otherwise when plain."""
    if _holds_yaml_11_scalar(value):
        # The string itself is never echoed: it may be a value the plan marks sensitive.
        raise ValueError("yaml.unmarshal of YAML holding a scalar such as yes, on, 010, 1_000 or ~: OPA's go-yaml v2 "
                         "reads it by YAML 1.1 (yes is true, 010 is 8) where this engine keeps text, or the text "
                         "was quoted, which the value cannot tell; natpolicy refuses it")
    return value


def _holds_yaml_11_scalar(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_SCALAR.match(value))
    if isinstance(value, dict):
        return any(_holds_yaml_11_scalar(k) or _holds_yaml_11_scalar(v) for k, v in value.items())
    if isinstance(value, (list, set, frozenset)):
        return any(_holds_yaml_11_scalar(item) for item in value)
    return False


def yaml_for_regorus(source: str) -> str:
    """``source`` with each ``yaml.unmarshal(...)`` call wrapped, on its lines, in the check."""
    if "yaml" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for i, tok in enumerate(toks):
        if tok.kind == "ident" and tok.text == "yaml" and (i == 0 or toks[i - 1].text != ".") \
                and i + 3 < len(toks) and toks[i + 1].text == "." and toks[i + 2].text == "unmarshal" \
                and toks[i + 3].text == "(":
            close = matching_close(toks, i + 3)
            if close is not None:
                end = toks[close].offset + 1
                edits += [(tok.offset, tok.offset, f"{CHECK_EXTENSION}("), (end, end, ")")]
    return apply_edits(source, edits)
