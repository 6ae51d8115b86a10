"""Why OPA refuses ``a = b`` whose two sides never match: its type checker's match error, or its unsafe variable.

OPA's type checker unifies the two sides of ``=`` (``checkExprEq`` and
``unify2`` in OPA's ``v1/ast/check.go``): two typed sides whose types never
unify, an array of 1 element against one of 2 among them (an array literal
has static elements and no dynamic part, so ``unifiesArrays`` finds no
element at index 1), are a match error. A side holding a name OPA has not
typed yet is unified with the other side's type structurally
(``unify1``), and that fails on the same structure: ``[x] = [1, 2]`` for an
argument ``x`` of a function is a match error too. This reader types such a
name as any, which unifies with everything: a mismatch it finds holds
whatever type the name has, so OPA refuses it too.

A name that nothing has bound before the statement is bound by it only where
OPA's safety check can unify it with something (``Unify`` in OPA's
``v1/ast/unify.go``): not at index 0 of ``[x] = [1, 2]``, whose lengths
differ. Such a name is then unsafe (``var x is unsafe``), and OPA refuses the
module before typing it; when the name is bound, the statement is typed and
is a match error. ``unbound_after`` says which case it is, or None where this
reader does not follow OPA's safety check (a name in a ref, a call or a
comprehension). Two unbound names unified with each other are bound together
once either is; where neither is and no other statement mentions them
(``[x, "a"] = [y, "a"]``), they are unsafe even though the sides may match.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from natpolicy.rego.builtin_types import ARRAY, OBJECT, RegoType, element_of, select_key, shares_kind
from natpolicy.rego.type_env import REFUSED, UNFOLLOWED, UNSURE, with_article
from natpolicy.rego.type_keys import node_key
from natpolicy.rego.type_literals import object_mismatch, union_pattern_types
from natpolicy.rego.type_parameters import statement_names
from natpolicy.rego.type_syntax import Node, Statement

__all__ = ["equality_problem", "never_unify", "pattern_types", "typed_pattern", "unbound_after"]


def equality_problem(target: Node, value: Node, type_of: Callable[[Node], RegoType], unbound: Sequence[str],
                     body: Sequence[Statement], written: str, text: Callable[[Node], str]) -> str | None:
    """Why OPA refuses ``target = value`` (``written``: ``=``, ``==`` or ``:=``), or None when it may not.

    ``type_of``: a node's type, a name in ``unbound`` (bound by no statement
    before) typed any; ``body``: the top-level statements of the rule body
    the statement is in. Two sides of kinds that never meet, two array
    literals of different lengths (``never_unify``; two array literals of one
    length index by index, as OPA unifies them), or an object literal and an
    object of known keys (``type_literals.object_mismatch``).
    """
    said = f"`{text(target)} {written} {text(value)}`"
    mismatch = _never_match(target, value, type_of)
    # A name placed twice (not in `:=`, where OPA may refuse declaring it twice otherwise; nor in `==`, which binds
    # nothing): typed at its first place, it never unifies with the second.
    clash = _placed(target, value, frozenset(unbound), type_of)[1] if mismatch is None and written == "=" else []
    if clash:
        said += f" makes {clash[0][0]} and then unifies it with {clash[0][1]}, which never match"
    elif mismatch is not None:
        said += f" unifies {mismatch[0]} with {mismatch[1]}, which never match"
    else:
        types = type_of(target), type_of(value)
        problem = object_mismatch(target.what == "object", types[0], value.what == "object", types[1])
        if problem is None:
            return _unsafe_only(target, value, frozenset(unbound), body, written, said)
        said += f" unifies two objects that never match, over {problem}"
    verdict = _verdict(target, value, frozenset(unbound), body, written) if unbound else ([], True)
    if verdict is None:
        # Which error is OPA's is not followed here (its order of statements, a comprehension's body, the wildcard),
        # but it refuses either way: a name the pattern cannot bind is unsafe, and once every name is bound the
        # two sides are typed and never match, whatever types the names have.
        return f"type error: {said} (OPA: match error, or an unsafe variable where nothing binds a name of it); " \
               f"{REFUSED}"
    unsafe, certain = verdict
    if not unsafe:
        rewritten = " (a statement's `==` is `=` to OPA's type checker)" if written == "==" and mismatch else ""
        return f"type error: {said} (OPA: match error{rewritten}); {REFUSED}"
    if certain:
        return f"variable `{unsafe[0]}` is unsafe: {said}, so it binds nothing (OPA: var {unsafe[0]} is unsafe); " \
               f"{REFUSED}"
    return f"type error: {said} (OPA: match error, or var {unsafe[0]} is unsafe when nothing else binds it); {REFUSED}"


def _unsafe_only(target: Node, value: Node, unbound: frozenset[str], body: Sequence[Statement], written: str,
                 said: str) -> str | None:
    """OPA's unsafe variable for an ``=`` that may match but binds a name to nothing bound: two unbound names
    unified only with each other (``[x, "a"] = [y, "a"]``), where no other statement mentions them."""
    verdict = _verdict(target, value, unbound, body, written) if written == "=" and unbound else None
    if verdict is None or not verdict[0]:
        return None
    name = verdict[0][0]
    if not verdict[1]:
        # A later statement mentions it: OPA runs this one after that, and accepts it where that binds it.
        index = next(n for n, statement in enumerate(body) if _holds(statement, target))
        later = [_binds(statement, frozenset(verdict[0])) for statement in body[index + 1:]
                 if statement_names(statement) & set(verdict[0])]
        if any(later):
            return None
        if None in later:
            return f"{UNFOLLOWED} {said}: it binds `{name}` only to names nothing binds before it, and whether " \
                   f"a later statement binds `{name}` (OPA then runs this one after it) is not followed here; bind " \
                   f"`{name}` before it; {UNSURE}"

    return f"variable `{name}` is unsafe: {said} binds it only to names nothing binds (OPA: var {name} is unsafe); " \
           f"{REFUSED}"


def _verdict(target: Node, value: Node, unbound: frozenset[str], body: Sequence[Statement],
             written: str) -> tuple[list[str], bool] | None:
    """(the names OPA leaves unsafe, whether that is certain), or None when OPA's verdict is unsure here.

    No name unsafe: the statement runs where it is, and its type check is a
    match error. A name left unsafe that no other statement mentions is
    OPA's unsafe variable, reported here; one a later statement mentions may
    be bound there (OPA then moves this statement after it, and it is a
    match error): either way OPA refuses at this line, unless an earlier
    statement mentions a name first. A statement ``==`` is OPA's ``equal``
    call to its safety check (it becomes ``=`` only after it), so it binds
    none of its names. A statement in a comprehension or under ``not``
    (whose names must be bound before) is not followed.
    """
    index = next((n for n, statement in enumerate(body) if _holds(statement, target)), None)
    if index is None or "_" in unbound or any(_hidden(side, unbound) for side in (target, value)):
        return None  # the wildcard OPA never reports; a name in a ref is bound by it
    order = [name for side in (target, value) for name in _plain_names(side) if name in unbound]
    unsafe = sorted(set(order), key=order.index) if written == "==" else unbound_after(target, value, unbound)
    if unsafe is None:
        return None
    if not unsafe:
        return [], True
    earlier = frozenset().union(*(statement_names(statement) for statement in body[:index]))
    later = frozenset().union(*(statement_names(statement) for statement in body[index + 1:]))
    if earlier & unbound:
        return None
    return unsafe, not later & set(unsafe)


def _binds(statement: Statement, names: frozenset[str]) -> bool | None:
    """May OPA's safety check bind one of ``names`` in ``statement``? False where each is only read there (an
    operand, a call's argument but its last, a ref's base, a comprehension's outer name); None when unsure."""
    if statement.what == "some":
        return bool(set().union(*(_all_names(part) for part in statement.parts[:-1])) & names) \
            or _binds_in(statement.parts[-1], names)
    if statement.what == "bind" or (statement.what == "check" and statement.parts[0].what == "infix"
                                    and statement.parts[0].text == "=="):
        sides = statement.parts if statement.what == "bind" else statement.parts[0].parts
        if any(set(_plain_names(side, keys=False)) & names for side in sides):
            return True
        found = [_binds_in(side, names) for side in sides]
        return True if any(found) else (None if None in found else False)
    if statement.what == "check":
        return _binds_in(statement.parts[0], names)
    return None


