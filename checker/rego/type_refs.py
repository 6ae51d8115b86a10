"""One step of a ref (``x.a``, ``xs[0]``) as OPA's type checker takes it: the type found, or why it is undefined.

OPA types a ref key by key (``checkRef`` in ``ast/check.go``): a key into a
scalar, a key no kind of the collection may have, a constant key an object
literal never has (its static properties, no dynamic part), or an index past
an array literal, is "undefined ref", and refuses the module.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from natpolicy.rego.builtin_types import (
    ANY,
    ARRAY,
    FUNCTION,
    NUMBER,
    OBJECT,
    SCALARS,
    SET,
    RegoType,
    accepts,
    element_of,
    keys_of,
    kind,
    select_key,
    uncertain,
    union,
    values_of,
)
from natpolicy.rego.function_arity import call_path
from natpolicy.rego.type_env import UNFOLLOWED, UNSURE, keys_listed, with_article
from natpolicy.rego.type_keys import ConstKey, Key, key_kind, shown_key
from natpolicy.rego.type_nil import NIL, values_are_nil
from natpolicy.rego.type_syntax import Node

__all__ = ["dynamic_key", "look_up", "rule_ref", "function_read", "unfollowed_object", "root_read"]


def look_up(current: RegoType, key_type: RegoType, constant: str | int | None, ref: str,
            key: str, held: Key | None = None) -> tuple[RegoType, str | None]:
    """(the type under the key, or any; what OPA refuses in that step, or None).

    ``current``: the type the ref has reached, known; ``constant``: the key's
    literal string or integer value, if any; ``ref``, ``key``: their text, for
    the message; ``held``: the key as a constant object key, if it is one
    (``type_keys.node_key``: ``o[1.5]``, ``o[true]``, ``o[[1]]`` too). A key
    that reaches a function below a ref head's name (``x.f`` of ``x := a``,
    ``a.f(x) := ...``) is refused: OPA's ``checkApply`` finds its function
    type (``GetByRef``) and refuses the ref, functions being no values.
    """
    found, problem = _look_up(current, key_type, constant, ref, key, held)
    if problem is None and found == FUNCTION:
        return ANY, (f"`{ref}` reads `{key}`, a function below a ref head's name, as a value (a function is only "
                     f"called, or replaced with `with`)")
    return found, problem


def _look_up(current: RegoType, key_type: RegoType, constant: str | int | None, ref: str,
             key: str, held: Key | None = None) -> tuple[RegoType, str | None]:
    held = held if held is not None else constant if isinstance(constant, str) else None
    if current.kinds <= SCALARS:
        return current, f"`{ref}` looks inside {with_article(current)}, which has no keys or elements"
    if uncertain(current):
        return _look_up_variants(current, key_type, constant, ref, key, held)
    parts = _parts_of(current)
    if parts is not None:
        return _look_up_parts(current, parts, key_type, constant, ref, key, held)
    if not _key_fits(current, key_type):
        return current, (f"`{ref}` looks up a key of type {key_type.describe()} (`{key}`) in "
                         f"{with_article(current)}, which has none")
    if isinstance(held, ConstKey) and held.kind in _COLLECTION_KEYS and current.kinds == {OBJECT} and (
            current.fields is not None or current.rest is not None):
        return _collection_key(current, held, ref)
    if current.fields is not None and held is not None:
        found = dict(current.fields).get(held)
        if found is None:
            return current, (f"`{ref}` looks up `{key}` in an object literal that has only the keys "
                             f"{keys_listed(current)}")
        return found, None
    if current.length is not None and isinstance(constant, int) and not 0 <= constant < current.length:
        # OPA's static elements and no dynamic part: a literal's, or a builtin's declared result (`time.date`).
        return current, (f"`{ref}` looks up index {constant} of an array of {current.length} "
                         f"element{'s' if current.length > 1 else ''} and no more (its static elements)")
    if current.items is not None and isinstance(constant, int) and not isinstance(constant, bool) \
            and 0 <= constant < len(current.items):
        return current.items[constant], None  # OPA's selectConstant: the static element at that index
    if current.static is not None and current.rest is not None and held is not None:
        found = select_key(current, held)  # an object of one computed key (OPA's Object.Select)
        if found is None:
            if not isinstance(held, str):  # e.g. a number: found only under a literal key or a computed key of its kind
                kinds = keys_of(current) or current.rest[0]
                return current, (f"`{ref}` looks up the {held.kind} {shown_key(held)} in an object whose keys are of "
                                 f"type {kinds.describe()}")
            listed = "".join(f"the key {shown_key(name)}, " for name, _ in current.static)
            what = "an object literal of " if listed else "an object (a literal's or a comprehension's) of "
            return current, (f"`{ref}` looks up `{key}` in {what}{listed}one computed key of type "
                             f"{current.rest[0].describe()}, which is never a string")
        return found, None
    if current.kinds == {SET} and held is not None and (isinstance(held, str) or held.kind not in _COLLECTION_KEYS):
        # OPA's Set.Select of a scalar constant: the set's element type where it is the key's type, the key's type
        # where that element type is an any<...> holding it (any, too), else nil (refused by _key_fits above).
        return key_type, None
    if current.kinds <= {ARRAY, SET}:
        return element_of(current), None
    if held is None and current.kinds == {OBJECT}:
        # A key that is no constant (`o[k]`): checked against the object's keys (checkRefLeaf), and its value any of
        # the object's values (selectRef: types.Values).
        keys = keys_of(current)
        if keys is not None and keys.known and key_type.known and not accepts(keys, key_type):
            return current, (f"`{ref}` looks up a key of type {key_type.describe()} (`{key}`) in an object whose keys "
                             f"are of type {keys.describe()}")
        return (NIL if values_are_nil(current) else values_of(current) or ANY), None
    return ANY, None


def _parts_of(value: RegoType) -> tuple[RegoType, ...] | None:
    """The parts of OPA's ``any<...>`` this reader holds ``value`` as, each one type, or None where it is one type
    (or any, or not followed: ``uncertain``). Its ``alternatives`` where held part by part (a rule's definitions,
    a declared ``any<...>``); else, for several kinds, one part per kind (``any<number, set[any]>``, the ``-``
    operator's result: a collection part with the element type the whole holds, an object part any object)."""
    if not value.known or uncertain(value):
        return None
    if value.alternatives is not None:
        return value.alternatives
    if len(value.kinds) < 2:
        return None
    return tuple(kind(one, of=value.of) for one in sorted(value.kinds))


def _look_up_parts(current: RegoType, parts: tuple[RegoType, ...], key_type: RegoType, constant: str | int | None,
                    ref: str, key: str, held: Key | None) -> tuple[RegoType, str | None]:
    """``look_up`` in OPA's ``any<...>`` of several types (``_parts_of``), as its ``checkRefLeaf`` takes it.

    A scalar constant key is found by ``types.Select``, which selects in each
    part and joins what it finds by ``Or``: a part that cannot be selected (a
    scalar, an object without the key, an array past its static elements)
    gives nil and drops out, and where none gives a type the ref is "undefined
    ref". Any other key (a variable, a ref, a collection) is checked against
    ``types.Keys`` of the whole, the ``Or`` of each part's (a scalar's nil), and
    the ref goes on with ``types.Values`` of the whole: every part's values
    joined, whichever part's keys the key fits.
    """
    tried = [(part, _look_up(part, key_type, constant, ref, key, held)) for part in parts]
    fits = [value for _, (value, problem) in tried if problem is None]
    unsure = next((problem for _, (_, problem) in tried if problem is not None and problem.startswith(UNFOLLOWED)),
                  None)
    if not fits:
        if unsure is not None:
            return ANY, unsure
        if current.kinds == {OBJECT}:
            return tried[0][1]  # objects only (a rule's definitions): the first one's words
        return current, (f"`{ref}` looks up `{key}` in {with_article(current)}, and none of its parts has that key "
                         f"(OPA selects a key in each part of its any<...>, a scalar's none, and finds nothing)")
    selected = held is not None and not (isinstance(held, ConstKey) and held.kind in _COLLECTION_KEYS)
    if not selected:  # types.Values of the whole: each part's, with the key read as any (no check of it)
        fits = [_look_up(part, ANY, None, ref, key, None)[0] for part in parts if not part.kinds <= SCALARS]
    if unsure is not None:
        return ANY, None  # a part this reader does not follow: what OPA joins there is not known
    if not selected and any(value == NIL for value in fits):
        # Or(nil, t) is t: a part of nil values (type_nil) drops out beside one with values, else they are nil.
        fits = [value for value in fits if value != NIL] or [NIL]
    found = fits[0]
    for value in fits[1:]:
        found = union(found, value)
    return found, None


def _look_up_variants(current: RegoType, key_type: RegoType, constant: str | int | None, ref: str,
                      key: str, held: Key | None) -> tuple[RegoType, str | None]:
    """``look_up`` in an object of several computed keys of different types: each candidate OPA may keep
    (``RegoType.candidates``) is tried, and a step whose verdict or type differs between them is one natpolicy cannot
    tell (``UNFOLLOWED``). A key that is no constant reaches OPA's ``types.Values``, which differ by candidate too."""
    outcomes: set[tuple[RegoType | None, bool]] = set()
    for variant in current.candidates or ():
        value, problem = look_up(variant, key_type, constant, ref, key, held)
        if held is None and problem is None:
            value = values_of(variant) or ANY
        outcomes.add((value if problem is None else None, problem is None))
    if current.candidates is not None and len(outcomes) == 1:
        value_or_none, fits = next(iter(outcomes))
        if not fits:
            return look_up(current.candidates[0], key_type, constant, ref, key, held)
        return value_or_none or ANY, None
    return ANY, unfollowed_object(ref)


def unfollowed_object(said: str) -> str:
    """The refusal of ``said`` (a ref, a pattern) where it meets an object of several computed keys of different
    types, whose type OPA takes from the one last in its order of keys."""
    return (f"{UNFOLLOWED} `{said}`: it reads an object literal of computed keys of several types, which OPA types "
            "by the one last in its order of keys (the keys as its compiler rewrote them, sorted), an order natpolicy "
            "does not follow; give the computed keys values of one type, or build the object another way")


# A key written as an array, set or object literal: OPA's checkRefLeaf unifies it with the object's keys.
_COLLECTION_KEYS = frozenset({ARRAY, SET, OBJECT})


def _collection_key(current: RegoType, held: ConstKey, ref: str) -> tuple[RegoType, str | None]:
    """A constant key written as a collection (``o[[1]]``, ``o[set()]``) into an object of known keys, as OPA's
    ``checkRefLeaf`` takes it: not found by ``Select`` but unified with ``types.Keys`` of the object (``unify1``:
    a literal of a kind the keys have), then typed as ``types.Values``. Its keys' types are their values' JSON
    types (``TypeOf``), so a set constant key is an array there and a set never finds it."""
    static = current.fields if current.fields is not None else current.static or ()
    kinds = {ARRAY if key_kind(key) == SET else key_kind(key) for key, _ in static}
    kinds |= set(current.rest[0].kinds) if current.rest is not None else set()
    if held.kind not in kinds:
        listed = " or ".join(sorted(kinds)) or "none"
        return current, (f"`{ref}` looks up the {held.kind} {shown_key(held)} in an object whose keys are of type "
                         f"{listed} (OPA unifies a key written as a collection with the object's key types, a set "
                         f"constant key typed as the array its JSON is)")
    return values_of(current) or ANY, None


def _key_fits(collection: RegoType, key: RegoType) -> bool:
    """Could ``key`` index some kind of ``collection``? (arrays: numbers; sets: their elements)"""
    for held in collection.kinds:
        if held == OBJECT or (held == ARRAY and NUMBER in key.kinds) or (
                held == SET and accepts(element_of(collection), key)):
            return True
    return False



def rule_ref(parts: Sequence[Node], values: Mapping[str, RegoType], package: str, imports: Mapping[str, str],
             foreign_value: Callable[[str], RegoType | None]) -> tuple[int, RegoType] | None:
    """(keys used, value) where a ref starts with a rule of a loaded package: ``data.lib.limit``, ``lib.limit``, or
    with a ref head of this package (``o.a.b := 1`` read as ``o.a.b.c``). None: typed from its first part.

    OPA types such a ref from the rule's type (its type tree holds every
    package's rules, a ref head's at its whole path: ``checkRef``, then
    ``checkRefLeaf`` past it, in ``v1/ast/check.go``); ``data`` beyond the
    rules, ``input``, and a ref head's first name alone (``o``) are any.
    """
    base, own = parts[0], f"data.{package}."
    path = "data" if base.text == "data" else imports.get(base.text)
    if path is None:  # a bare name: a rule of the package, typed from the name unless a ref head is deeper
        # A ref from it is typed from its value here, never refused as unsure as the name read alone may be
        # (`root_read`): the price of refusing `q.j` beside `q[k] := v` and `q.k := 5` is a module OPA accepts.
        found = _ref_head_below(parts, 0, base.text, values)
        if found is None:  # `a.c` where `package p.a` files `c`: OPA's tree holds it at data.p.a.c
            found = _below_package(parts, 0, f"{own}{base.text}", foreign_value)
        return found if found is not None or base.text not in values else (0, values[base.text])
    for n, key in enumerate(parts[1:], start=1):
        if key.what != "literal" or not isinstance(key.constant, str):
            return None
        path = f"{path}.{key.constant}"
        if path.startswith(own) and path.removeprefix(own) in values:
            name = path.removeprefix(own)
            return _ref_head_below(parts, n, name, values) or _below_package(parts, n, path, foreign_value) or (
                n, values[name])
        value = foreign_value(path)  # another package's rule, under this package's name too (`package p.a`)
        if value is not None:
            return n, value
    return None


def _below_package(parts: Sequence[Node], used: int, path: str,
                   foreign_value: Callable[[str], RegoType | None]) -> tuple[int, RegoType] | None:
    """(keys used, value) where the constant keys after ``parts[used]``, at ``path`` under this package, reach a
    rule another loaded package files below this one (``a.c`` of ``package p.a``'s ``c``), or None."""
    for n, key in enumerate(parts[used + 1:], start=used + 1):
        if key.what != "literal" or not isinstance(key.constant, str):
            return None
        path = f"{path}.{key.constant}"
        value = foreign_value(path)
        if value is not None:
            return n, value
    return None


def _ref_head_below(parts: Sequence[Node], used: int, name: str,
                    values: Mapping[str, RegoType]) -> tuple[int, RegoType] | None:
    """(keys used, value) of the deepest ref head rule the constant keys after ``parts[used]`` reach from ``name``,
    or past the keys of ref heads with variable keys there (``_past_dynamic_head``)."""
    found = _past_dynamic_head(parts, used, name, values)
    for n, key in enumerate(parts[used + 1:], start=used + 1):
        if key.what != "literal" or not isinstance(key.constant, str):
            break
        name = f"{name}.{key.constant}"
        if name in values:
            found = (n, values[name])
        found = _past_dynamic_head(parts, n, name, values) or found
    return found


def dynamic_key(names: str, keys: int) -> str:
    """Where the package's values hold the value of ref head rules ``names[k]...`` with ``keys`` keys from a
    variable on (``o.a[k] := 1``: ``o.a[]``); no rule's name holds brackets."""
    return names + "[]" * keys


def _past_dynamic_head(parts: Sequence[Node], used: int, name: str,
                       values: Mapping[str, RegoType]) -> tuple[int, RegoType] | None:
    """(keys used, type) where ``name`` (reached at ``parts[used]``) is where ref heads with a variable key stop
    naming (``o.a[k] := 1``): OPA types them there as objects nested once per key, each of its key's type, holding
    the rules' values (``nestedObject``), so the ref's keys past it are looked up in those (``o.a.b`` with ``k`` a
    number, ``o.a.b.c`` into a number: "undefined ref"). None where ref heads of another number of keys, or rules
    of names below, share ``name``: their types merge in ways not followed here."""
    below = [key for key in values if key.startswith(f"{name}[]") or key.startswith(f"{name}.")]
    if len(below) != 1 or not below[0].startswith(f"{name}[]"):
        return None
    return used, values[below[0]]


def function_read(node: Node, source: str, package: str, package_rules: set[str],
                  arities: Mapping[str, int]) -> str | None:
    """The ``data.`` path of a function ``node`` reads as a value (``x := f``, ``lib.f.a``), or None.

    OPA has no functions as values: its type checker refuses such a ref
    (``checkApply``, then ``checkRefLeaf``: "undefined ref"), ``with`` apart.
    """
    parts = [node] if node.what == "name" else node.parts
    if not parts or parts[0].what != "name":
        return None
    dotted = parts[0].text
    for key in [None, *parts[1:]]:
        if key is not None:
            if key.what != "literal" or not isinstance(key.constant, str):
                return None
            dotted = f"{dotted}.{key.constant}"
        path = call_path(dotted, source, package, package_rules)
        if path is not None and arities.get(path, 0) > 0:
            return path
    return None


def root_read(node: Node, values: Mapping[str, RegoType], unsure: Mapping[str, str],
              error: Callable[[Node, str], None]) -> RegoType:
    """The type of a rule name read alone (``a``), refused as unsure where OPA builds it from what this reader does
    not follow (``type_rule_tree``: a variable key or another package below a ref head's first name)."""
    if node.text in unsure:
        error(node, f"{UNFOLLOWED} `{node.text}` read alone: {unsure[node.text]}; {UNSURE}")
        return ANY
    return values.get(node.text, ANY)
