"""``json.marshal`` as OPA writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped.

OPA's ``json.marshal`` and ``json.marshal_with_options`` are Go's
``encoding/json`` (``json.Marshal``/``json.MarshalIndent``, topdown/encoding.go),
which escapes those five characters inside strings (`"<b>"` becomes
`"\\u003cb\\u003e"`); regorus and regopy write them as they are (measured). A
plan's values often hold them (`&&` in user data, `&` in a URL, `<` in a
policy document), so a message built from ``json.marshal`` would differ.
Each such call is wrapped, on the same line, in a function that escapes the
five in the text the engine wrote. That is exact: JSON has no `<`, `>` or `&`
outside a string, and the escape of each holds none of the five.
``yaml.marshal`` is left alone: OPA writes JSON first and YAML from it, which
undoes the escapes.
"""
from __future__ import annotations

from natpolicy.rego.source import matching_close, tokens

__all__ = ["ESCAPE_HTML", "escape_html_in_marshals"]

ESCAPE_HTML = "__natpolicy_json_html"
_MARSHALS = frozenset({"marshal", "marshal_with_options"})
# A function without a body reads alike in Rego v0 and v1. U+2028 and U+2029 stand in the literals as themselves.
_HELPER = (f'{ESCAPE_HTML}(__natpolicy_s) := replace(replace(replace(replace(replace(__natpolicy_s, '
           '"&", "\\\\u0026"), "<", "\\\\u003c"), ">", "\\\\u003e"), "\u2028", "\\\\u2028"), "\u2029", "\\\\u2029")\n')


def escape_html_in_marshals(source: str) -> str:
    """``source`` with each ``json.marshal(...)`` and ``json.marshal_with_options(...)`` wrapped in ESCAPE_HTML."""
    if "marshal" not in source:  # the common case pays only this test
        return source
    toks = tokens(source)
    edits: list[tuple[int, str]] = []
    for i in range(len(toks) - 3):
        if toks[i].text != "json" or toks[i + 1].text != "." or toks[i + 2].text not in _MARSHALS \
                or toks[i + 3].text != "(" or (i > 0 and toks[i - 1].text == "."):
            continue
        close = matching_close(toks, i + 3)
        if close is None:
            continue
        edits += [(toks[i].offset, f"{ESCAPE_HTML}("), (toks[close].offset + 1, ")")]
    if not edits:
        return source
    out = source
    for offset, text in sorted(edits, key=lambda edit: edit[0], reverse=True):
        out = out[:offset] + text + out[offset:]
    return out + ("" if out.endswith("\n") else "\n") + _HELPER
