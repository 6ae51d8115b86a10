"""The resource model every loader builds and every check reads.

One ``Resource`` is one Terraform resource *instance* with both sides of the
change: ``before`` (what exists now) and ``after`` (what will exist once the
plan is applied). Values that are only known at apply time are replaced by the
``UNKNOWN`` sentinel, so a check can never mistake them for a real value.

This module imports nothing else from natpolicy: loaders produce it, checks
consume it, and it stays the one contract between the two.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "UNKNOWN",
    "Unknown",
    "SourceLocation",
    "Resource",
    "ResourceModel",
    "is_known",
]


class Unknown:
    """A value Terraform will only know after apply (``after_unknown``)."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        # Truthiness of an unknown is a bug waiting to happen; make it loud.
        raise TypeError("the truth value of an unknown Terraform value is undefined")


UNKNOWN = Unknown()


def is_known(value: Any) -> bool:
    """True when ``value`` contains no unknown part at any depth."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where a finding is shown: a repository-relative POSIX path and lines."""

    path: str
    start_line: int = 1
    end_line: int | None = None


# Actions that leave an object behind after apply.
_KEEPING = frozenset({"create", "update", "no-op", "read"})


@dataclass(slots=True, eq=False)
class Resource:
    """One resource instance, as planned.

    ``actions`` follows the plan JSON (``("delete", "create")`` for a
    destroy-before-create replacement). Loaders that have no plan (HCL) use
    ``("create",)`` for what the configuration declares.
    """

    address: str
    type: str
    name: str
    mode: str = "managed"
    module: str = ""  # module instance address, "" for the root module
    index: int | str | None = None
    actions: tuple[str, ...] = ("no-op",)
    action_reason: str | None = None
    previous_address: str | None = None
    deposed: str | None = None
    before: Any = None
    after: Any = None
    before_sensitive: Any = False
    after_sensitive: Any = False
    # Top-level attribute -> resolved config addresses it references
    # (module-qualified, without instance keys: "module.vpc.aws_vpc.this").
    references: dict[str, tuple[str, ...]] = field(default_factory=dict)
    origin: str = ""  # the plan file or directory this came from
    location: SourceLocation | None = None
    # Anything a loader knows beyond the plan (e.g. HCL block text lines).
    extra: dict[str, Any] = field(default_factory=dict)

    # -- lifecycle -------------------------------------------------------
    @property
    def config_address(self) -> str:
        """Module-qualified address without instance keys."""
        return config_address_of(self.module, self.type, self.name, self.mode)

    @property
    def exists_after(self) -> bool:
        """Will an object exist at this address after apply?"""
        if self.deposed is not None:
            return False
        return any(a in _KEEPING for a in self.actions)

    @property
    def existed_before(self) -> bool:
        return self.before is not None or "delete" in self.actions or "forget" in self.actions

    @property
    def is_deleted(self) -> bool:
        """The real object is destroyed (``forget`` only drops it from state)."""
        return "delete" in self.actions

    @property
    def is_replaced(self) -> bool:
        return "delete" in self.actions and "create" in self.actions

    @property
    def is_destroy_before_create(self) -> bool:
        return self.actions == ("delete", "create")

    @property
    def is_pure_delete(self) -> bool:
        return self.is_deleted and "create" not in self.actions

    @property
    def is_moved(self) -> bool:
        return self.previous_address is not None and self.previous_address != self.address

    @property
    def values(self) -> Any:
        """The state checks judge: after apply if it exists then, else before."""
        return self.after if self.exists_after else self.before

    # -- attribute access ------------------------------------------------
    def get(self, *path: str | int, default: Any = None, before: bool = False) -> Any:
        """Value at ``path`` in ``after`` (or ``before``); ``UNKNOWN`` passes through."""
        return dig(self.before if before else self.after, path, default)

    def is_sensitive(self, *path: str | int, before: bool = False) -> bool:
        mask = self.before_sensitive if before else self.after_sensitive
        for step in path:
            if mask is True:
                return True
            if isinstance(mask, dict):
                mask = mask.get(step, False)  # type: ignore[arg-type]
            elif isinstance(mask, list) and isinstance(step, int) and 0 <= step < len(mask):
                mask = mask[step]
            else:
                return False
        return mask is True

    def show(self, value: Any, *path: str | int, before: bool = False) -> str:
        """Render an attribute value for a message, hiding sensitive ones."""
        if self.is_sensitive(*path, before=before):
            return "(sensitive value)"
        if value is UNKNOWN:
            return "(known after apply)"
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return ", ".join(self.show(v, *path, i, before=before) for i, v in enumerate(value))
        return str(value)


def dig(value: Any, path: Iterable[str | int], default: Any = None) -> Any:
    for step in path:
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, dict):
            if step not in value:
                return default
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int):
            if not -len(value) <= step < len(value):
                return default
            value = value[step]
        else:
            return default
    return value


def config_address_of(module: str, type_: str, name: str, mode: str = "managed") -> str:
    local = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    path = module_path(module)
    return ".".join([*(f"module.{m}" for m in path), local]) if path else local