def _binds_in(node: Node, names: frozenset[str]) -> bool | None:
    if node.what in ("name", "literal", "comprehension"):
        return False  # read, or a closure, which needs its outer names bound
    if node.what == "ref":
        if any(set(_all_names(key)) & names for key in node.parts[1:]):
            return True  # a key binds a name it holds
        return _binds_in(node.parts[0], names)
    if node.what == "call" and node.parts and node.parts[-1].what == "name" and node.parts[-1].text in names:
        return None  # its last argument may be its output
    if node.what in ("call", "infix", "array", "set", "object"):
        found = [_binds_in(part, names) for part in node.parts]
        return True if any(found) else (None if None in found else False)
    return None


def _holds(statement: Statement, target: Node) -> bool:
    """Is ``target`` the left side of the top-level statement ``statement`` (``=``, ``:=`` or a ``==`` alone)?"""
    if not statement.parts:
        return False
    whole = statement.parts[0]
    if statement.what == "bind":
        return whole is target
    return statement.what == "check" and statement.start == whole.start and whole.what == "infix" \
        and whole.text == "==" and whole.parts[0] is target


def _never_match(left: Node, right: Node, type_of: Callable[[Node], RegoType]) -> tuple[str, str] | None:
    """``never_unify`` for two nodes; two array literals of one length element by element (OPA's static types)."""
    if left.what == right.what == "array" and len(left.parts) == len(right.parts):
        for n, (mine, theirs) in enumerate(zip(left.parts, right.parts, strict=True)):
            found = _never_match(mine, theirs, type_of)
            if found is not None:
                return found[0], f"{found[1]} at index {n}"
        return None
    return never_unify(type_of(left), type_of(right))


