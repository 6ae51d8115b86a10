"""``some x in xs`` over a value that is no collection: undefined on regorus, as in OPA.

OPA's compiler rewrites ``some x in xs`` into ``x = xs[_]`` and ``some k, v in
xs`` into ``v = xs[k]`` (``rewriteSomeDeclStatement``): a ref into null, a
number or a string is undefined, so the statement fails and the query goes
on. regorus 0.13.0 stops the whole query instead ("`some .. in collection`
expects array/set/object. Got `null`", measured), so ``some tag in
r.change.after.tags`` over a resource whose ``tags`` is null stopped every
rule of the policy. Each such statement's collection is handed through
``__natpolicy_iterable``, which answers it where it is an array, a set or an
object and is undefined otherwise, on its own line (only text is inserted,
so every line keeps its number). ``every`` already fails there, as in OPA,
and ``x in xs`` is a membership test, false over anything else, on both.
"""
from __future__ import annotations

from natpolicy.rego.rule_scope import some_in_collection
from natpolicy.rego.source import Token, matching_close, tokens

__all__ = ["ITERABLE", "iterables_for_regorus"]

ITERABLE = "__natpolicy_iterable"
_HELPER = {
    False: "".join(f"{ITERABLE}(__natpolicy_x) := __natpolicy_x if is_{kind}(__natpolicy_x)\n"
                   for kind in ("array", "set", "object")),
    True: "".join(f"{ITERABLE}(__natpolicy_x) = __natpolicy_x {{ is_{kind}(__natpolicy_x) }}\n"
                  for kind in ("array", "set", "object")),
}


def iterables_for_regorus(source: str, v0: bool = False) -> str:
    """``source`` with the collection of each ``some ... in`` statement wrapped (the module's docstring), and the
    helper appended once when any is; ``v0``: the module is Rego v0."""
    if "some" not in source:
        return source
    toks = tokens(source)
    spans = [span for i in range(len(toks)) if (span := _collection(source, toks, i)) is not None]
    if not spans:
        return source
    # Every opening and closing text is inserted at its own offset, the last first: one collection may hold
    # another (`some v in f([x | some x in xs])`), whose wrapping would move the outer one's end.
    inserts = sorted([(toks[first].offset, f"{ITERABLE}(") for first, _ in spans]
                     + [(toks[last].offset + len(toks[last].text), ")") for _, last in spans], reverse=True)
    out = source
    for at, text in inserts:
        out = out[:at] + text + out[at:]
    return out + ("" if out.endswith("\n") else "\n") + _HELPER[v0]


def _collection(source: str, toks: list[Token], i: int) -> tuple[int, int] | None:
    """(first, last) token of the collection of a ``some ... in`` statement starting at ``i``, unless a literal
    or a comprehension shows it is one."""
    span = some_in_collection(source, toks, i)
    if span is None or (toks[span[0]].text in ("[", "{") and matching_close(toks, span[0]) == span[1]):
        return None  # no such statement, or a literal collection or a comprehension
    return span