def module_path(module_address: str) -> tuple[str, ...]:
    """``module.a["x"].module.b[0]`` -> ``("a", "b")`` (instance keys dropped)."""
    if not module_address:
        return ()
    names: list[str] = []
    i, n = 0, len(module_address)
    while i < n:
        if module_address.startswith("module.", i):
            i += 7
            start = i
            while i < n and module_address[i] not in ".[":
                i += 1
            names.append(module_address[start:i])
        elif module_address[i] == "[":
            i = skip_index(module_address, i)
        else:
            i += 1
    return tuple(names)


def strip_instance_keys(address: str) -> str:
    """``module.a["x"].aws_sg.b[0]`` -> ``module.a.aws_sg.b`` (quoted keys may hold brackets)."""
    out: list[str] = []
    i, n = 0, len(address)
    while i < n:
        if address[i] == "[":
            i = skip_index(address, i)
            continue
        out.append(address[i])
        i += 1
    return "".join(out)


def skip_index(text: str, i: int) -> int:
    """Return the position after the ``[...]`` starting at ``i``; honours quoted keys."""
    i += 1
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "]":
            return i + 1
        i += 1
    return i


class ResourceModel:
    """All resources of one run, indexed once.

    Several plans may be loaded into one model (platform teams split network
    and workloads across states); ``origin`` keeps them apart, and cross-plan
    questions (which routes point at this gateway id?) use the id index.
    """

    def __init__(self, resources: Iterable[Resource] = (), facts: Mapping[str, Any] | None = None):
        self.resources: list[Resource] = []
        self._by_key: dict[tuple[str, str, str | None], Resource] = {}
        self._by_type: dict[str, list[Resource]] = {}
        self._by_config: dict[tuple[str, str], list[Resource]] = {}
        self._by_id: dict[str, list[Resource]] = {}
        self._reverse: dict[int, list[tuple[Resource, str]]] | None = None
        # Loader-level facts, e.g. {"origins": {...}} or HCL notes.
        self.facts: dict[str, Any] = dict(facts or {})
        for resource in resources:
            self.add(resource)

    def add(self, resource: Resource) -> None:
        self._reverse = None
        self.resources.append(resource)
        self._by_key[(resource.origin, resource.address, resource.deposed)] = resource
        self._by_type.setdefault(resource.type, []).append(resource)
        self._by_config.setdefault((resource.origin, resource.config_address), []).append(resource)
        for side in (resource.before, resource.after):
            if isinstance(side, dict):
                rid = side.get("id")
                if isinstance(rid, str) and rid:
                    bucket = self._by_id.setdefault(rid, [])
                    if not bucket or bucket[-1] is not resource:
                        bucket.append(resource)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, [])]

    def get(self, address: str, origin: str | None = None, deposed: str | None = None) -> Resource | None:
        if origin is not None:
            return self._by_key.get((origin, address, deposed))
        for (o, a, d), res in self._by_key.items():  # rare path: tests and CLI lookups
            if a == address and d == deposed:
                return res
        return None

    def by_id(self, resource_id: str) -> list[Resource]:
        """Resources whose ``id`` (before or after) is ``resource_id``, in any plan."""
        return self._by_id.get(resource_id, [])

    def instances(self, origin: str, config_address: str) -> list[Resource]:
        return self._by_config.get((origin, config_address), [])

    def referenced(self, resource: Resource, attribute: str | None = None) -> list[Resource]:
        """Resources ``resource`` refers to (through ``attribute`` if given).

        References are resolved by the loader through variables and module
        outputs; here they are matched to instances. When the target lives in
        the same module instance as the referrer, only that instance's
        resources are returned, so ``module.vpc["a"]`` never claims ``["b"]``.
        """
        if attribute is None:
            targets = {t for refs in resource.references.values() for t in refs}
        else:
            targets = set(resource.references.get(attribute, ()))
        found: list[Resource] = []
        for target in sorted(targets):
            candidates = self.instances(resource.origin, target)
            if resource.module and len(candidates) > 1:
                same = [c for c in candidates if c.module == resource.module]
                if same:
                    candidates = same
            found.extend(candidates)
        return found

    def references_to(self, target: Resource, types: Iterable[str] = (), attribute: str | None = None) -> list[Resource]:
        """Resources (of ``types``, if given) that refer to ``target``.

        Backed by a reverse index built once on first use, so asking this for
        every VPC of a 50k-resource plan stays linear.
        """
        if self._reverse is None:
            self._reverse = {}
            for res in self.resources:
                for attr in res.references:
                    for ref in self.referenced(res, attr):
                        self._reverse.setdefault(id(ref), []).append((res, attr))
        wanted = set(types)
        seen: set[int] = set()
        out: list[Resource] = []
        for res, attr in self._reverse.get(id(target), ()):
            if (wanted and res.type not in wanted) or (attribute is not None and attr != attribute):
                continue
            if id(res) not in seen:
                seen.add(id(res))
                out.append(res)
        return out
