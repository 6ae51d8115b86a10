"""``json.unmarshal`` of a value followed by ``null``: its first value, on regorus, as OPA answers it.

OPA's ``util.UnmarshalJSON`` (v1/util/json.go) decodes the first value of the text and then asks the decoder for
one more token, which must be none; but Go's ``Decoder.Token()`` answers nil, as for the end, for a ``null``
(whatever follows it), so OPA reads ``"[1] null"``, ``"1null"`` and ``"[1] null x"`` as the value before the
``null``, in both of its modes. regorus 0.13.0 reads the whole text and stopped there. So each call's operand is
handed through ``__natpolicy_json_first``, which gives back the text up to the ``null`` that ends its first value
where the whole text is no JSON (``json.is_valid`` is Go's on regorus: json_valid_opa), and the text itself
otherwise, so every other text reaches ``json.unmarshal`` as written, and its error is the policy's line's. The
text before a ``null`` is that first value exactly: a value that is valid JSON ends where it ends (no number,
literal or bracket goes on into ``null``), and at most one such prefix is (a longer one would hold it and more).
Only text is inserted, on the call's own line.
"""
from __future__ import annotations

from natpolicy.rego.source import matching_close, tokens, with_targets

__all__ = ["json_values_for_regorus"]

_FIRST = "__natpolicy_json_first"
_HELPER = {
    False: f"{_FIRST}(__natpolicy_x) := __natpolicy_p if {{\n"
           "  is_string(__natpolicy_x); indexof(__natpolicy_x, \"null\") >= 0; not json.is_valid(__natpolicy_x)\n"
           "  __natpolicy_ps := [__natpolicy_q | some __natpolicy_i in indexof_n(__natpolicy_x, \"null\")\n"
           "    __natpolicy_q := substring(__natpolicy_x, 0, __natpolicy_i); json.is_valid(__natpolicy_q)]\n"
           "  __natpolicy_p := __natpolicy_ps[0]\n"
           "} else := __natpolicy_x\n",
    True: f"{_FIRST}(__natpolicy_x) = __natpolicy_p {{\n"
          "  is_string(__natpolicy_x); indexof(__natpolicy_x, \"null\") >= 0; not json.is_valid(__natpolicy_x)\n"
          "  __natpolicy_ps := [__natpolicy_q | __natpolicy_i := indexof_n(__natpolicy_x, \"null\")[_]\n"
          "    __natpolicy_q := substring(__natpolicy_x, 0, __natpolicy_i); json.is_valid(__natpolicy_q)]\n"
          "  __natpolicy_p := __natpolicy_ps[0]\n"
          "} else = __natpolicy_x { true }\n",
}


def json_values_for_regorus(source: str, v0: bool = False) -> str:
    """``source`` with the operand of each ``json.unmarshal(...)`` call handed through ``__natpolicy_json_first``
    (the module's docstring), and the helper appended once where any is; a module replacing ``json.unmarshal``
    with ``with`` is left as written (its stand-in may read the text otherwise)."""
    if "json.unmarshal" not in source:
        return source
    toks = tokens(source)
    if any(name == "json.unmarshal" for _, name in with_targets(toks)):
        return source
    inserts: list[tuple[int, str]] = []
    for i in range(len(toks) - 3):
        if toks[i].text != "json" or toks[i + 1].text != "." or toks[i + 2].text != "unmarshal" \
                or toks[i + 3].text != "(" or (i > 0 and toks[i - 1].text == "."):
            continue
        close = matching_close(toks, i + 3)
        if close is None or close == i + 4:
            continue
        inserts += [(toks[i + 4].offset, f"{_FIRST}("), (toks[close].offset, ")")]
    if not inserts:
        return source
    out = source
    for at, text in sorted(inserts, reverse=True):  # (the last first: nested calls keep their offsets)
        out = out[:at] + text + out[at:]
    return out + ("" if out.endswith("\n") else "\n") + _HELPER[v0]