def never_unify(left: RegoType, right: RegoType) -> tuple[str, str] | None:
    """How OPA's ``unifies`` is false for two values of these types, whatever their untyped parts are; else None.

    The two types as a message says them ("an array of 1 element"). Kinds
    that never meet (also their elements'), or two array literals of
    different lengths: only an array type no ``union`` joined knows its
    length exactly, and the element type of one of 1 element is index 0's.
    """
    if not shares_kind(left, right):
        return with_article(left), with_article(right)
    for one, swap in ((left, False), (right, True)):
        if one.alternatives is not None:  # OPA's any<...>: unify1 tries each, a match error where none fits
            found = [never_unify(left, alternative) if swap else never_unify(alternative, right)
                     for alternative in one.alternatives]
            return found[0] if all(found) else None
    lengths = _lengths(left, right)
    if lengths is not None and lengths[0] != lengths[1]:
        return f"an array of {_elements(lengths[0])}", f"an array of {_elements(lengths[1])}"
    if lengths == (1, 1) and left.of is not None and right.of is not None:
        inner = never_unify(left.of, right.of)
        if inner is not None:
            return f"an array holding {inner[0]}", f"an array holding {inner[1]}"
    if lengths is not None and left.items is not None and right.items is not None:
        # OPA's unifiesArraysStatic: index by index (`xs := [1, "a"]; [x, 2] = xs`: a string at index 1).
        for n, (mine, theirs) in enumerate(zip(left.items, right.items, strict=True)):
            inner = never_unify(mine, theirs)
            if inner is not None:
                return inner[0], f"{inner[1]} at index {n}"
    return None


def _lengths(left: RegoType, right: RegoType) -> tuple[int, int] | None:
    for side in (left, right):
        if side.kinds != {ARRAY} or side.joined or side.length is None:
            return None
    assert left.length is not None and right.length is not None
    return left.length, right.length


def _elements(count: int) -> str:
    return f"{count} element{'' if count == 1 else 's'}"


def unbound_after(left: Node, right: Node, unbound: frozenset[str]) -> list[str] | None:
    """The names of ``unbound`` that OPA's safety check leaves unbound in ``left = right``, in source order.

    Every other name of the statement is bound already. Two unbound names
    unified with each other are bound together once either is (OPA's
    ``markUnknown``, then ``markSafe`` of one marks the other), or left unbound
    both. None when unsure: a name of ``unbound`` inside a ref, call, operator
    or comprehension (moved or checked otherwise), or the wildcard ``_`` (OPA
    never reports it).
    """
    if "_" in unbound or any(_hidden(side, unbound) for side in (left, right)):
        return None
    marked: set[str] = set()
    pairs: list[tuple[str, str]] = []
    if not _unify(left, right, unbound, marked, pairs):
        return None
    while any((a in marked) != (b in marked) for a, b in pairs):  # each pair bound together
        marked.update([name for pair in pairs if set(pair) & marked for name in pair])
    order = [name for side in (left, right) for name in _plain_names(side)]
    return sorted({name for name in order if name in unbound and name not in marked}, key=order.index)


