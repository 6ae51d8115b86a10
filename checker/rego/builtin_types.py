"""Rego value types as OPA's type checker sees them, and the signatures of the builtins natpolicy checks.

A type is a set of kinds (``number``, ``string``, ...): OPA's ``any<number,
string>`` is ``{number, string}`` and plain ``any`` is every kind. An array or
set may also know its elements' type (``of``), an array its static elements
(``items``), an object its static and dynamic properties (``fields``, or
``static`` and ``rest``), an ``any<...>`` its parts (``alternatives``).
``accepts`` is OPA's ``unifies``: one shared kind, and where both sides are
held whole, their properties and elements compared as OPA compares them;
anything not held whole (``ANY``, any object) passes every check.

The signatures follow OPA's declarations (``v1/ast/builtins.go``, each
builtin's ``Decl``: its declared objects' properties and arrays' static
elements too); the optional last argument of a call (its output) is not one
of the inputs, and is unified with the result (``type_checker``).
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.records import record
from natpolicy.rego.type_keys import Key, key_kind, key_order

__all__ = ["RegoType", "Signature", "ANY", "FUNCTION", "NUMBER", "STRING", "BOOLEAN", "NULL", "ARRAY", "SET", "OBJECT",
           "SCALARS", "BUILTINS", "ARITHMETIC", "accepts", "accepts_each", "shares_kind", "union", "kind", "element_of",
           "closed_object", "open_object", "select_key", "keys_type", "uncertain", "keys_of", "values_of",
           "nested_object", "declares_object_inside"]

NUMBER, STRING, BOOLEAN, NULL = "number", "string", "boolean", "null"
ARRAY, SET, OBJECT = "array", "set", "object"
SCALARS = frozenset({NUMBER, STRING, BOOLEAN, NULL})
_COLLECTIONS = frozenset({ARRAY, SET})
_EVERY_KIND = SCALARS | _COLLECTIONS | {OBJECT}


@record(frozen=True)
class RegoType:
    kinds: frozenset[str]
    # The elements' type when every kind is an array or a set and it is known (None: any element).
    of: RegoType | None = None
    # An object literal whose keys are all constants: its keys and their values' types, sorted (OPA's static
    # properties, with no dynamic part: a ref to another constant key is an error). A key is a string, or another
    # constant (``type_keys.ConstKey``: ``{1: "a"}``).
    fields: tuple[tuple[Key, RegoType], ...] | None = None
    # An array literal's length (OPA's static elements, with no dynamic part: an index past it is an error).
    length: int | None = None
    # One collection kind that came from joining two types (``union``): OPA's ``Or`` keeps two collection
    # types apart (``any<array<number>, array<number, number>>``) unless they are the same type, which this
    # reader's coarser types cannot always tell. Such a type may be OPA's ``any``, which lets more through.
    joined: bool = False
    # An array literal's element types index by index (OPA's static elements: ``[1, "a"]`` is
    # ``array<number, string>``, so index 1 is a string). None: not known one by one.
    items: tuple[RegoType, ...] | None = None
    # A joined array or object type's parts, each unjoined (OPA's ``any<...>`` of a rule's several definitions,
    # which ``unify1`` tries one by one). None: not known.
    alternatives: tuple[RegoType, ...] | None = None
    # An object literal of one computed key beside literal string keys (``fields`` None: any key may be there): the
    # literal keys' types, sorted, and the computed key's and its value's types (OPA's static and dynamic property).
    static: tuple[tuple[Key, RegoType], ...] | None = None
    rest: tuple[RegoType, RegoType] | None = None
    # An object literal of several computed keys of different (key, value) types: OPA keeps only the one last in
    # its order of keys as its dynamic property, an order this reader does not follow, so each is a candidate, an
    # object type of the literal string keys and that one computed key (``open_object``). A check whose verdict
    # differs between them is refused as one natpolicy cannot tell; the type itself is any object.
    candidates: tuple[RegoType, ...] | None = None
    # Joined (``union``) from a type holding such candidates: what OPA makes of it is not followed at all.
    unsure: bool = False
    # An unsure type's parts, each one kind and unjoined, as ``alternatives`` would hold them (a part of several
    # candidates among them): read by ``accepts_each`` only, which tries them as OPA's ``unifiesAny`` does. None:
    # not known part by part.
    unsure_parts: tuple[RegoType, ...] | None = None

    @property
    def known(self) -> bool:
        return self.kinds != _EVERY_KIND

    def describe(self) -> str:
        if self.joined and self == FUNCTION:
            return "function"
        names = sorted(self.kinds)
        text = names[0] if len(names) == 1 else f"any<{', '.join(names)}>"
        return f"{text}[{self.of.describe()}]" if self.of is not None and self.of.known else text


ANY = RegoType(_EVERY_KIND)
# OPA's function type, where its type tree holds one below a ref head's name (``a.f(x) := ...``: a static property
# of ``a``'s object, ``type_rule_tree``): every kind, marked by ``joined`` (no other type of every kind has it), so
# it is any wherever this reader does not look for it; ``accepts`` never lets it unify (OPA's ``unifies``: a
# function unifies with a function only, and ``unifiesAny`` refuses it even against any), and a ref that reaches
# it is refused (``type_refs.look_up``).
FUNCTION = RegoType(_EVERY_KIND, joined=True)


def kind(*kinds: str, of: RegoType | None = None) -> RegoType:
    return RegoType(frozenset(kinds), of if of is not None and frozenset(kinds) <= _COLLECTIONS else None)


def closed_object(fields: dict[Key, RegoType]) -> RegoType:
    """An object literal with these constant keys and nothing else; ``{}`` is OPA's ``object[any: any]``
    (``TypeEnv.Get`` of an empty ``Object``, ``v1/ast/typeenv.go``), which ``mergeTypes`` merges with another."""
    return RegoType(frozenset({OBJECT}), fields=tuple(sorted(fields.items(), key=key_order))) if fields else \
        RegoType(frozenset({OBJECT}), static=(), rest=(ANY, ANY))


def open_object(fields: dict[Key, RegoType], computed: list[tuple[RegoType, RegoType] | None]) -> RegoType:
    """An object literal with ``computed`` keys beside its literal string keys ``fields``: any key may be there.

    With one computed key (``(key type, value type)``; None for a literal key
    that is no string) OPA's type is known: the literal keys as its static
    properties, that key as its dynamic property. With more, OPA keeps the
    last in its order of keys only (``GetByValue``), an order this reader does
    not follow (it sorts the keys as rewritten by its compiler, and older
    releases kept them as written): each is a candidate (``candidates``), and
    a check is typed once per candidate, refused as unsure where they differ.
    """
    if not computed or None in computed:
        return kind(OBJECT)
    pairs = tuple(dict.fromkeys(pair for pair in computed if pair is not None))
    variants = tuple(RegoType(frozenset({OBJECT}), static=tuple(sorted(fields.items(), key=key_order)), rest=pair)
                     for pair in pairs)
    # Several: which one OPA keeps is not followed, each is a candidate (``RegoType.candidates``).
    return variants[0] if len(variants) == 1 else RegoType(frozenset({OBJECT}), candidates=variants)


def nested_object(keys: list[RegoType], value: RegoType) -> RegoType:
    """OPA's type of ref head rules at their names (``o.a[k].b := v`` at ``data.p.o.a``): an object of one
    computed key per key from the variable on, each of that key's type, holding ``value`` (``nestedObject``)."""
    for key in reversed(keys):
        value = RegoType(frozenset({OBJECT}), static=(), rest=(key, value))
    return value


