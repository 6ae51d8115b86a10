"""``some k, v in xs`` inside an array or set comprehension, which regopy 1.5.2 cannot parse: written as OPA reads it.

rego-cpp reads the comma of ``[k | some k, v in xs; v > 1]`` as the separator of an array literal's elements
and refuses the module ("Invalid collection", measured; an object comprehension and a rule body parse).
OPA's compiler rewrites the statement into ``v = xs[k]`` with ``k`` and ``v`` declared local
(``rewriteSomeDeclStatement``), and regopy parses that: so, on the statement's own lines,

    some k, v in input.a          ->  some k; some v; v = input.a[k]
    some k, _ in input.a          ->  some k; _ = input.a[k]
    some k, v in object.get(...)  ->  some k; some v; __natpolicy_sp41 := object.get(...); v = __natpolicy_sp41[k]

A value that is a pattern of names and scalars is unified the same way, each of its names declared (OPA declares
the output variables of ``pattern = xs[k]``, ``outputVarsForExprEq``), on the same lines:

    some k, [a, {"n": b}] in xs   ->  some k; some a; some b; [a, {"n": b}] = xs[k]

A key that is a pattern, a value pattern holding anything else (a ref, a call, a set, a variable object key), and a
collection that is no ref followed by ``with`` (the ``with`` would reach only the last statement) are left as
written: regopy refuses them, loud.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import in_array_or_set_body, some_in_collection
from natpolicy.rego.source import Token, matching_close, tokens

__all__ = ["some_pairs_for_regopy"]

_PREFIX = "__natpolicy_sp"


def some_pairs_for_regopy(source: str) -> str:
    """``source`` with each two-name ``some ... in`` of an array or set comprehension written as the module's
    docstring shows."""
    if "some" not in source or "," not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for i, tok in enumerate(toks):
        if tok.text != "some" or i + 4 >= len(toks) or toks[i + 2].text != ",":
            continue
        key, value = toks[i + 1], toks[i + 3]
        if key.kind != "ident" or not in_array_or_set_body(toks, i):
            continue
        span = some_in_collection(source, toks, i)
        if span is None:
            continue
        first, last = span
        if value.kind == "ident":
            names: list[str] | None = [value.text] if first == i + 5 else None
        else:
            names = _pattern_names(toks, i + 3, first - 2)
        if names is None:
            continue
        collection = source[toks[first].offset:toks[last].offset + len(toks[last].text)]
        ref = _is_ref(toks, first, last)
        if not ref and last + 1 < len(toks) and toks[last + 1].text == "with":
            continue
        pattern = source[value.offset:toks[first - 2].offset + len(toks[first - 2].text)].replace("\n", " ")
        declared = [f"some {name}" for name in dict.fromkeys([key.text, *names]) if name != "_"]
        if ref:
            indexed = f"{collection}[{key.text}]"
        else:
            held = f"{_PREFIX}{tok.offset}"
            declared.append(f"{held} := {collection}")
            indexed = f"{held}[{key.text}]"
        # (a line break between `some` and the collection moves after it: every later line keeps its number)
        text = "; ".join([*declared, f"{pattern} = {indexed}"]) \
            + "\n" * source.count("\n", tok.offset, toks[first].offset)
        edits.append((tok.offset, toks[last].offset + len(toks[last].text), text))
    out = source
    for start, end, text in reversed(edits):
        out = out[:start] + text + out[end:]
    return out


def _pattern_names(toks: list[Token], start: int, end: int) -> list[str] | None:
    """The names of the pattern ``toks[start..end]`` in order, or None unless it is arrays and objects of names and
    scalars, each object key a scalar (what ``pattern = xs[k]`` unifies the same way on regopy as in OPA)."""
    if toks[start].text not in ("[", "{") or matching_close(toks, start) != end:
        return None
    names: list[str] = []
    for k in range(start, end + 1):
        tok, prev, after = toks[k], toks[k - 1].text, toks[k + 1].text
        if tok.kind == "ident" and tok.text not in ("true", "false", "null"):
            if after in ("[", ".", "(", ":") or prev == ".":
                return None  # a ref, a call or a variable object key
            names.append(tok.text)
        elif tok.text == "{" and after != "}":
            close = matching_close(toks, k)
            inside = [t.text for t in toks[k + 1:close or k] if t.depth == tok.depth + 1]
            if ":" not in inside:
                return None  # a set: OPA unifies no variable inside one
        elif tok.kind not in ("string", "raw", "number") and tok.text not in ("[", "]", "{", "}", ",", ":") \
                or "\n" in tok.text:
            return None  # (a raw string over lines could not be written on the statement's one line)
    return names


def _is_ref(toks: list[Token], first: int, last: int) -> bool:
    """Is ``toks[first..last]`` a ref (``input.a``, ``r.tags[0]``, ``x``): a name, then fields and brackets?"""
    if toks[first].kind != "ident":
        return False
    k = first + 1
    while k <= last:
        if toks[k].text == "." and k + 1 <= last and toks[k + 1].kind == "ident":
            k += 2
        elif toks[k].text == "[" and toks[k].offset == toks[k - 1].offset + len(toks[k - 1].text):
            close = matching_close(toks, k)
            if close is None or close > last:
                return False
            k = close + 1
        else:
            return False
    return True
