"""Whether OPA's type checker lets a collection literal stand as a call's argument (its ``unify1``).

A literal argument is not checked by its type as a whole: OPA unifies it with
the declared type piece by piece (``unify1`` in OPA's ``ast/check.go``).
Before that its compiler has moved every call, operator, ref (a rule's name is
one) and comprehension inside it out into a variable (``expandExprTerm``,
``rewriteDynamics``), so its elements are constants, nested literals and
variables. A declared ``any<...>`` (more than one kind) is tried kind by kind
in union mode, where a variable widens to fit and never fails (OPA issue
7273: ``a := "foo"; sum([1, a])`` passes); outside union mode a variable must
fit as it is typed. Constants must always fit, and a literal must be of a
kind the declared type has.
"""
from __future__ import annotations

from collections.abc import Callable

from natpolicy.rego.builtin_types import ANY, ARRAY, OBJECT, SET, RegoType, accepts, element_of, kind, select_key, union
from natpolicy.rego.type_env import with_article
from natpolicy.rego.type_keys import node_key, shown_key
from natpolicy.rego.type_syntax import Node

__all__ = ["LITERALS", "literal_fits", "element_type", "field_type", "object_mismatch", "union_pattern_types",
           "Unfollowed"]

LITERALS = {"array": ARRAY, "set": SET, "object": OBJECT}


def literal_fits(node: Node, expected: RegoType, type_of: Callable[[Node], RegoType], union: bool = False) -> bool:
    """Would OPA unify the literal (or element) ``node`` with ``expected``? ``type_of``: a node's type."""
    if expected == ANY:
        return True
    wanted = LITERALS.get(node.what)
    if wanted is None:
        if node.what == "literal":
            return accepts(expected, kind(node.text))
        return union or accepts(expected, type_of(node))  # a variable (or what was moved into one)
    if wanted not in expected.kinds:
        return False
    if expected.alternatives is not None:  # a declared any<...> held part by part: each of the literal's kind
        return any(_items_fit(node, part, type_of, True) for part in expected.alternatives if wanted in part.kinds)
    if len(expected.kinds) > 1:  # OPA's any<...>: the alternative of the literal's kind, in union mode
        alternative = kind(wanted, of=expected.of)
        return _items_fit(node, RegoType(alternative.kinds, alternative.of, expected.fields if wanted == OBJECT
                                         else None), type_of, True)
    return _items_fit(node, expected, type_of, union)


def _items_fit(node: Node, expected: RegoType, type_of: Callable[[Node], RegoType], union: bool) -> bool:
    if node.what == "object":
        if expected.static is not None:  # one computed key: each literal string key as Object.Select finds it
            for key, value in zip(node.parts[::2], node.parts[1::2], strict=True):
                held = node_key(key)
                child = select_key(expected, held) if held is not None \
                    else ANY  # a computed key's value is unified with any
                if child is None or not literal_fits(value, child, type_of, union):
                    return False
            return True
        if expected.fields is None:
            return True  # an object of any keys: every value is unified with any
        fields = dict(expected.fields)
        pairs = list(zip(node.parts[::2], node.parts[1::2], strict=True))
        if len(pairs) != len(fields):
            return False
        for key, value in pairs:
            held = node_key(key)
            if held is None:
                continue  # a computed key: its value is unified with any
            child = fields.get(held)
            if child is None or not literal_fits(value, child, type_of, union):
                return False
        return True
    if node.what == "array" and expected.length is not None and len(node.parts) != expected.length:
        return False
    if node.what == "array" and expected.items is not None:  # static elements: each at its index (Select(i))
        return all(literal_fits(part, item, type_of, union) for part, item in zip(node.parts, expected.items,
                                                                                 strict=True))
    element = element_of(expected)
    return all(literal_fits(part, element, type_of, union) for part in node.parts)