def pattern_types(left: Node, right: Node, unbound: frozenset[str],
                  type_of: Callable[[Node], RegoType]) -> dict[str, RegoType]:
    """The types OPA gives the names of ``unbound`` in ``left = right``, a pattern beside a literal of its shape
    or a value of one known type (``_pair_typed``).

    OPA's safety check binds them there (``unbound_after``), so the
    statement is typed in place, the pattern untyped (nil): ``unify1`` gives
    each name the type of the element, or object value, at its place
    (``[x, y] = [1, "a"]``, or ``= xs`` holding that array: a number, a string). Empty where unsure: unbound
    names on both sides, a name twice, or shapes that differ.
    """
    found, clash = _placed(left, right, unbound, type_of)
    return found if not clash else {}


def _placed(left: Node, right: Node, unbound: frozenset[str],
            type_of: Callable[[Node], RegoType]) -> tuple[dict[str, RegoType], list[tuple[str, str]]]:
    """(each unbound name's type at its place, the two types of a name placed twice that never unify).

    Empty where OPA's safety check leaves a name unbound, or where the
    pattern and the literal beside it differ in shape (``pattern_types``).
    """
    if not unbound or unbound_after(left, right, unbound) != []:
        return {}, []
    for pattern, other in ((left, right), (right, left)):
        found: dict[str, RegoType] = {}
        clash: list[tuple[str, str]] = []
        if not set(_all_names(other)) & unbound and _pair(pattern, other, unbound, type_of, found, clash):
            return found, clash
    found, clash = {}, []
    if _pair_both(left, right, unbound, type_of, found, clash):
        return found, clash
    return {}, []


def _pair_both(left: Node, right: Node, unbound: frozenset[str], type_of: Callable[[Node], RegoType],
               found: dict[str, RegoType], clash: list[tuple[str, str]]) -> bool:
    """Two array literals, each holding unbound names (``[x, [1]] = [y, c]``, y bound): OPA's ``unify2Array``
    pairs them index by index, each pair typed as ``unify2`` types it (a name beside what is typed takes its type;
    two untyped names are both any, ``unify1(a, A)``); False where a pair is of another shape (not followed)."""
    if not (left.what == right.what == "array" and len(left.parts) == len(right.parts)):
        return False
    for mine, theirs in zip(left.parts, right.parts, strict=True):
        if not set(_all_names(theirs)) & unbound:
            done = _pair(mine, theirs, unbound, type_of, found, clash)
        elif not set(_all_names(mine)) & unbound:
            done = _pair(theirs, mine, unbound, type_of, found, clash)
        elif mine.what == theirs.what == "name":
            done = True  # both untyped: any, as unbound names are left
        else:
            done = _pair_both(mine, theirs, unbound, type_of, found, clash)
        if not done:
            return False
    return True


def _pair(pattern: Node, other: Node, unbound: frozenset[str], type_of: Callable[[Node], RegoType],
          found: dict[str, RegoType], clash: list[tuple[str, str]]) -> bool:
    """Add to ``found`` each unbound name of ``pattern`` with the type of what stands at its place in ``other``.

    A name placed again is checked against its first type, as OPA's
    ``unify1`` does once the name is typed (``[x, x] = [1, "a"]``).
    """
    if pattern.what == "name" and pattern.text in unbound:
        return _place(pattern.text, type_of(other), found, clash)
    if pattern.what == other.what == "array" and len(pattern.parts) == len(other.parts):
        return all(_pair(mine, theirs, unbound, type_of, found, clash)
                   for mine, theirs in zip(pattern.parts, other.parts, strict=True))
    if pattern.what == other.what == "object":
        keys = [node_key(key) for key in pattern.parts[::2]]
        theirs = {node_key(key): value for key, value in zip(other.parts[::2], other.parts[1::2], strict=True)}
        if None in keys or None in theirs or set(keys) != set(theirs) or len(keys) != len(theirs):
            return False
        return all(_pair(value, theirs[key], unbound, type_of, found, clash)
                   for key, value in zip(keys, pattern.parts[1::2], strict=True))
    if pattern.what in ("array", "object") and other.what in _TYPED_ONLY:
        return _pair_typed(pattern, type_of(other), unbound, found, clash)
    return not _all_names(pattern) & unbound


