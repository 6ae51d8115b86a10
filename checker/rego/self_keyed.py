"""A name that keys a ref and is unified with what that ref reads, in one statement, while still unbound: refused
where the engine answers otherwise than OPA.

OPA's compiler reads ``some k, v in xs`` as ``v = xs[k]`` (``rewriteSomeDeclStatement``), and evaluates a
unification whose ref holds an unbound name by iterating that name, then unifying what the ref reads with the
other side, where the name is bound by then (``biunifyRef``, v1/topdown/eval.go). So ``some k, k in [0, 5, 2]``
is ``{0, 2}`` (the elements equal to their index) and ``some k, [k, a] in [[1, 2], [1, 4]]`` binds ``a`` to 4
alone. Measured on the engines (raw and through natpolicy):

* regorus 0.13.0 answered ``{0, 2, 5}`` and ``{2, 4}`` for those (the pattern's ``k`` a name of its own), and
  nothing at all for the same unification written out after a plain declaration, ``some k; k = xs[k]`` or
  ``some k; [k, a] = xs[k]`` (``k == xs[k]``, and a ``k`` bound before the statement, answer as OPA);
* regopy 1.5.2 answered ``{0, 2, 5}`` for ``some k, k in xs`` outside an array or set comprehension (inside one
  natpolicy writes it as ``some k; k = xs[k]``, which regopy answers as OPA: ``regopy_some_pairs``), and as OPA
  for a pattern holding the key and for the written-out unification.

Each such statement is refused on the engine that misreads it, with its line. Bind the value to a name of its
own and compare (``some k, v in xs; v == k``; ``some k, [j, a] in xs; j == k``).
"""
from __future__ import annotations

from collections.abc import Iterator

from natpolicy.rego.rule_scope import in_array_or_set_body, some_in_collection, starts_body_statement
from natpolicy.rego.source import Token, enclosing_openers, matching_close, tokens
from natpolicy.rego.static_checks import declared_name

__all__ = ["self_keyed_refusals"]

_ADVICE = "bind the value to a name of its own and compare it (`some k, v in xs; v == k`)"


def self_keyed_refusals(source: str, engine: str, label: str) -> Iterator[tuple[int, str]]:
    """(offset, message) of each statement of ``source`` that ``engine`` (``label``: its name and version) answers
    otherwise than OPA (the module's docstring)."""
    if "some" not in source:
        return
    toks = tokens(source)
    for i, tok in enumerate(toks):
        if tok.text != "some" or tok.kind != "ident" or i + 3 >= len(toks):
            continue
        if toks[i + 2].text == "," and toks[i + 1].kind == "ident" and toks[i + 1].text != "_":
            refused = _key_in_value(source, toks, i, engine)
            if refused:
                yield tok.offset, (f"`some {toks[i + 1].text}, ... in` whose value {refused} its key: "
                                   f"{label} answers otherwise than OPA, which reads it as `value = xs[key]`; "
                                   f"natpolicy refuses it: {_ADVICE}")
        elif engine == "regorus" and declared_name(toks, i + 1):
            for name_at in _declared(toks, i):
                at = _self_keyed_unification(source, toks, name_at)
                if at is not None:
                    name = toks[name_at].text
                    yield toks[at].offset, (f"`{name}` declared by `some` and unbound, in a ref's brackets on one "
                                            f"side of `=` and on the other: {label} answers otherwise than OPA "
                                            f"(which iterates `{name}` over the ref and then compares); natpolicy "
                                            f"refuses it: {_ADVICE}, or `{name} == ...`")


def _key_in_value(source: str, toks: list[Token], i: int, engine: str) -> str:
    """How the value of the ``some k, v in`` at ``toks[i]`` holds its key where ``engine`` misreads it, or ""."""
    span = some_in_collection(source, toks, i)
    if span is None:
        return ""
    key, value = toks[i + 1].text, toks[i + 3]
    if value.kind == "ident":
        if span[0] != i + 5 or value.text != key:
            return ""
        # regopy misreads it but inside an array or set comprehension, where regopy_some_pairs writes it out
        return "is" if engine == "regorus" or not in_array_or_set_body(toks, i) else ""
    close = matching_close(toks, i + 3) if value.text in ("[", "{") else None
    if engine != "regorus" or close is None or close != span[0] - 2:
        return ""
    return "holds" if any(t.kind == "ident" and t.text == key for t in toks[i + 4:close]) else ""


def _declared(toks: list[Token], i: int) -> Iterator[int]:
    """The token index of each name a plain ``some a, b`` at ``toks[i]`` declares."""
    j = i + 1
    while j < len(toks) and toks[j].kind == "ident":
        yield j
        if j + 2 < len(toks) and toks[j + 1].text == ",":
            j += 2
        else:
            return


def _self_keyed_unification(source: str, toks: list[Token], name_at: int) -> int | None:
    """The ``=`` of the first statement after the declaration at ``name_at`` that mentions its name, where that
    statement is a unification holding the name inside a ref's brackets on one side and anywhere on the other."""
    opener = next(enclosing_openers(toks, name_at), None)
    close = matching_close(toks, opener) if opener is not None else None
    if close is None:
        return None
    name, depth = toks[name_at].text, toks[name_at].depth
    k = name_at + 1
    while k < close:  # skip to the end of the declaration's own statement
        if toks[k].depth == depth and (toks[k].text == ";" or starts_body_statement(source, toks, k)):
            break
        k += 1
    while k < close:
        if toks[k].text == ";":
            k += 1
            continue
        end = k + 1
        while end < close and not (toks[end].depth == depth and (
                toks[end].text in (";", "|") or starts_body_statement(source, toks, end))):
            end += 1
        if any(t.kind == "ident" and t.text == name for t in toks[k:end]):
            return _unification_at(toks, k, end, name, depth)
        k = end
    return None


def _unification_at(toks: list[Token], first: int, end: int, name: str, depth: int) -> int | None:
    """The ``=`` of ``toks[first:end]`` where it is ``A = B`` with ``name`` in a ref's brackets on one side and
    anywhere on the other, else None."""
    equals = [k for k in range(first, end) if toks[k].text == "=" and toks[k].depth == depth]
    if len(equals) != 1 or any(t.text in ("not", "with") and t.kind == "ident" for t in toks[first:end]):
        return None
    eq = equals[0]
    sides = [(first, eq), (eq + 1, end)]
    for (lo, hi), (other_lo, other_hi) in (sides, sides[::-1]):
        keyed = any(toks[k].text == name and toks[k].kind == "ident" and _in_ref_bracket(toks, k, lo)
                    for k in range(lo, hi))
        if keyed and any(t.kind == "ident" and t.text == name for t in toks[other_lo:other_hi]):
            return eq
    return None


def _in_ref_bracket(toks: list[Token], k: int, lo: int) -> bool:
    """Is ``toks[k]`` inside the brackets of a ref (a ``[`` glued to a name, a ``]`` or a ``)``), within the side
    starting at ``lo``?"""
    for opener in enclosing_openers(toks, k, lo - 1):
        before = toks[opener - 1] if opener > 0 else None
        if toks[opener].text == "[" and before is not None and before.offset + len(before.text) == toks[opener].offset \
                and (before.kind == "ident" or before.text in ("]", ")")):
            return True
    return False