def element_type(node: Node, name: str, expected: RegoType, untyped: frozenset[str] = frozenset(),
                 type_of: Callable[[Node], RegoType] | None = None) -> tuple[RegoType, bool] | None:
    """(the type OPA's ``unify1`` gives ``name``, untyped till now, as an element of the literal ``node``; union mode).

    ``node`` is an array or set literal passed where ``expected`` is declared
    (``concat(",", [x])``: an array of strings, so ``x`` is a string). In
    union mode (a declared ``any<...>``, or ``any``) OPA puts ``Or(old,
    element)`` on the variable, which is the element type for an untyped one
    and widens a typed one (its issue 7273); outside it, the element type, or
    a check of the type the variable has. ``untyped``: names OPA has no type
    for there (a pattern's names nothing bound before): unified before
    ``name``, they take their element's type and never stop it. With
    ``type_of`` (a node's type), a call, operator, ref or comprehension
    element is OPA's variable it was moved into first (``expandExprTerm``,
    ``rewriteDynamics``), and it, or a typed name, unified before ``name``
    must fit its element outside union mode. None when unsure: ``name`` not
    there exactly once outside such an element, an element of another form
    (or one of those without ``type_of``), an element before it that may
    stop it, or a literal of a kind ``expected`` lacks (the call is refused
    as it is).
    """
    if sum(_occurrences(node, name, moved=type_of is not None)) != 1:
        return None
    return _element_type(node, name, expected, False, untyped, type_of)


def field_type(node: Node, name: str, expected: RegoType, untyped: frozenset[str]) -> RegoType | None:
    """The type OPA's ``unify1Object`` gives ``name``, untyped till now, as a value of the object literal ``node``.

    ``node`` is a pattern beside ``=`` whose other side is of type
    ``expected``: for any (``A``) every value is unified with any in union
    mode, so ``name`` is any; for an object of known keys (OPA's static
    properties), ``name`` takes the type of its key there. None when unsure:
    ``name`` not there exactly once as the value of a literal string key, the
    other side's keys not exactly the literal's (OPA's match error, refused
    by ``type_patterns``), a joined object, one of any keys or of computed
    keys of several types (one of a single computed key, or of several of
    one type, types each key as OPA's ``Object.Select`` does,
    ``select_key``), or another value that
    could fail before ``name`` is reached (OPA stops at the first, in an
    order this reader does not follow): each must be a constant that fits or
    a name of ``untyped``.
    """
    pairs = list(zip(node.parts[::2], node.parts[1::2], strict=True))
    held = [found for key, _ in pairs if (found := node_key(key)) is not None]
    holding = [key for key, (_, value) in zip(held, pairs, strict=False)
               if value.what == "name" and value.text == name]
    if sum(_occurrences(node, name)) != 1 or len(holding) != 1 or len(held) != len(pairs):
        return None
    if expected == ANY:
        return ANY
    if expected.static is not None:  # one computed key: each key its static type or the computed one's
        selected = {key: select_key(expected, key) for key in held}
        fields = {key: child for key, child in selected.items() if child is not None}
        if len(fields) != len(selected):
            return None
    elif expected.kinds != {OBJECT} or expected.fields is None or expected.joined:
        return None
    else:
        fields = dict(expected.fields)
    if len(fields) != len(pairs) or any(key not in fields for key in held):
        return None
    for key, (_, value) in zip(held, pairs, strict=True):
        child = fields[key]
        if not (value.what == "name" and (value.text == name or value.text in untyped)) and not (
                value.what == "literal" and accepts(child, kind(value.text))):
            return None
    return fields[holding[0]]


def _occurrences(node: Node, name: str, moved: bool = False) -> list[int]:
    """Each place of ``name`` in ``node``; ``moved``: not counting those in what OPA moves out of a literal first
    (a call, operator or ref holding it there is typed before the literal, a use of its own: a ref's by OPA's
    ref checker, ``type_parameters``)."""
    if moved and node.what in ("call", "infix", "ref"):
        return []
    here = int(node.what == "name" and node.text == name)
    return [here] + [n for part in node.parts for n in _occurrences(part, name, moved)]