# What stands beside a pattern as a value known only by its type: a name, or what OPA moved into one.
_TYPED_ONLY = frozenset({"name", "ref", "call", "infix", "comprehension"})


def typed_pattern(pattern: Node, value: RegoType, names: frozenset[str]) -> dict[str, RegoType]:
    """The types OPA's ``unify1`` gives the new ``names`` of ``pattern`` beside a value of type ``value``
    (``some [x, y] in xs``: OPA's compiler unifies the pattern with ``xs[k]``, whose type is the element's);
    empty where unsure, or where a name placed twice never matches itself."""
    found: dict[str, RegoType] = {}
    clash: list[tuple[str, str]] = []
    return found if _pair_typed(pattern, value, names, found, clash) and not clash else {}


def _place(name: str, value: RegoType, found: dict[str, RegoType], clash: list[tuple[str, str]]) -> bool:
    """Type ``name`` at its place; placed again, check it there against its first type (``unify1`` of a typed
    variable: ``[x, x] = [1, "a"]`` never matches)."""
    if name in found:
        mismatch = never_unify(found[name], value)
        clash.extend([(f"`{name}` {mismatch[0]}", mismatch[1])] if mismatch is not None else [])
        return True
    found[name] = value
    return True


def _pair_typed(pattern: Node, value: RegoType, unbound: frozenset[str], found: dict[str, RegoType],
                clash: list[tuple[str, str]]) -> bool:
    """``_pair`` beside a value known only by its type (``[x, y] = xs``, ``= split(s, ",")``), as OPA's ``unify1``
    gives the untyped pattern that type: an array index by index (an array literal's static elements, else the
    elements' type), an object literal's keys one by one; a type joined from several (a rule's definitions,
    OPA's any<...>, also of several kinds) each in union mode (``type_literals.union_pattern_types``). False
    where unsure: a type of several kinds not held apart, a set, an object of keys not all known, or shapes that
    never match (OPA's match error, found by ``never_unify``)."""
    if pattern.what == "name" and pattern.text in unbound:
        return _place(pattern.text, value, found, clash)
    if not _all_names(pattern) & unbound:
        return True  # a constant or a bound name: checked by never_unify, it binds nothing
    if value.alternatives is not None and pattern.what in ("array", "object"):
        typed = union_pattern_types(pattern, value, unbound)  # tried one by one, in union mode
        return typed is not None and all(_place(name, place, found, clash) for name, place in typed.items())
    if value.joined or len(value.kinds) != 1:
        return False
    if pattern.what == "array" and value.kinds == {ARRAY}:
        if value.items is not None and len(value.items) != len(pattern.parts):
            return False
        places = value.items or (element_of(value),) * len(pattern.parts)
        return all(_pair_typed(part, place, unbound, found, clash)
                   for part, place in zip(pattern.parts, places, strict=True))
    if pattern.what == "object" and value.kinds == {OBJECT} and value.static is not None:
        # One computed key: no length to match (OPA's dynamic part), each key its static type or the computed one's.
        selected = [select_key(value, held) if (held := node_key(key)) is not None else None
                    for key in pattern.parts[::2]]
        return all(place is not None and _pair_typed(part, place, unbound, found, clash)
                   for part, place in zip(pattern.parts[1::2], selected, strict=True))
    if pattern.what == "object" and value.kinds == {OBJECT} and value.fields is not None:
        fields = dict(value.fields)
        keys = [held for key in pattern.parts[::2] if (held := node_key(key)) is not None]
        if len(keys) != len(fields) or len(keys) * 2 != len(pattern.parts) or any(key not in fields for key in keys):
            return False
        return all(_pair_typed(part, fields[key], unbound, found, clash)
                   for key, part in zip(keys, pattern.parts[1::2], strict=True))
    return False


def _hidden(node: Node, unbound: frozenset[str]) -> bool:
    """Does an unbound name sit in a ref, call, operator or comprehension of ``node``?"""
    if node.what in ("array", "set", "object"):
        return any(_hidden(part, unbound) for part in node.parts)
    if node.what in ("name", "literal"):
        return False
    return node.what == "comprehension" or bool(_all_names(node) & unbound)  # a comprehension is not followed