def uncertain(value: RegoType) -> bool:
    """Does ``value`` hold an object type this reader does not follow (``candidates``, or joined from one)?"""
    return value.candidates is not None or value.unsure


def select_key(value: RegoType, key: Key) -> RegoType | None:
    """The type under the constant ``key`` of an ``open_object`` with one computed key, as OPA's
    ``Object.Select``: the static property, else the computed key's value where that key may be of its kind."""
    static = dict(value.static or ())
    if key in static:
        return static[key]
    return value.rest[1] if value.rest is not None and key_kind(key) in value.rest[0].kinds else None


def keys_type(keys: list[Key]) -> RegoType:
    """OPA's ``Or`` of the types of an object type's static keys (``TypeOf`` each key's JSON value)."""
    return RegoType(frozenset(key_kind(key) for key in keys))


def _scalar_parts(part: RegoType) -> tuple[RegoType, ...]:
    """A type of several kinds as the one-kind types OPA's ``any<...>`` holds (``Any.Merge`` flattens them): each
    scalar, and each collection with the element type the part holds (a builtin's ``any<array[any], set[any]>``
    result beside an object literal is held part by part). Any is kept whole (OPA's ``Or`` with any is any)."""
    if len(part.kinds) > 1 and part.kinds != _EVERY_KIND and not part.joined and not uncertain(part):
        return tuple(kind(one, of=part.of) for one in sorted(part.kinds))
    return (part,)


