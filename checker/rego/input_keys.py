"""Which top-level keys of ``input`` a set of policies can read at all.

A 20 MB plan is mostly sections a typical policy never looks at:
``planned_values`` repeats every change's ``after``, and ``prior_state`` and
``configuration`` are as large again. Parsing the text is most of what a
one-rule policy costs the engine, so the engine is handed only the top-level
sections the policies can reach.

That is exact only when every use of ``input`` names its section: ``input.x``,
``input["x"]`` or ``input[`x`]`` (and ``import input.x``). Any other use can
observe the whole document (``input[k]``, ``object.keys(input)``,
``walk(input)``, ``x := input``, ``with input as``, ``import input``), and then
the answer is ``None``: the engine gets every section, as before. The reading
is token-based and errs the same way: anything it does not recognise keeps the
whole input.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from natpolicy.rego.source import Token, tokens

__all__ = ["readable_input_keys"]


def readable_input_keys(sources: Iterable[str]) -> frozenset[str] | None:
    """The top-level ``input`` keys the modules can read, or ``None`` if they may read any (or all) of it."""
    keys: set[str] = set()
    for source in sources:
        toks = tokens(source)
        if any(tok.kind == "other" and tok.text == "$" for tok in toks):
            # A template string (`$"{input}"`) would hide a use inside a string token: assume the worst.
            return None
        for i, tok in enumerate(toks):
            if tok.kind != "ident" or tok.text != "input" or (i > 0 and toks[i - 1].text == "."):
                continue  # not the root document: `x.input` is a field named "input"
            key = _named_key(toks, i + 1)
            if key is None:
                return None
            keys.add(key)
    return frozenset(keys)


def _named_key(toks: list[Token], i: int) -> str | None:
    """The key that ``input`` is indexed with at ``toks[i]``, when it is a constant; else ``None``."""
    if i + 1 < len(toks) and toks[i].text == "." and toks[i + 1].kind == "ident":
        return toks[i + 1].text
    if i + 2 < len(toks) and toks[i].text == "[" and toks[i + 2].text == "]":
        literal = toks[i + 1]
        if literal.kind == "raw":
            return literal.text[1:-1]
        if literal.kind == "string":
            try:
                key = json.loads(literal.text)
            except ValueError:
                return None
            return key if isinstance(key, str) else None
    return None