def _element_type(node: Node, name: str, expected: RegoType, union: bool, untyped: frozenset[str],
                  type_of: Callable[[Node], RegoType] | None) -> tuple[RegoType, bool] | None:
    moved = type_of is not None
    if expected == ANY:  # OPA's `any`: every element is unified with any, in union mode
        return (ANY, True) if _plain(node, moved) else None
    wanted = LITERALS.get(node.what)
    if wanted is None or wanted not in expected.kinds or not _plain(node, moved):
        return None
    if wanted == OBJECT:
        return _value_type(node, name, expected, union, untyped, type_of)
    if wanted == ARRAY and expected.length is not None and len(node.parts) != expected.length:
        return None  # OPA's unify1Array fails before the name is reached
    union = union or len(expected.kinds) > 1  # an any<...> is tried kind by kind, in union mode
    # An array literal's type gives each index its own element type (OPA's static elements, Select(i)).
    static = expected.items if wanted == ARRAY and expected.kinds == {ARRAY} and not expected.joined else None
    elements = static or (element_of(expected),) * len(node.parts)
    holding = [n for n, part in enumerate(node.parts) if sum(_occurrences(part, name, moved))]
    # An element OPA unifies before the name and that fails stops it there, leaving the name untyped (and the
    # statement a match error this reader does not report). A set's elements come in sorted order: all must fit.
    before = range(holding[0]) if wanted == ARRAY else range(len(node.parts))
    if not all(n in holding or (part.what == "literal" and accepts(element, kind(part.text)))
               or (part.what == "name" and part.text in untyped) or _fits(part, element, union, type_of)
               for n, part, element in ((n, node.parts[n], elements[n]) for n in before)):
        return None
    part, element = node.parts[holding[0]], elements[holding[0]]
    if part.what == "name":
        return element, union
    return _element_type(part, name, element, union, untyped, type_of)


def _value_type(node: Node, name: str, expected: RegoType, union: bool, untyped: frozenset[str],
                type_of: Callable[[Node], RegoType] | None) -> tuple[RegoType, bool] | None:
    """``_element_type`` for an object literal: the type at ``name``'s key (``unify1Object``).

    An object of any keys (every object a builtin declares, ``object[any:
    any]``) gives every value any; an object literal's type (OPA's static
    properties) the type of the key, where the literal has exactly its keys
    (else OPA's ``unify1Object`` fails, and the call is refused as it is). A
    joined type (OPA's ``any<...>`` of several objects, each tried in union
    mode) is not followed, nor a key that is no literal. OPA walks the keys
    in its own order, so every other value must fit.
    """
    if expected.joined:
        return None
    union = union or len(expected.kinds) > 1
    pairs = list(zip(node.parts[::2], node.parts[1::2], strict=True))
    held = [found for key, _ in pairs if (found := node_key(key)) is not None]
    if len(held) != len(pairs):
        return None
    fields = dict(expected.fields) if expected.fields is not None and expected.kinds == {OBJECT} else None
    if expected.static is not None and expected.kinds == {OBJECT}:  # one computed key: OPA's Object.Select
        selected = {key: select_key(expected, key) for key in held}
        if len(selected) != len(pairs) or any(child is None for child in selected.values()):
            return None  # a key it never holds: unify1Object fails, and the call is refused as it is
        fields = {key: child for key, child in selected.items() if child is not None}
    elif fields is not None and (len(fields) != len(pairs) or any(key not in fields for key in held)):
        return None
    placed = [(value, ANY if fields is None else fields[key]) for key, (_, value) in zip(held, pairs, strict=True)]
    holding = [(value, child) for value, child in placed if sum(_occurrences(value, name, type_of is not None))]
    if len(holding) != 1 or not all(
            (value, child) in holding or (value.what == "literal" and accepts(child, kind(value.text)))
            or (value.what == "name" and value.text in untyped) or _fits(value, child, union, type_of)
            for value, child in placed):
        return None
    value, child = holding[0]
    return (child, union) if value.what == "name" else _element_type(value, name, child, union, untyped, type_of)


def _fits(part: Node, element: RegoType, union: bool, type_of: Callable[[Node], RegoType] | None) -> bool:
    """Does OPA's variable for ``part`` (a typed name, or what was moved into one) unify with ``element``?"""
    return type_of is not None and part.what in _MOVED | {"name"} and (union or accepts(element, type_of(part)))


# What OPA's compiler moves out of a literal into a variable before typing it.
_MOVED = frozenset({"call", "infix", "ref", "comprehension"})