def union(a: RegoType, b: RegoType) -> RegoType:
    """Either type. As OPA's ``Or``: a key of either object, or an index of either array, may be looked up."""
    kinds = a.kinds | b.kinds
    of = union(a.of, b.of) if a.of is not None and b.of is not None and kinds <= _COLLECTIONS else None
    fields = None
    if a.fields is not None and b.fields is not None and kinds == {OBJECT}:
        merged = dict(a.fields)
        for key, value in b.fields:
            merged[key] = union(merged[key], value) if key in merged else value
        fields = tuple(sorted(merged.items(), key=key_order))
    length = max(a.length, b.length) if a.length is not None and b.length is not None and kinds == {ARRAY} \
        else None
    parts = tuple(single for part in (*(a.alternatives or a.unsure_parts or (a,)),
                                      *(b.alternatives or b.unsure_parts or (b,)))
                  for single in _scalar_parts(part))
    # OPA's Or keeps each part apart (any<array<number>, set[string], string>): an array or object with another of
    # its kind, or beside sets and scalars, each part one kind (a type of several kinds here may be no single type
    # of OPA's, but for scalars: OPA's Or of scalars is the any<...> of each, which it flattens into the others).
    alternatives = tuple(dict.fromkeys(parts)) if all(len(part.kinds) == 1 and not part.joined for part in parts) \
        and kinds & {ARRAY, OBJECT} and kinds != _EVERY_KIND else None
    unsure = uncertain(a) or uncertain(b)
    return RegoType(kinds, of, fields, length, joined=len(kinds) == 1 and not kinds <= SCALARS,
                    alternatives=alternatives if not unsure else None, unsure=unsure,
                    unsure_parts=alternatives if unsure else None)


def element_of(collection: RegoType) -> RegoType:
    """The type of one element of an array or set (``ANY`` when unknown, or for an object)."""
    return collection.of if collection.of is not None else ANY


def keys_of(collection: RegoType) -> RegoType | None:
    """OPA's ``types.Keys`` of a collection this reader holds whole, or None (not known here: any).

    An array's keys are numbers, a set's its elements; an object literal's
    literal keys are strings, and a computed key (one, or an object
    comprehension's) adds its type: ``Or`` of them.
    """
    if collection.alternatives is not None and not collection.unsure:
        return _over_alternatives(collection.alternatives, keys_of)
    if collection.joined or collection.unsure or not collection.known or len(collection.kinds) != 1:
        return None
    if collection.kinds == {ARRAY}:
        return kind(NUMBER)
    if collection.kinds == {SET}:
        return collection.of
    if collection.fields is not None:
        return keys_type([key for key, _ in collection.fields])
    if collection.rest is not None:
        return union(keys_type([key for key, _ in collection.static]), collection.rest[0]) if collection.static \
            else collection.rest[0]
    return None


def values_of(collection: RegoType) -> RegoType | None:
    """OPA's ``types.Values`` of an object this reader holds whole (its literal keys' values, with its computed
    key's), or None (not known here: any). What ``some v in o`` and ``o[k]`` give (``selectRef``)."""
    if collection.alternatives is not None and not collection.unsure:
        return _over_alternatives(collection.alternatives, _values_of_one)
    if collection.kinds != {OBJECT} or collection.joined or collection.unsure or collection.candidates is not None:
        return None
    parts = [field for _, field in (collection.fields or collection.static or ())]
    parts += [collection.rest[1]] if collection.rest is not None else []
    if not parts:
        return None
    found = parts[0]
    for part in parts[1:]:
        found = union(found, part)
    return found


def _values_of_one(part: RegoType) -> RegoType | None:
    """``types.Values`` of one part of an ``any<...>``: an object's values, an array's or set's elements."""
    return values_of(part) if part.kinds == {OBJECT} else part.of


def _over_alternatives(parts: tuple[RegoType, ...], each: Callable[[RegoType], RegoType | None]) -> RegoType | None:
    """OPA's ``types.Keys`` or ``types.Values`` of an ``any<...>`` (a rule of several definitions): the ``Or`` of
    each part's, a scalar's none; None where one part's is not known here."""
    found: RegoType | None = None
    for part in parts:
        if part.kinds <= SCALARS:
            continue
        one = each(part)
        if one is None:
            return None
        found = one if found is None else union(found, one)
    return found


