"""The types ``type_check`` keeps: what a package's rules hold, and what a body's names are bound to."""
from __future__ import annotations

from typing import Protocol

from natpolicy.records import field, record
from natpolicy.rego.builtin_types import ANY, ARRAY, FUNCTION, OBJECT, SCALARS, SET, RegoType, union
from natpolicy.rego.type_keys import shown_key

__all__ = ["Calls", "Package", "Scope", "REFUSED", "UNSURE", "UNFOLLOWED", "union_all", "with_article", "kinds_of",
           "keys_listed", "one_type", "distinct_types"]

# How every refusal of `type_check` ends: the module goes, not just the rule.
REFUSED = ("OPA refuses the whole module at compile time (even when no query reaches the rule), "
           "so natpolicy does too")
# How a refusal starts, and ends, where natpolicy cannot tell whether OPA's type checker refuses the module.
UNFOLLOWED = "natpolicy cannot tell whether OPA's type checker accepts"
UNSURE = ("OPA may refuse the whole module at compile time there (even when no query reaches the rule), so "
          "natpolicy refuses it rather than answer otherwise")


@record
class Package:
    """What the package's rules hold: rule values, function results, function argument types."""

    values: dict[str, RegoType] = field(default_factory=dict)
    results: dict[str, RegoType] = field(default_factory=dict)
    # Per function, each argument's type (None: definitions of different arities, not checked).
    parameters: dict[str, tuple[RegoType, ...] | None] = field(default_factory=dict)
    # A ref head's first name whose type OPA builds from what this reader does not follow, and why
    # (``type_rule_tree``): reading it alone is refused as unsure.
    unsure: dict[str, str] = field(default_factory=dict)
    # Each rule's definitions' values one by one, in the order added (``type_rule_tree`` follows OPA's ``Insert``
    # of a ref head with a variable key only where the order they are merged in makes no difference).
    definitions: dict[str, tuple[RegoType, ...]] = field(default_factory=dict)
    # A rule below a ref head with a variable key whose type OPA's order of typing decides (``type_rule_tree``'s
    # ``order_hazards``): each type it may have, its own first. A statement reading it is typed with each.
    order_variants: dict[str, tuple[RegoType, ...]] = field(default_factory=dict)
    # Per `q[k]` name of ``definitions``, the rule each definition's value is, as OPA holds it (``type_aliases``).
    definition_aliases: dict[str, tuple[str | None, ...]] = field(default_factory=dict)
    # A rule such a value is, whose type OPA's mergeTypes may widen in place: each type it may have, its own first.
    aliased: dict[str, tuple[RegoType, ...]] = field(default_factory=dict)

    def add(self, name: str, value: RegoType, arguments: tuple[RegoType, ...] | None) -> None:
        """One more definition of a rule (``arguments`` None) or function: its types join the others'."""
        if arguments is None:
            self.values[name] = _definitions(self.values[name], value) if name in self.values else value
            self.definitions[name] = (*self.definitions.get(name, ()), value)
        else:
            self.results[name] = union(self.results[name], value) if name in self.results else value
        if arguments is not None:
            self._add_arguments(name, arguments)

    def merge(self, more: Package) -> None:
        """A rule defined several times (files, ``else``, partial definitions) has all its types together."""
        for name, value in more.values.items():
            self.values[name] = _definitions(self.values[name], value) if name in self.values else value
        for name, each in more.definitions.items():
            self.definitions[name] = (*self.definitions.get(name, ()), *each)
            # parallel to definitions: a file's definitions of `q[k]` were added with their aliases, or none
            aliases = more.definition_aliases.get(name, (None,) * len(each))
            self.definition_aliases[name] = (*self.definition_aliases.get(name, ()), *aliases)
        for name, value in more.results.items():
            self.results[name] = union(self.results[name], value) if name in self.results else value
        for name, arguments in more.parameters.items():
            self._add_arguments(name, arguments)

    def _add_arguments(self, name: str, arguments: tuple[RegoType, ...] | None) -> None:
        if name not in self.parameters:
            self.parameters[name] = arguments
            return
        known = self.parameters[name]
        self.parameters[name] = None if known is None or arguments is None or len(known) != len(arguments) \
            else tuple(union(a, b) for a, b in zip(known, arguments, strict=True))


def _definitions(known: RegoType, more: RegoType) -> RegoType:
    """The value of a rule from two of its definitions, as OPA's type environment joins them (``mergeTypes``).

    Two sets stay one set of either's elements; anything else is OPA's ``Or``
    (``union``), which keeps two collection types apart (a function's results
    are always joined by ``Or``). Two objects of no static property of a ref
    head with a variable key are merged by ``type_rule_tree``, from
    ``definitions``.
    """
    if known.kinds == more.kinds == {SET} and not known.joined and not more.joined:
        return RegoType(known.kinds, union(known.of, more.of) if known.of is not None and more.of is not None
                        else None)
    return union(known, more)


