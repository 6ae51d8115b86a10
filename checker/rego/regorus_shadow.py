"""A comprehension's own variable (``some n in``, ``n :=``, ``[n, _] :=``) named like one of the rule around it: a
name of its own, on both engines.

OPA gives each comprehension body a scope of its own (``comprehension_scopes``), so in

    x := [[k, y] | some k, v in input.xs; some y in {v | some v in ["q"]}]

the set comprehension declares a new ``v`` and answers ``{"q"}`` for every
``k``. regorus 0.13.0 refuses the module ("var `v` used before definition
below", measured) wherever an enclosing body or a function argument named ``v``
before the comprehension; regopy 1.5.2 binds the outer ``v`` where a body around
it bound one, for ``v :=`` and ``[v, _] :=`` too (``regopy_shadow``).

:func:`rename_comprehension_shadows` gives such a comprehension's own variable a
name of its own (``__natpolicy_v_c<token>``) at each of its places inside the
comprehension: the declaration, every use after it in the body, and the head
term (evaluated after the body). That is what OPA's compiler does itself (it
renames every declared variable to a fresh ``__localN__``), so the answer is
OPA's, on both engines (``engine_regorus``, ``engine_regopy``, before their
other rewrites). Where renaming could not be exact
(``comprehension_scopes.renamable_declarations``), regorus refuses the module
itself (a ``some n in``; it answered ``n :=`` as OPA already) and ``regopy_shadow``
refuses it on regopy. A plain ``some n`` is ``regorus_some``'s. Every line keeps
its number.
"""
from __future__ import annotations

from natpolicy.rego.comprehension_scopes import renamable_declarations
from natpolicy.rego.source import tokens

__all__ = ["rename_comprehension_shadows"]


def rename_comprehension_shadows(source: str) -> str:
    """``source`` with each comprehension variable declared by ``some ... in`` that the rule also names outside
    the comprehension renamed inside it (``__natpolicy_<name>_c<token>``); ``source`` itself where there is none."""
    renamed: dict[int, str] = {}  # token index -> its new name
    for _, name, places in renamable_declarations(source):
        fresh = f"__natpolicy_{name}_c{places[0]}"
        renamed.update((k, fresh) for k in places)
    if not renamed:
        return source
    toks = tokens(source)
    out = source
    for k in sorted(renamed, reverse=True):
        tok = toks[k]
        out = out[:tok.offset] + renamed[k] + out[tok.offset + len(tok.text):]
    return out