def accepts(expected: RegoType, value: RegoType, at_key: bool = False) -> bool:
    """Would OPA let ``value`` stand where ``expected`` is declared? (its ``unifies``, v1/ast/check.go)

    One shared kind, elements alike; an ``any<...>`` held part by part
    (``alternatives``) where any part of one unifies with any of the other
    (``unifiesAny``); an object or array held whole on both sides as
    ``unifiesObjects``/``unifiesArrays`` compare them. A type not held whole
    here passes: never stricter than OPA. A function type (``FUNCTION``) unifies with no value's type (OPA's
    ``unifies``: a function with a function only, ``unifiesAny`` refusing it even against any), but for
    ``ANY`` met directly, which is also what this reader gives a name a pattern binds there (OPA's ``unify1``:
    bound, not compared; ``{"f": y} = a`` passes, ``upper(y)`` then does not). ``at_key``: the two types
    ``unifiesObjectsStatic`` selects at one key of two objects held whole, where ANY is OPA's (a declared any, a
    value's), which a function fails (``http.send(a)``: object[string: any] selects any at ``f``).
    """
    if (value.joined and value == FUNCTION) or (expected.joined and expected == FUNCTION):
        return expected == value or (not at_key and ANY in (expected, value))
    if expected == ANY or value == ANY:
        return bool(expected.kinds & value.kinds)
    if expected.alternatives is not None and not uncertain(expected):
        return any(accepts(part, value) for part in expected.alternatives)
    if value.alternatives is not None and not uncertain(value) and expected.kinds & value.kinds:
        return any(accepts(expected, part) for part in value.alternatives)
    for shared in expected.kinds & value.kinds:
        if shared == OBJECT:
            if _objects_unify(expected, value):
                return True
        elif shared == ARRAY:
            if _arrays_unify(expected, value):
                return True
        elif shared not in _COLLECTIONS or expected.of is None or value.of is None or accepts(expected.of, value.of):
            return True
    return False


def accepts_each(expected: RegoType, value: RegoType) -> frozenset[bool]:
    """``accepts`` once per candidate of an object of several computed keys on either side (``candidates``: OPA
    keeps one of them, which this reader does not follow): one verdict where they all agree, both where its answer
    hangs on which one OPA keeps (the caller refuses as unsure). Any other type gives ``accepts``' one verdict."""
    if value.unsure_parts is not None and expected.kinds & value.kinds:
        # OPA's unifiesAny: one part that unifies is enough, whichever candidate it keeps of the others.
        each = [accepts_each(expected, part) for part in value.unsure_parts]
        return frozenset({True}) if frozenset({True}) in each else frozenset().union(*each)
    if expected.unsure_parts is not None:
        each = [accepts_each(part, value) for part in expected.unsure_parts]
        return frozenset({True}) if frozenset({True}) in each else frozenset().union(*each)
    wanted = expected.candidates or (expected,)
    given = value.candidates or (value,)
    verdicts = frozenset(accepts(one, other) for one in wanted for other in given)
    if verdicts == {True} and any(part.unsure and _declares_object(whole) for part, whole in
                                  ((value, expected), (expected, value))):
        return frozenset({True, False})  # joined from such an object, beside a declared one: not followed at all
    return verdicts


def _declares_object(value: RegoType) -> bool:
    """Does ``value`` (or a part of its ``any<...>``) declare an object's properties, which ``unifiesObjects``
    compares (a plain object, of any keys and values, unifies with every object)?"""
    return any(part.kinds == {OBJECT} and (part.fields is not None or part.rest is not None)
               for part in value.alternatives or (value,))


def declares_object_inside(value: RegoType) -> bool:
    """Does ``value`` declare an object's properties (``_declares_object``) at any depth: its own, a static or
    dynamic property's, an element's, a part's?"""
    if value.kinds == {OBJECT} and (value.fields is not None or value.rest is not None):
        return True
    inner = [part for _, part in (*(value.fields or ()), *(value.static or ()))]
    inner += [*(value.rest or ()), *(value.items or ()), *(value.alternatives or ()), *(value.unsure_parts or ()),
              *(value.candidates or ())]
    inner += [value.of] if value.of is not None else []
    return any(declares_object_inside(part) for part in inner)


def shares_kind(expected: RegoType, value: RegoType) -> bool:
    """One shared kind, elements alike (``accepts`` without its look at objects' properties and arrays' static
    elements, or at ``any<...>`` part by part): what a pattern's check (``type_patterns``) reads first, before it
    looks at indexes and keys itself to say where they never match."""
    for shared in expected.kinds & value.kinds:
        if shared not in _COLLECTIONS or expected.of is None or value.of is None or \
                shares_kind(expected.of, value.of):
            return True
    return False