class Scope:
    """The names a body (or a comprehension, an `every` inside it) has bound, and their types."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.names: dict[str, RegoType] = {}

    def get(self, name: str) -> RegoType | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def bind(self, name: str, value: RegoType) -> None:
        if name != "_":
            self.names[name] = value


def union_all(types: list[RegoType]) -> RegoType | None:
    """Every one of ``types`` (a collection's elements), None for none."""
    if not types:
        return None
    out = types[0]
    for more in types[1:]:
        out = union(out, more)
    return out


def with_article(value: RegoType, beside: RegoType | None = None) -> str:
    """``a number``, ``an array[string]``: a type for a message. Where it would read as ``beside``, what is
    expected (``an array[object]`` where array[object<"op": string, ...>] is taken), or where it holds a function
    (why an object is refused where an object is taken), the whole type (``kinds_of``): its objects' properties,
    its static elements, each object OPA may keep."""
    whole = beside is not None and (value.describe() == beside.describe() or any(
        part == FUNCTION for _, part in value.static or ()))
    text = kinds_of(value) if whole else value.describe()
    return f"an {text}" if text[0] in "aeiou" else f"a {text}"


def kinds_of(value: RegoType) -> str:
    """``string``, ``array or set``, ``object[string: string]``, ``number or array<number, string>``: what a
    declared type takes, for a message (an object's declared properties and an array's static elements shown)."""
    if value == ANY or value == FUNCTION:
        return value.describe() if value == FUNCTION else "any"
    if value.alternatives is not None:
        return " or ".join(kinds_of(part) for part in value.alternatives)
    if value.candidates is not None:  # one of them, as OPA keeps one computed key (``open_object``)
        return " or ".join(kinds_of(part) for part in value.candidates)
    if value.kinds == {OBJECT} and value.fields is not None:
        return f"object<{', '.join(f'{shown_key(key)}: {kinds_of(part)}' for key, part in value.fields)}>"
    if len(value.kinds) == 1 and value.kinds <= {ARRAY, SET} and value.items is None and value.of is not None \
            and value.of.known:
        return f"{next(iter(value.kinds))}[{kinds_of(value.of)}]"
    if value.kinds == {OBJECT} and value.rest is not None:
        dynamic = f"{kinds_of(value.rest[0])}: {kinds_of(value.rest[1])}"
        static = ", ".join(f"{shown_key(key)}: {kinds_of(part)}" for key, part in value.static or ())
        return f"object<{static}, {dynamic}>" if static else f"object[{dynamic}]"
    if value.kinds == {ARRAY} and value.items is not None:
        return f"array<{', '.join(kinds_of(item) for item in value.items)}>"
    return " or ".join(sorted(value.kinds)) if len(value.kinds) > 1 else value.describe()


def keys_listed(closed: RegoType) -> str:
    """An object literal's keys for a message, quoted and escaped (a key may hold any character)."""
    keys = [shown_key(key) for key, _ in closed.fields or ()]
    return ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def one_type(value: RegoType) -> bool:
    """Is ``value`` one type to OPA, not its ``any``? Unjoined, or joined from parts this reader holds whole and
    finds equal: OPA's ``Or`` of two equal types is that type (``r := [1] if input.a else := [1]``), of two
    others their ``any``. Two equal here may differ there where this reader holds less (a set's or a
    comprehension's elements, an object's computed keys): those stay joined."""
    if not value.joined:
        return True
    return value.alternatives is not None and len(value.alternatives) == 1 and _whole(value.alternatives[0])


def distinct_types(value: RegoType) -> bool:
    """Is ``value``, joined, certainly two or more types to OPA (its ``any<...>``)? Two of its parts are: both held
    whole and different, or arrays of static elements of two lengths, or one of static elements (a literal's: no
    dynamic part) beside one of a dynamic element type (a comprehension's, ``[]``: OPA's ``array[T]``)."""
    parts = value.alternatives
    if not value.joined or parts is None:
        return False
    return any(_differ(a, b) for n, a in enumerate(parts) for b in parts[n + 1:])


def _differ(a: RegoType, b: RegoType) -> bool:
    if _whole(a) and _whole(b):
        return a != b
    if a.kinds == b.kinds == {ARRAY}:
        if a.items is not None and b.items is not None:
            return len(a.items) != len(b.items)
        return (a.items is None) != (b.items is None)
    return False


def _whole(value: RegoType) -> bool:
    """Does this reader hold all of OPA's type: a scalar, or an array or object of such types?

    An array literal's static elements, or an array of one element type and no
    static ones (a comprehension's, ``split``'s: OPA's ``array[T]``); an
    object literal's keys, or one of a single computed key (a comprehension's:
    OPA's dynamic property, its key and value types). A single scalar kind
    here is OPA's type exactly: where unsure this reader keeps more kinds.
    """
    if len(value.kinds) == 1 and value.kinds <= SCALARS:
        return True
    if value.joined:
        return False
    if value.kinds == {ARRAY}:
        if value.items is None:
            return value.length is None and value.of is not None and _whole(value.of)
        return all(_whole(item) for item in value.items)
    if value.kinds == {OBJECT} and value.rest is not None:
        return all(_whole(part) for part in value.rest) and all(_whole(field) for _, field in value.static or ())
    return value.kinds == {OBJECT} and value.fields is not None and all(_whole(field) for _, field in value.fields)


class Calls(Protocol):
    """Where a call of the module leads (``type_check``'s calls of a package): its package's name, every loaded
    function's arity, the package's ref heads' first names, and other loaded packages' functions and rules."""

    @property
    def package(self) -> str: ...

    @property
    def arities(self) -> dict[str, int]: ...

    @property
    def ref_heads(self) -> frozenset[str]: ...

    def foreign(self, path: str) -> tuple[tuple[RegoType, ...] | None, RegoType] | None: ...

    def foreign_value(self, path: str) -> RegoType | None: ...
