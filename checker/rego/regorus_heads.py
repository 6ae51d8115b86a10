"""Work around regorus' all-or-nothing partial-rule heads, by moving what a head computes into the body.

regorus 0.13.0 returns *no result at all* from a partial rule when the
expression in its head is undefined for one element
(``deny contains sprintf("%s", [r.tags.owner]) if { some r in input.rs }``
with one resource untagged), where OPA drops only that element. In a
security gate that lets one crafted resource hide every finding. Binding the
expression in the body is exact in OPA and in regorus, so the regorus engine
compiles each module after this rewrite:

    deny contains EXPR if { BODY }      ->  deny contains __natpolicy_head if { __natpolicy_head := (EXPR); BODY }
    deny contains EXPR if COND          ->  deny contains __natpolicy_head if { __natpolicy_head := (EXPR); COND }
    obj[KEY] := VALUE if { BODY }       ->  obj[__natpolicy_key] := __natpolicy_value if { ...both bound...; BODY }

Only heads that compute (a call or a reference) are rewritten; the rewrite
stays on the head's lines, so every other line keeps its number for error
messages. Rego orders a body's statements by what they bind, so the binding
may come first. ``tests/test_rego_conformance.py`` holds the probes.
"""
from __future__ import annotations

from natpolicy.rego.source import Token, matching_close, starts_line, tokens

__all__ = ["bind_heads", "HEAD", "KEY", "VALUE"]

HEAD, KEY, VALUE = "__natpolicy_head", "__natpolicy_key", "__natpolicy_value"


def bind_heads(source: str) -> str:
    """``source`` with every computing partial-rule head bound in its body instead."""
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), character offsets
    for i, tok in enumerate(toks):
        if tok.depth != 0 or tok.kind != "ident" or i + 1 >= len(toks) or not starts_line(source, tok):
            continue
        nxt = toks[i + 1]
        if nxt.text == "contains":
            term_end = _until_body(toks, i + 2)
            if term_end is None or not _computes(toks[i + 2:term_end]):
                continue
            term = _text(source, toks, i + 2, term_end)
            edits.append((toks[i + 2].offset, _end(toks[term_end - 1]), HEAD))
            edits.extend(_bind(source, toks, term_end, [(HEAD, term)]))
        elif nxt.text == "[":
            close = matching_close(toks, i + 1)
            if close is None or close + 1 >= len(toks):
                continue
            bindings: list[tuple[str, str]] = []
            key_toks = toks[i + 2:close]
            if _computes(key_toks):
                bindings.append((KEY, _text(source, toks, i + 2, close)))
                edits.append((toks[i + 2].offset, _end(toks[close - 1]), KEY))
            body_at = close + 1
            if toks[close + 1].text in (":=", "="):
                value_end = _until_body(toks, close + 2)
                if value_end is None:
                    continue
                if _computes(toks[close + 2:value_end]):
                    bindings.append((VALUE, _text(source, toks, close + 2, value_end)))
                    edits.append((toks[close + 2].offset, _end(toks[value_end - 1]), VALUE))
                body_at = value_end
            elif toks[body_at].text not in ("if", "{"):
                continue
            if bindings:
                edits.extend(_bind(source, toks, body_at, bindings))
    out = source
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _until_body(toks: list[Token], start: int) -> int | None:
    """Index of the depth-0 ``if`` (or v0 body ``{``) that ends a head term starting at ``start``."""
    j = start
    while j < len(toks):
        t = toks[j]
        if t.depth == 0 and j > start and (t.text == "if" or (t.text == "{" and toks[j - 1].depth == 0
                                                                 and toks[j - 1].text not in (",", ":=", "="))):
            return j
        if t.depth == 0 and j > start and t.kind == "ident" and toks[j - 1].text not in (".", ",", ":=", "=") \
                and toks[j - 1].depth == 0 and toks[j - 1].kind in ("ident", "string", "number") \
                and toks[j - 1].text not in ("contains", "not"):
            return None  # two terms in a row: the next statement, a head without a body
        j += 1
    return None


def _bind(source: str, toks: list[Token], at: int, bindings: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Edits binding each (name, term) at the start of the body that begins at token ``at``."""
    bound = "; ".join(f"{name} := ({term})" for name, term in bindings)
    if toks[at].text == "{":
        return [(_end(toks[at]), _end(toks[at]), f"{bound}; ")]
    if at + 1 < len(toks) and toks[at + 1].text == "{":  # `if {`
        return [(_end(toks[at + 1]), _end(toks[at + 1]), f"{bound}; ")]
    # `if COND`: the condition runs to the end of the statement (the next line starting at depth 0).
    j = at + 1
    while j + 1 < len(toks) and not (toks[j + 1].depth == 0 and starts_line(source, toks[j + 1])
                                     and toks[j].depth == 0 and toks[j].text not in (",", "(", "[", "{")):
        j += 1
    return [(_end(toks[at]), _end(toks[at]), f" {{ {bound};"), (_end(toks[j]), _end(toks[j]), " }")]


def _computes(head: list[Token]) -> bool:
    return any(head[k].kind == "ident" and head[k + 1].text in ("(", ".", "[") for k in range(len(head) - 1))


def _text(source: str, toks: list[Token], start: int, end: int) -> str:
    return source[toks[start].offset:_end(toks[end - 1])]


def _end(tok: Token) -> int:
    return tok.offset + len(tok.text)