_Property = tuple[RegoType, RegoType]  # an object type's dynamic property: (key type, value type)


def _object_view(value: RegoType) -> tuple[tuple[tuple[Key, RegoType], ...], _Property | None] | None:
    """(static properties, dynamic property) of an object type held whole, as OPA's ``types.Object``; None where
    it is not (joined, of several candidates, or any object)."""
    if value.joined or uncertain(value):
        return None
    if value.fields is not None:
        return value.fields, None
    if value.rest is not None:
        return value.static or (), value.rest
    return None


def _holds_function(value: RegoType) -> bool:
    return any(part.joined and part == FUNCTION for _, part in value.static or value.fields or ())


def _select(static: tuple[tuple[Key, RegoType], ...], dynamic: _Property | None, key: Key) -> RegoType | None:
    """OPA's ``Object.Select``: the static property, else the dynamic value where the key is of its key type."""
    found = dict(static).get(key)
    if found is not None:
        return found
    return dynamic[1] if dynamic is not None and key_kind(key) in dynamic[0].kinds else None


def _objects_unify(a: RegoType, b: RegoType) -> bool:
    """OPA's ``unifiesObjects``: each static key of either is selected in the other and unifies; the dynamic values
    unify where both have one (the dynamic keys are not compared). True where either is not held whole here, but
    for an object holding a function (``FUNCTION``, a static property) beside one not held whole (``count``'s
    object): whatever OPA's type of that one, it selects nothing or no function there, so
    ``unifiesObjectsStatic`` fails (``count(a)`` of ``a.f(x) := ...``)."""
    seen_a, seen_b = _object_view(a), _object_view(b)
    if seen_a is None or seen_b is None:
        return not ((seen_a is None and _holds_function(b)) or (seen_b is None and _holds_function(a)))
    (static_a, dynamic_a), (static_b, dynamic_b) = seen_a, seen_b
    for key, part in static_a:
        other = _select(static_b, dynamic_b, key)
        if other is None or not accepts(part, other, at_key=True):
            return False
    for key, part in static_b:
        other = _select(static_a, dynamic_a, key)
        if other is None or not accepts(other, part, at_key=True):
            return False
    return dynamic_a is None or dynamic_b is None or accepts(dynamic_a[1], dynamic_b[1], at_key=True)


def _array_view(value: RegoType) -> tuple[tuple[RegoType, ...], RegoType | None] | None:
    """(static elements, dynamic element) of an array type, as OPA's ``types.Array``; None where not held whole.
    An array of known length but not its elements one by one has each of its elements' joined type."""
    if value.joined or value.alternatives is not None:
        return None
    if value.items is not None:
        return value.items, None
    if value.length is not None:
        return (value.of or ANY,) * value.length, None
    return (), value.of or ANY


def _arrays_unify(a: RegoType, b: RegoType) -> bool:
    """OPA's ``unifiesArrays``: each static element of either unifies with the other's at its index (its static
    element, else its dynamic one; none: no match), and the dynamic elements where both have one."""
    seen_a, seen_b = _array_view(a), _array_view(b)
    if seen_a is None or seen_b is None:
        return True
    (static_a, dynamic_a), (static_b, dynamic_b) = seen_a, seen_b
    for index, part in enumerate(static_a):
        other = static_b[index] if index < len(static_b) else dynamic_b
        if other is None or not accepts(part, other):
            return False
    for index, part in enumerate(static_b):
        other = static_a[index] if index < len(static_a) else dynamic_a
        if other is None or not accepts(other, part):
            return False
    return dynamic_a is None or dynamic_b is None or accepts(dynamic_a, dynamic_b)


@record(frozen=True)
class Signature:
    args: tuple[RegoType, ...]
    result: RegoType


_N, _S, _B = kind(NUMBER), kind(STRING), kind(BOOLEAN)
_ARRAY, _SET, _OBJECT = kind(ARRAY), kind(SET), kind(OBJECT)
_COLLECTION = kind(ARRAY, SET)
_STRINGS = kind(ARRAY, SET, of=_S)
_NUMBERS = kind(ARRAY, SET, of=_N)


def _object(key: RegoType, value: RegoType, **static: RegoType) -> RegoType:
    """OPA's ``types.NewObject(static, NewDynamicProperty(key, value))``: these static properties, any other key of
    type ``key`` holding a ``value`` (an object of any keys and values is plain ``kind(OBJECT)``)."""
    return RegoType(frozenset({OBJECT}), static=tuple(sorted(static.items(), key=key_order)), rest=(key, value))