def _plain(node: Node, moved: bool) -> bool:
    """Only names, constants and nested array, set or object literals of them, an object's keys constants
    (``moved``: or what OPA moves out first)."""
    if node.what in ("name", "literal") or (moved and node.what in _MOVED):
        return True
    if node.what == "object":
        return all(key.what == "literal" for key in node.parts[::2]) and all(
            _plain(value, moved) for value in node.parts[1::2])
    return node.what in ("array", "set") and all(_plain(part, moved) for part in node.parts)


def object_mismatch(left_is_literal: bool, left: RegoType, right_is_literal: bool, right: RegoType) -> str | None:
    """Why OPA's ``unifies`` refuses ``left = right``, one an object literal, or None when it may not.

    Each side written as an object literal is checked against the other.
    """
    sides = ((left_is_literal, left, right, right_is_literal), (right_is_literal, right, left, left_is_literal))
    for is_literal, literal, other, other_is_literal in sides:
        problem = _literal_mismatch(literal, other, other_is_literal) if is_literal else None
        if problem is not None:
            return problem
    return None


def _literal_mismatch(literal: RegoType, other: RegoType, other_is_literal: bool) -> str | None:
    """Why OPA's ``unifies`` refuses an object literal against ``other``, or None when it may not.

    ``literal``: the type of an object literal written there, all its keys
    literal strings (OPA's static properties, no dynamic part: one object
    type). ``other``: an object type whose keys are all known. OPA unifies
    each static key of one side with the same key of the other, where a key
    the other lacks is nil and never unifies (``unifiesObjectsStatic``): a
    key of the literal the other side never has, or a key whose two types
    share no kind, is a match error. ``other`` may be the union of several
    objects (a rule's definitions, OPA's ``any<...>``): then a key only it
    has may be missing from one of them, so that is checked only when
    ``other_is_literal``.
    """
    if other.alternatives is not None and literal.fields is not None and literal.kinds == {OBJECT}:
        # A rule of several object values (OPA's any<...>): unify1 tries each, a match error where none fits.
        problems = [_literal_mismatch(literal, alternative, True) for alternative in other.alternatives]
        return f"{problems[0]} (it may be any of {len(problems)} objects, and none matches)" \
            if all(problems) else None
    if other.rest is not None and literal.fields is not None and literal.kinds == {OBJECT}:
        # An object of one computed key: each key of the literal as Object.Select finds it (selectConstant).
        for key, value in literal.fields:
            found = select_key(other, key)
            if found is None:
                return (f"the key {shown_key(key)}, which the other object (of one computed key of type "
                        f"{other.rest[0].describe()}) never has")
            if not accepts(value, found):
                return f"the key {shown_key(key)} as {with_article(value)} and as {with_article(found)}"
        return None
    if literal.fields is None or other.fields is None or literal.kinds != {OBJECT} or other.kinds != {OBJECT}:
        return None
    mine, theirs = dict(literal.fields), dict(other.fields)
    for key, value in literal.fields:
        if key not in theirs:
            return f"the key {shown_key(key)}, which the other object never has"
        if not accepts(value, theirs[key]):
            return f"the key {shown_key(key)} as {with_article(value)} and as {with_article(theirs[key])}"
    missing = [key for key in theirs if key not in mine] if other_is_literal else []
    return f"the key {shown_key(missing[0])}, which the other object never has" if missing else None


class Unfollowed(Exception):
    """A type OPA's checker gives where this reader cannot tell which (the reason, for the refusal's message)."""


