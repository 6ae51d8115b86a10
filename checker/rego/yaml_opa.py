"""``yaml.unmarshal`` as OPA answers it: natpolicy's go-yaml v2 reading on regorus, a check on regopy.

OPA (topdown/encoding.go ``builtinYAMLUnmarshal``) reads YAML with
``ghodss.YAMLToJSON`` (sigs.k8s.io/yaml over go-yaml v2, which resolves plain
scalars YAML 1.1-ish: ``yes``, ``y``, ``on`` are booleans, ``010`` is octal 8,
``1e2`` a number, ``~`` null) and decodes that JSON with ``UseNumber``: an
integer keeps its digits, a float is the text Go's ``encoding/json`` writes
for its float64 (``1.2345678901234567e19`` is ``12345678901234567000``). Both
engines read YAML 1.2 (measured: ``yaml.unmarshal("a: yes")`` is ``{"a":
"yes"}`` on both, OPA ``{"a": true}``; regopy also keeps ``1e2``, ``0o17`` and
``~`` as text), and regorus held that float as the float64 itself, unequal to
an input's ``12345678901234567890`` (handed over as ``12345678901234567000``,
conftest_numbers; silent until 2026-12-07).

On regorus each call is read by natpolicy (:func:`yaml_for_regorus`,
:func:`opa_yaml_json`): the YAML as a conftest YAML input is read
(``documents``, ``yaml_goyaml``, settled from go-yaml v2's ``resolve.go``),
its first document written as the JSON text OPA decodes, which regorus'
``json.unmarshal`` reads as it reads an input's text; what natpolicy's reader
refuses stops, with the line. On regopy the renamed call checks the value in
Rego (``regopy_stops``): any string, value or key, that YAML 1.1 would read
as something else when plain (:data:`YAML_11_SCALAR`; the value cannot say
whether it was quoted, so a quoted ``"yes"`` stops too), and a number regopy
holds otherwise than that JSON text, stop.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from natpolicy.errors import InputError
from natpolicy.rego.conftest_numbers import holds_int64_floor_text
from natpolicy.rego.documents import parse_yaml_values
from natpolicy.rego.go_json_numbers import holds_negative_zero
from natpolicy.rego.regopy_documents import go_json_dumps
from natpolicy.rego.source import Token, apply_edits, matching_close, tokens

__all__ = ["YAML_JSON_EXTENSION", "YAML_11_SCALAR", "opa_yaml_json", "replaced_yaml_calls", "yaml_for_regorus"]

YAML_JSON_EXTENSION = "__natpolicy_yaml_json"
# Plain scalars go-yaml v2 resolves to a boolean, null, number or timestamp that a YAML 1.2 reader may keep as
# text (no flags or shorthand classes: regopy's regular expressions read this too).
YAML_11_SCALAR = (
    "^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|"
    "[-+]?(0[0-7_]+|0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*([.][0-9_]*)?([eE][-+]?[0-9]+)?|"
    "[.][0-9_]+([eE][-+]?[0-9]+)?|[.](inf|Inf|INF)|[0-9][0-9_]*(:[0-5]?[0-9])+([.][0-9_]*)?)|[.](nan|NaN|NAN)|"
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt ].*)?)$"
)


def opa_yaml_json(text: Any) -> str:
    """The JSON text OPA's ``yaml.unmarshal`` decodes for the YAML ``text`` (topdown/encoding.go:
    ``ghodss.YAMLToJSON``, then ``util.NewJSONDecoder`` with ``UseNumber``): its first document (go-yaml v2's
    ``unmarshal`` parses one), or null for none, read as conftest's YAML input is (``documents``, ``yaml_goyaml``),
    with each float as Go's ``encoding/json`` writes its float64 and each integer's digits. What natpolicy's reader
    refuses (anchors and aliases, merge keys, tags beyond the core ones, keys go-yaml writes as one string, deep
    nesting), what does not parse, and a negative zero (OPA keeps ``-0``, regorus holds 0) stop, with the call's
    line; the YAML itself is never echoed (it may be a value the plan marks sensitive)."""
    if not isinstance(text, str):
        raise TypeError("yaml.unmarshal: operand 1 must be string")
    try:
        documents = parse_yaml_values(text, "yaml")
    except InputError as exc:
        line = exc.source.partition(":")[2]
        raise ValueError("yaml.unmarshal of YAML natpolicy does not read (" + (f"at line {line} of the text: " if line
                         else "") + "YAML that does not parse, anchors or aliases, a merge key, a tag other than "
                         "the core ones, keys go-yaml writes as one string, or deeper than 200 levels); natpolicy "
                         "refuses it") from None
    written = go_json_dumps(documents[0] if documents else None)
    if holds_negative_zero(written):
        raise ValueError("yaml.unmarshal of YAML holding a negative zero (-0.0): OPA keeps -0, which regorus 0.13.0 "
                         "holds as 0; natpolicy refuses it")
    if holds_int64_floor_text(written):  # as an input holding it (conftest_numbers)
        raise ValueError("yaml.unmarshal of YAML holding the float -9223372036854775808.0: OPA holds Go's text of it, "
                         "-9223372036854776000, which regorus 0.13.0 would hold as -2^63; natpolicy refuses it")
    return written


def _calls(toks: list[Token]) -> Iterator[tuple[int, int]]:
    """The first token and the closing parenthesis of each ``yaml.unmarshal(...)`` call."""
    for i, tok in enumerate(toks):
        if tok.kind == "ident" and tok.text == "yaml" and (i == 0 or toks[i - 1].text != ".") \
                and i + 3 < len(toks) and toks[i + 1].text == "." and toks[i + 2].text == "unmarshal" \
                and toks[i + 3].text == "(":
            close = matching_close(toks, i + 3)
            if close is not None:
                yield i, close


def replaced_yaml_calls(source: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``yaml.unmarshal`` call, for a policy set that replaces ``yaml.unmarshal`` or
    ``json.unmarshal`` with ``with``: regorus answers the call through a ``json.unmarshal`` of natpolicy's text
    (:func:`yaml_for_regorus`), which neither replacement would reach as OPA's does."""
    toks = tokens(source)
    for i, _ in _calls(toks):
        yield toks[i].offset, (
            "yaml.unmarshal in a policy set that replaces yaml.unmarshal or json.unmarshal with `with`: natpolicy "
            "answers it as json.unmarshal of its own reading of the YAML, which such a replacement would not reach "
            "as in OPA; natpolicy refuses it on regorus 0.13.0")


def yaml_for_regorus(source: str) -> str:
    """``source`` with each ``yaml.unmarshal(X)`` call read as OPA reads it, on its lines:
    ``json.unmarshal(__natpolicy_yaml_json(X))`` (:func:`opa_yaml_json`; regorus reads the JSON text's numbers as
    it reads an input's)."""
    if "yaml" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for i, close in _calls(toks):
        edits += [(toks[i].offset, toks[i + 3].offset + 1, f"json.unmarshal({YAML_JSON_EXTENSION}("),
                  (toks[close].offset, toks[close].offset, ")")]
    return apply_edits(source, edits)