def _array(*items: RegoType) -> RegoType:
    """OPA's ``types.NewArray(items, nil)``: exactly these elements (``[year, month, day]``)."""
    of = items[0]
    for item in items[1:]:
        of = union(of, item)
    return RegoType(frozenset({ARRAY}), of, length=len(items), items=items)


def _any(*parts: RegoType) -> RegoType:
    """OPA's ``types.NewAny(parts...)`` of several types, each one kind: held part by part (``alternatives``), as
    ``unifies`` tries them; a literal argument is tried against each part of its kind."""
    return RegoType(frozenset().union(*(part.kinds for part in parts)), alternatives=parts)


_PREFIXES = _any(_S, kind(ARRAY, of=_S), kind(SET, of=_S))  # strings.any_prefix_match: a string, or strings


def _sig(result: RegoType, *args: RegoType) -> Signature:
    return Signature(args, result)


def _each(names: str, signature: Signature) -> dict[str, Signature]:
    return {name: signature for name in names.split()}


# Read from OPA's ``v1/ast/builtins.go`` (each ``Decl``): an ``any<...>`` of collection types part by part
# (``_any``), else as the kinds it joins; an object's declared static and dynamic properties (``_object``; of any
# keys and values: any object); an array's static elements (``_array``). Left out: ``print`` (variadic, every
# argument any, no result: nothing to type), the deprecated ones (refused by ``deprecated_builtins``),
# ``internal.*`` (the compiler's own: no policy calls them).
_OBJECTS = kind(ARRAY, of=_OBJECT)
_STRING_SET = kind(SET, of=_S)
_STRING_KEYS = _object(_S, ANY)  # object[string: any]: http.send's request, x509 certificates, ...
_TIME = _any(_N, _array(_N, _S))  # ns, or [ns, timezone]
_STRING_OR_OBJECT = kind(STRING, OBJECT)  # graphql.*, json.verify_schema, json.match_schema
_JSON_PATHS = kind(ARRAY, SET, of=kind(STRING, ARRAY))  # json.filter, json.remove: strings or arrays of segments
_CIDR_OR_LIST = kind(STRING, ARRAY)
_CIDRS = _any(_S, kind(ARRAY, of=_CIDR_OR_LIST), kind(SET, of=_CIDR_OR_LIST), _object(_S, _CIDR_OR_LIST))
_VERTICES = kind(ARRAY, SET)  # graph.reachable, graph.reachable_paths
_GRAPH = _object(ANY, _VERTICES)
_PATCH = _object(ANY, ANY, op=_S, path=ANY)  # json.patch: {"op": string, "path": any, ...}
_SCHEMA_ERROR = closed_object({"desc": _S, "error": _S, "field": _S, "type": _S})