def _all_names(node: Node) -> set[str]:
    names = {node.text} if node.what == "name" else set()
    for part in node.parts:
        names |= _all_names(part)
    return names


def _plain_names(node: Node, keys: bool = True) -> list[str]:
    """The names of a pattern outside refs, calls and comprehensions; ``keys``: an object's keys too.

    OPA's safety check binds a pattern's names but never its object keys
    (``markAllSafe`` skips them).
    """
    if node.what == "name":
        return [node.text]
    if node.what == "object" and not keys:
        return [name for part in node.parts[1::2] for name in _plain_names(part, keys)]
    if node.what in ("array", "set", "object"):
        return [name for part in node.parts for name in _plain_names(part, keys)]
    return []


def _shape(node: Node) -> str:
    """What the term is when OPA's safety check runs: a call or operator was moved into a variable before."""
    return "var" if node.what in ("name", "call", "infix") else node.what  # literal, ref, array, set, object, opaque


def _unify(a: Node, b: Node, unbound: frozenset[str], marked: set[str], pairs: list[tuple[str, str]]) -> bool:
    """Follow OPA's ``unifier.unify(a, b)``, adding to ``marked`` the unbound names it binds; False when unsure.

    No comprehension reaches here (``_hidden``), and a ref holds no unbound name.
    """
    shape_a, shape_b = _shape(a), _shape(b)
    if "opaque" in (shape_a, shape_b):
        return False
    if shape_a == "var":
        return _unify_var(a, b, shape_b, unbound, marked, pairs)
    if shape_a == "ref":  # bound: it binds a name, or a pattern, beside it
        if shape_b == "var" and b.what == "name":
            marked.add(b.text)
        elif shape_b in ("array", "object"):
            marked.update(_plain_names(b, keys=False))
        return True
    if shape_a in ("array", "object"):
        if shape_b == "var":
            return _unify_var(b, a, shape_a, unbound, marked, pairs)
        if shape_b == "ref":
            marked.update(_plain_names(a, keys=False))
            return True
        if shape_b == shape_a == "array":
            if len(a.parts) == len(b.parts):
                return all(_unify(x, y, unbound, marked, pairs) for x, y in zip(a.parts, b.parts, strict=True))
            return True
        if shape_b == shape_a == "object":
            return _unify_objects(a, b, unbound, marked, pairs)
        return True  # a constant or a set beside it binds nothing in it
    # A constant or a set: it binds a name beside it.
    if shape_b == "var" and b.what == "name":
        marked.add(b.text)
    return True


def _unify_var(var: Node, other: Node, shape: str, unbound: frozenset[str], marked: set[str],
               pairs: list[tuple[str, str]]) -> bool:
    """``unify`` with a variable first (``var`` a name, or a call moved into one: bound)."""
    name = var.text if var.what == "name" else ""
    bound = name not in unbound or name in marked
    if shape == "var":
        other_bound = other.what != "name" or other.text not in unbound or other.text in marked
        if not bound and not other_bound:
            pairs.append((name, other.text))  # OPA's markUnknown both ways: bound together, if ever
            return True
        marked.update(n for n in (name, other.text if other.what == "name" else "") if n in unbound)
        return True
    if shape in ("array", "object"):
        if bound:
            marked.update(_plain_names(other, keys=False))
            return True
        if set(_plain_names(other, keys=False)) & (unbound - marked):
            return False
    if name in unbound:
        marked.add(name)  # a ref, constant or set beside it, all bound: it binds the name
    return True


def _unify_objects(a: Node, b: Node, unbound: frozenset[str], marked: set[str],
                   pairs: list[tuple[str, str]]) -> bool:
    pairs_a = list(zip(a.parts[::2], a.parts[1::2], strict=True))
    pairs_b = list(zip(b.parts[::2], b.parts[1::2], strict=True))
    if len(pairs_a) != len(pairs_b):
        return True
    if any(node_key(key) is None for key, _ in pairs_a + pairs_b):
        return False  # a computed key
    values_b = {node_key(key): value for key, value in pairs_b}
    for key, value in pairs_a:
        other = values_b.get(node_key(key))
        if other is not None and not _unify(value, other, unbound, marked, pairs):
            return False
    return True