def union_pattern_types(node: Node, expected: RegoType, names: frozenset[str]) -> dict[str, RegoType] | None:
    """The types OPA's ``unify1`` puts on ``names``, untyped, in the pattern ``node`` beside a value of type
    ``expected``, joined from several (``alternatives``: a rule of several definitions is OPA's ``any<...>``).

    Each alternative is tried in union mode, where a name takes the ``Or`` of
    its types and never fails (``[x, y] = r``, ``r`` two arrays holding a
    string at index 1: ``y`` a string); one of another kind or length, or an
    object of other keys, fails before any name is typed (OPA checks the
    length first), and an array's constant that does not fit stops it at its
    index. None where unsure: a pattern holding anything but ``names`` and
    constants, an object alternative that may fail after typing a name (OPA's
    order of keys is not followed), or none that matches (OPA's match error,
    ``type_patterns.never_unify`` and ``object_mismatch``).
    """
    if expected.alternatives is None:
        return None
    alternatives = expected.alternatives
    written = _union_placed(node, alternatives, names, False)
    if node.what == "object" and [key.constant for key in node.parts[::2]] != sorted(
            str(key.constant) for key in node.parts[::2]) and _union_placed(node, alternatives, names, True) != written:
        # OPA walks an object pattern's keys sorted in the releases whose objects iterate sorted, as written in
        # others, and stops at a key one object lacks: the two orders type the names otherwise here.
        raise Unfollowed("the keys of its object pattern are not written sorted, and OPA types its names key by key "
                         "in an order of keys that differs between its releases (sorted, or as written), stopping at "
                         "the first key one of the objects it may be lacks; write the pattern's keys sorted")
    return written


def _union_placed(node: Node, alternatives: tuple[RegoType, ...], names: frozenset[str],
                  sort_keys: bool) -> dict[str, RegoType] | None:
    found: dict[str, RegoType] = {}
    matched = False
    for alternative in alternatives:
        placed = _placed_in(node, alternative, names, sort_keys)
        if placed is None:
            return None
        matched = matched or placed[1]
        for name, value in placed[0].items():
            found[name] = union(found[name], value) if name in found else value
    return found if matched else None


def _placed_in(node: Node, alternative: RegoType, names: frozenset[str],
               sort_keys: bool) -> tuple[dict[str, RegoType], bool] | None:
    """(the types one alternative puts on ``names`` in ``node``, whether it matches), or None when unsure."""
    if alternative.joined or not alternative.known:
        return None
    places: list[tuple[Node, RegoType | None]]
    if node.what == "array" and alternative.kinds == {ARRAY}:
        if alternative.items is not None and len(alternative.items) != len(node.parts):
            return {}, False
        places = list(zip(node.parts, alternative.items or (element_of(alternative),) * len(node.parts),
                          strict=True))
    elif node.what == "object" and alternative.kinds == {OBJECT} and alternative.fields is not None:
        fields = dict(alternative.fields)
        keys = [key.constant for key in node.parts[::2]]
        if any(not isinstance(node_key(key), str) and node_key(key) is not None for key in node.parts[::2]):
            # A constant key that is no string (`{1: x}`): OPA walks the keys in its order of values (null,
            # booleans, numbers, then strings), which this walk does not follow.
            raise Unfollowed("its object pattern has a constant key that is no string, and OPA types its names key "
                             "by key in its order of keys, stopping at the first key one of the objects it may be "
                             "lacks, an order natpolicy does not follow for such keys")
        if any(key.what != "literal" or not isinstance(key.constant, str) for key in node.parts[::2]):
            return None
        if len(keys) != len(fields):
            return {}, False
        # unify1Object walks the pattern's keys in the order its object keeps them, stopping at the first it cannot
        # unify, the names before it typed: sorted in OPA releases whose objects iterate sorted, as written (as the
        # compiler rewrote them) in others (``union_pattern_types`` tries both).
        places = [(value, fields.get(str(key))) for key, value in zip(keys, node.parts[1::2], strict=True)]
        if sort_keys:
            places = [places[keys.index(key)] for key in sorted(map(str, keys))]
    elif LITERALS.get(node.what) not in alternative.kinds:
        return {}, False  # unify1 of a literal with a type of another kind
    else:
        return None
    return _walk(places, names)


def _walk(places: list[tuple[Node, RegoType | None]],
          names: frozenset[str]) -> tuple[dict[str, RegoType], bool] | None:
    """``unify1`` of a pattern's parts with their places in one order, in union mode (``_placed_in``)."""
    found: dict[str, RegoType] = {}
    for part, place in places:
        if place is None:
            return found, False  # a key this object never has: unify1Object stops there
        if part.what == "name" and part.text in names and part.text not in found:
            found[part.text] = place
        elif part.what != "literal":
            return None
        elif not accepts(place, kind(part.text)):
            # An array stops at that index, its names before it typed (an object in the order walked).
            return found, False
    return found, True