_MORE: dict[str, Signature] = {
    **_each("bits.or bits.and bits.xor bits.lsh bits.rsh", _sig(_N, _N, _N)),
    "bits.negate": _sig(_N, _N),
    "numbers.range_step": _sig(kind(ARRAY, of=_N), _N, _N, _N),
    "rand.intn": _sig(_N, _S, _N),
    "regex.is_valid": _sig(_B, _S),
    "regex.find_all_string_submatch_n": _sig(kind(ARRAY, of=kind(ARRAY, of=_S)), _S, _S, _N),
    "regex.template_match": _sig(_B, _S, _S, _S, _S),
    "regex.find_n": _sig(kind(ARRAY, of=_S), _S, _S, _N),
    "regex.globs_match": _sig(_B, _S, _S),
    "regex.replace": _sig(_S, _S, _S, _S),
    "strings.replace_n": _sig(_S, _object(_S, _S), _S),
    "strings.render_template": _sig(_S, _S, _STRING_KEYS),
    **_each("uuid.rfc4122 glob.quote_meta base64url.encode_no_pad hex.encode hex.decode crypto.md5 crypto.sha1 "
            "crypto.sha256", _sig(_S, _S)),
    "uuid.parse": _sig(_STRING_KEYS, _S),
    **_each("json.filter json.remove", _sig(ANY, _OBJECT, _JSON_PATHS)),
    "json.patch": _sig(ANY, ANY, kind(ARRAY, of=_PATCH)),
    "object.subset": _sig(ANY, kind(OBJECT, SET, ARRAY), kind(OBJECT, SET, ARRAY)),
    "object.union": _sig(ANY, _OBJECT, _OBJECT),
    "object.union_n": _sig(ANY, _OBJECTS),
    "json.marshal_with_options": _sig(_S, ANY, _object(_S, ANY, pretty=_B, indent=_S, prefix=_S)),
    **_each("base64.is_valid net.cidr_is_valid", _sig(_B, _S)),
    "urlquery.encode_object": _sig(_S, _object(_S, _any(_S, kind(ARRAY, of=_S), kind(SET, of=_S)))),
    "urlquery.decode_object": _sig(_object(_S, kind(ARRAY, of=_S)), _S),
    "io.jwt.decode": _sig(_array(_OBJECT, _OBJECT, _S), _S),
    **_each(" ".join(f"io.jwt.verify_{alg}" for alg in ("rs256 rs384 rs512 ps256 ps384 ps512 es256 es384 es512 "
                                                       "eddsa hs256 hs384 hs512").split()), _sig(_B, _S, _S)),
    "io.jwt.decode_verify": _sig(_array(_B, _OBJECT, _OBJECT), _S, _STRING_KEYS),
    "io.jwt.encode_sign_raw": _sig(_S, _S, _S, _S),
    "io.jwt.encode_sign": _sig(_S, _STRING_KEYS, _STRING_KEYS, _STRING_KEYS),
    "time.parse_ns": _sig(_N, _S, _S),
    "time.parse_duration_ns": _sig(_N, _S),
    "time.format": _sig(_S, _any(_N, _array(_N, _S), _array(_N, _S, _S))),
    **_each("time.date time.clock", _sig(_array(_N, _N, _N), _TIME)),
    "time.weekday": _sig(_S, _TIME),
    "time.add_date": _sig(_N, _N, _N, _N, _N),
    "time.diff": _sig(_array(*(_N,) * 6), _TIME, _TIME),
    **_each("crypto.x509.parse_certificates crypto.parse_private_keys", _sig(kind(ARRAY, of=_STRING_KEYS), _S)),
    "crypto.x509.parse_and_verify_certificates": _sig(_array(_B, kind(ARRAY, of=_STRING_KEYS)), _S),
    "crypto.x509.parse_and_verify_certificates_with_options": _sig(_array(_B, kind(ARRAY, of=_STRING_KEYS)), _S,
                                                                   _STRING_KEYS),
    **_each("crypto.x509.parse_certificate_request crypto.x509.parse_rsa_private_key",
            _sig(_STRING_KEYS, _S)),
    "crypto.x509.parse_keypair": _sig(_STRING_KEYS, _S, _S),
    **_each("crypto.hmac.md5 crypto.hmac.sha1 crypto.hmac.sha256 crypto.hmac.sha512", _sig(_S, _S, _S)),
    "crypto.hmac.equal": _sig(_B, _S, _S),
    "graph.reachable": _sig(_SET, _GRAPH, _VERTICES),
    "graph.reachable_paths": _sig(kind(SET, of=_ARRAY), _GRAPH, _VERTICES),
    # A relation: each [path, value] of x (its output is typed as its result, ``checkExprBuiltin``).
    "walk": _sig(_array(_ARRAY, ANY), ANY),
    "http.send": _sig(_OBJECT, _STRING_KEYS),
    "graphql.parse": _sig(_array(_OBJECT, _OBJECT), _STRING_OR_OBJECT, _STRING_OR_OBJECT),
    "graphql.parse_and_verify": _sig(_array(_B, _OBJECT, _OBJECT), _STRING_OR_OBJECT, _STRING_OR_OBJECT),
    **_each("graphql.parse_query graphql.parse_schema", _sig(_OBJECT, _S)),
    "graphql.is_valid": _sig(_B, _STRING_OR_OBJECT, _STRING_OR_OBJECT),
    "graphql.schema_is_valid": _sig(_B, _STRING_OR_OBJECT),
    "json.verify_schema": _sig(_array(_B, kind(STRING, NULL)), _STRING_OR_OBJECT),
    "json.match_schema": _sig(_array(_B, kind(ARRAY, of=_SCHEMA_ERROR)), _STRING_OR_OBJECT, _STRING_OR_OBJECT),
    "providers.aws.sign_req": _sig(_OBJECT, _STRING_KEYS, _STRING_KEYS, _N),
    "rego.parse_module": _sig(_STRING_KEYS, _S, _S),
    "rego.metadata.chain": _sig(_ARRAY),
    "rego.metadata.rule": _sig(ANY),
    "opa.runtime": _sig(_STRING_KEYS),
    "trace": _sig(_B, _S),
    "net.cidr_intersects": _sig(_B, _S, _S),
    **_each("net.cidr_expand net.lookup_ip_addr", _sig(_STRING_SET, _S)),
    "net.cidr_contains_matches": _sig(kind(SET, of=_array(ANY, ANY)), _CIDRS, _CIDRS),
    "net.cidr_merge": _sig(_STRING_SET, kind(ARRAY, SET, of=_S)),
    "semver.is_valid": _sig(_B, ANY),
    "semver.compare": _sig(_N, _S, _S),
}

BUILTINS: dict[str, Signature] = {
    "count": _sig(_N, kind(STRING, ARRAY, SET, OBJECT)),
    **_each("sum product", _sig(_N, _NUMBERS)),
    **_each("max min", _sig(ANY, _COLLECTION)),
    "sort": _sig(_ARRAY, _COLLECTION),
    "concat": _sig(_S, _S, _STRINGS),
    "sprintf": _sig(_S, _S, _ARRAY),
    **_each("upper lower trim_space strings.reverse base64.encode base64.decode base64url.encode "
            "base64url.decode urlquery.encode urlquery.decode", _sig(_S, _S)),
    **_each("startswith endswith contains regex.match net.cidr_contains", _sig(_B, _S, _S)),
    **_each("trim trim_left trim_right trim_prefix trim_suffix", _sig(_S, _S, _S)),
    **_each("indexof strings.count", _sig(_N, _S, _S)),
    "indexof_n": _sig(kind(ARRAY, of=_N), _S, _S),
    **_each("split regex.split", _sig(kind(ARRAY, of=_S), _S, _S)),
    "replace": _sig(_S, _S, _S, _S),
    "substring": _sig(_S, _S, _N, _N),
    "format_int": _sig(_S, _N, _N),
    "to_number": _sig(_N, kind(NULL, BOOLEAN, NUMBER, STRING)),
    **_each("json.marshal yaml.marshal type_name", _sig(_S, ANY)),
    **_each("json.unmarshal yaml.unmarshal", _sig(ANY, _S)),
    **_each("json.is_valid yaml.is_valid", _sig(_B, _S)),
    **_each("units.parse units.parse_bytes time.parse_rfc3339_ns", _sig(_N, _S)),
    "time.now_ns": _sig(_N),
    "object.keys": _sig(_SET, _OBJECT),
    "object.get": _sig(ANY, _OBJECT, ANY, ANY),
    # Declared to return any (builtins.go), not an object: a check on the result is OPA's at evaluation.
    **_each("object.remove object.filter", _sig(ANY, _OBJECT, kind(ARRAY, SET, OBJECT))),
    "array.concat": _sig(_ARRAY, _ARRAY, _ARRAY),
    "array.slice": _sig(_ARRAY, _ARRAY, _N, _N),
    "array.reverse": _sig(_ARRAY, _ARRAY),
    **_each("abs round ceil floor", _sig(_N, _N)),
    "numbers.range": _sig(kind(ARRAY, of=_N), _N, _N),
    **_each("is_number is_string is_boolean is_array is_set is_object is_null", _sig(_B, ANY)),
    "glob.match": _sig(_B, _S, _any(kind(NULL), kind(ARRAY, of=_S)), _S),
    **_each("union intersection", _sig(_SET, kind(SET, of=_SET))),
    **_each("strings.any_prefix_match strings.any_suffix_match", _sig(_B, _PREFIXES, _PREFIXES)),
    "set": _sig(_SET),
    **_MORE,
}

# Infix operators and the builtin each stands for: + * / % take numbers; - numbers or sets; | & sets.
ARITHMETIC: dict[str, Signature] = {
    **_each("+ * / %", _sig(_N, _N, _N)),
    "-": _sig(kind(NUMBER, SET), kind(NUMBER, SET), kind(NUMBER, SET)),
    **_each("| &", _sig(_SET, _SET, _SET)),
}

# The operators by their builtins' own names, which a policy may call too (``mul(1, "a")`` is refused as ``1 *
# "a"`` is); ``eq`` (``=``) and ``assign`` (``:=``) are not calls to OPA's checker (``checkExprEq``), and
# ``internal.member_2``/``_3`` (``in``) take any, as ``in`` is typed already.
BUILTINS.update({name: ARITHMETIC[op] for name, op in (("plus", "+"), ("minus", "-"), ("mul", "*"), ("div", "/"),
                                                       ("rem", "%"), ("or", "|"), ("and", "&"))})
BUILTINS.update(_each("gt gte lt lte neq equal", _sig(_B, ANY, ANY)))
