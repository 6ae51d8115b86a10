"""The resource model every loader builds and every check reads.

One ``Resource`` is one Terraform resource *instance* with both sides of the
change: ``before`` (what exists now) and ``after`` (what will exist once the
plan is applied). Values that are only known at apply time are replaced by the
``UNKNOWN`` sentinel, so a check can never mistake them for a real value.

This module imports nothing else from natpolicy but the leaf
``natpolicy.address``: loaders produce it, checks consume it, and it stays
the one contract between the two.

Longer than 600 lines because the contract is one module: the records, and
``ResourceModel`` with the indexes it builds when a check first asks (moving
either out would make the model import a module of ours, or split the one
invalidation rule, ``extend``, from what it invalidates).

References
----------
``Resource.references`` maps a top-level attribute (and ``count_expression``
/ ``for_each_expression``) to the resources its expression refers to, already
resolved through module variables and outputs by the loader. Each target is a
module-qualified resource address that keeps exactly the *literal* instance
keys the configuration wrote, spelled as in a resource address::

    aws_vpc.main                    aws_vpc.main.id, aws_vpc.main[count.index].id, aws_vpc.main[*].id
    aws_vpc.main[0]                 aws_vpc.main[0].id
    aws_vpc.main["a"]               aws_vpc.main["a"].id
    module.net["a"].aws_vpc.this    module.net["a"].vpc_id (an output returning aws_vpc.this.id)
    module.net.aws_vpc.this         module.net.vpc_id, or the module's own aws_vpc.this.id seen from inside it

A step without a key means "no key was written" (or only a computed one such
as ``count.index``), not "no instance key": ``ResourceModel.referenced``
matches it to every instance, preferring, for module steps the referrer
shares, the referrer's own module instance (so ``module.vpc["a"]`` never
claims ``module.vpc["b"]``'s resources). A written key matches only the
instance with that key. ``address.strip_instance_keys`` turns a target into its config
address. Terraform lists the shorter prefixes of every traversal too
(``aws_vpc.main[0].id``, ``aws_vpc.main[0]``, ``aws_vpc.main``); a loader drops
the bare prefix when a keyed form of it is in the same list.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from operator import attrgetter
from typing import Any, TypeVar

# Addresses are parsed and printed in one place; the reference helpers are
# re-exported here because rules and loaders know them as part of the model.
from natpolicy.address import (
    config_address_of,
    key_value,
    module_keys_of,
    module_path,
    reference_steps,
    reference_target,
)

# The shared eq/hash/repr of ``record`` keep import cheap (natpolicy.records, stdlib only).
from natpolicy.records import field, record

__all__ = [
    "UNKNOWN",
    "Unknown",
    "SourceLocation",
    "FindingContext",
    "LiveRouteTable",
    "Resource",
    "ResourceModel",
    "RunContext",
    "is_known",
    "reference_steps",
    "reference_target",
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

T = TypeVar("T")


def is_known(value: Any) -> bool:
    """True when ``value`` contains no unknown part at any depth."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


@record(frozen=True, slots=True)
class SourceLocation:
    """Where a finding is shown: a repository-relative POSIX path and lines."""

    path: str
    start_line: int = 1
    end_line: int | None = None


@record(frozen=True, slots=True)
class FindingContext:
    """What a loader adds to every finding on one resource.

    ``note`` is appended to the message and ``details`` merged into the
    finding's details (the git-diff loader: "Its block was main.tf:3-9 at
    HEAD.").
    """

    note: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


# Actions that leave an object behind after apply.
_KEEPING = frozenset({"create", "update", "no-op", "read"})


@record(slots=True, eq=False)
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
    # Top-level attribute -> resolved resource addresses it references,
    # module-qualified, with only the literal instance keys the configuration
    # wrote ("module.vpc.aws_vpc.this", "aws_vpc.main[0]"; see the module doc).
    # A loader may hand a mapping that resolves them on first read (plans do).
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    origin: str = ""  # the plan file or directory this came from
    location: SourceLocation | None = None
    # What a loader knows beyond the plan values. Typed fields, not a dict of
    # string keys: a misspelt key used to read as "absent" silently. Every
    # default is a shared immutable (nothing is allocated per resource), so a
    # resource costs a little less than with the empty dict these replaced
    # (a 50k-resource plan builds 50k of them).
    #
    # The block's configuration in the plan's ``configuration`` format
    # (``{"references": [...]}`` or ``{"constant_value": ...}`` per argument);
    # checks tell "not set" from "known after apply" with it. ``None``: the
    # input carries no configuration. HCL instances of one block share one
    # read-only dict.
    expressions: Mapping[str, Any] | None = None
    # The ``source`` of each module call on the way to the resource, outermost
    # first (``None`` where the plan does not say); plan input only.
    module_sources: tuple[str | None, ...] = ()
    # Set by the git-diff loader on a deleted resource's finding: where its block was.
    finding_context: FindingContext | None = None
    # Its block exists only in the base revision (a deletion with no surviving
    # block to show it on): line-level suppressions cannot be read now.
    location_at_base: bool = False
    # Only in the plan's ``prior_state`` (the plan does not mention it).
    from_prior_state: bool = False
    # HCL: ``count``/``for_each`` is not known yet, so this one instance stands for all.
    unknown_expansion: bool = False
    # ``location`` was moved from the plan's lines onto the ``.tf`` block (--source-root).
    mapped_to_source: bool = False
    # Attributes the rules could not read (JSON types Terraform never writes):
    # the run fails closed on them (see ``loaders.plan_shapes``).
    unjudged: tuple[str, ...] = ()

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
        return not _KEEPING.isdisjoint(self.actions)

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
                mask = mask.get(step, False)
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


@record(frozen=True, slots=True)
class LiveRouteTable:
    """A route table that the live AWS account shows routing to a NAT gateway, and no plan of the run manages.

    Written by ``natpolicy check --live`` (``natpolicy.live``) before the rules
    run; NAT004 reads it. ``destinations`` are the CIDRs (or prefix lists) it
    sends to the gateway; ``subnets`` its explicit associations.
    """

    route_table_id: str
    gateway_id: str
    destinations: tuple[str, ...]
    subnets: tuple[str, ...] = ()
    name: str = ""  # its Name tag
    owner: str = ""  # the owning account id
    main: bool = False  # the VPC's main table: it also serves every subnet without an explicit association
    region: str = ""


@record(slots=True)
class RunContext:
    """What the loaders hand to the rest of the run, beside the resources.

    Written once by ``loaders.inputs.load_inputs``; read by the app (notes
    and errors become tool notifications), suppressions (source texts,
    blocks, the display root) and tests. Rules do not write here: they
    yield ``check.Note`` and the runner collects those.
    """

    # Display paths of every plan and Terraform root, in load order.
    origins: list[str] = field(default_factory=list)
    # Display path -> file text, when the configuration was read from git
    # (the staged index, a base revision) rather than the disk.
    source_texts: Mapping[str, str] = field(default_factory=dict)
    # HCL mode: (root, config address) -> the block that declares it, for
    # ``resource`` and ``module`` blocks (suppression comments are read there).
    hcl_blocks: Mapping[tuple[str, str], SourceLocation] = field(default_factory=dict)
    # The folder display paths are relative to; ``None`` until a loader ran.
    display_root: str | None = None
    # Input problems that fail the run (exit 2): HCL syntax errors, plans the rules cannot read.
    load_errors: list[str] = field(default_factory=list)
    # Input problems that do not (skipped plan files, remote modules, ``--skip-invalid`` errors).
    load_notes: list[str] = field(default_factory=list)
    # Shown with ``--verbose`` only: what the HCL evaluator did not understand.
    verbose_notes: list[str] = field(default_factory=list)
    # ``--live``: gateway id -> route tables outside every plan that the account shows routing to it.
    live_route_tables: Mapping[str, tuple[LiveRouteTable, ...]] = field(default_factory=dict)


@record(slots=True)
class _InstanceGroup:
    """The instances of one config address inside one module instance."""

    resources: list[Resource] = field(default_factory=list)
    by_index: dict[Any, list[Resource]] = field(default_factory=dict)


class ResourceModel:
    """All resources of one run, indexed once.

    Several plans may be loaded into one model (platform teams split network
    and workloads across states); ``origin`` keeps them apart, and cross-plan
    questions (which routes point at this gateway id?) use the id index.
    """

    def __init__(self, resources: Iterable[Resource] = (), context: RunContext | None = None):
        self.resources: list[Resource] = []
        self._by_type: dict[str, list[Resource]] = {}
        # Built when first asked, then kept up to date by ``extend``: a plan run asks ``get`` of its findings
        # alone, ``by_id`` of a thousand ids and the config addresses of two types (most of indexing a 10k plan).
        self._by_address: dict[str, Resource] | None = None  # address -> the last resource added with it
        self._by_key: dict[tuple[str, str, str | None], Resource] | None = None
        self._by_id: dict[str, list[Resource]] | None = None
        self._by_config: dict[str, dict[tuple[str, str], list[Resource]]] = {}  # per type (see _instances_at)
        # The types holding a dot (none in a plan Terraform wrote), for the number of types they were found among.
        self._dotted: list[str] = []
        self._dotted_for = 0
        # (origin, config address) -> module instance keys -> its instances;
        # reference matching is a dictionary lookup, never a scan of twins.
        self._groups: dict[tuple[str, str], dict[tuple[str | None, ...], _InstanceGroup]] = {}
        self._module_keys: dict[str, tuple[str | None, ...]] = {}
        self._module_prefixes: dict[str, str] = {}  # module instance address -> "module.a.module.b."
        # (referrer type, attribute or None for all) -> id(target) -> (referrer, attribute), built on demand.
        self._reverse: dict[tuple[str, str | None], dict[int, list[tuple[Resource, str]]]] = {}
        # What the loaders knew beyond the resources (see ``RunContext``).
        self.context: RunContext = context if context is not None else RunContext()
        # Rule caches (see ``memo``): on the model itself, so they die with it;
        # a module-level cache keyed by the model would keep every model alive.
        self._memos: dict[Hashable, Any] = {}
        self.extend(resources)

    def add(self, resource: Resource) -> None:
        self.extend((resource,))

    def extend(self, resources: Iterable[Resource]) -> None:
        """``add`` each of ``resources``, in order (a loader's whole list at once)."""
        added = resources if isinstance(resources, list) else list(resources)
        if not added:
            return
        if self._reverse:
            self._reverse = {}
        if self._memos:
            self._memos = {}  # the one invalidation rule: a changed model drops every cache
        if self._groups:
            self._groups = {}  # rebuilt from the config index when next asked (see _groups_of)
        self.resources.extend(added)
        by_type = self._by_type
        for resource in added:
            try:
                by_type[resource.type].append(resource)
            except KeyError:  # not ``setdefault``: no empty list made and dropped per resource
                by_type[resource.type] = [resource]
        if self._by_config:
            for type_ in {resource.type for resource in added}:
                self._by_config.pop(type_, None)  # rebuilt when next asked (see _instances_at)
        if self._by_address is not None:
            self._by_address.update(zip(map(_ADDRESS, added), added, strict=True))
        if self._by_key is not None:
            self._by_key.update(zip(map(_KEY, added), added, strict=True))
        if self._by_id is not None:
            _index_ids(self._by_id, added)

    def _instances_at(self, origin: str, config_address: str) -> list[Resource]:
        """The resources of one (origin, config address), in model order, indexed per type when first asked.

        Only a type ``T`` whose ``T.`` begins the address or follows a dot can hold it (``config_address_of``
        writes ``[module.M.]...[data.]T.NAME``): the other types' resources never compute theirs.
        """
        lists: list[list[Resource]] = []
        by_type = self._by_type
        if self._dotted_for != len(by_type):  # types are only ever added: a new count is a new type
            self._dotted = [type_ for type_ in by_type if "." in type_]
            self._dotted_for = len(by_type)
        # A type without a dot begins the address or follows a dot, and is followed by one, exactly when it is one
        # of the address's dotted parts but the last: a dictionary lookup each, where testing every type of the
        # plan cost 17,000 instructions an ask (a pending flow log's VPC, a route's table: 800 at 10k). A type
        # with a dot (only an edited plan's) is tested as before. The order of ``lists`` does not matter: one list
        # is the answer, two or more are put in model order below.
        parts = config_address.split(".")
        del parts[-1]
        candidates: Iterable[str] = parts if len(parts) < 2 else set(parts)
        if self._dotted:
            candidates = [*candidates, *self._dotted]
        for type_ in candidates:
            members = by_type.get(type_)
            if members is None:
                continue
            if "." in type_ and not (type_ in config_address and (
                    config_address.startswith(f"{type_}.") or f".{type_}." in config_address)):
                continue  # a type with a dot, tested as every type once was
            index = self._by_config.get(type_)
            if index is None:
                index = self._by_config[type_] = {}
                prefixes = self._module_prefixes
                for resource in members:
                    # ``resource.config_address``, with each module's prefix read once (count twins share one).
                    module = resource.module
                    config = (f"data.{resource.type}.{resource.name}" if resource.mode == "data"
                              else f"{resource.type}.{resource.name}")
                    if module:
                        prefix = prefixes.get(module)
                        if prefix is None:
                            prefix = prefixes[module] = "".join(f"module.{m}." for m in module_path(module))
                        config = prefix + config
                    index.setdefault((resource.origin, config), []).append(resource)
            found = index.get((origin, config_address))
            if found:
                lists.append(found)
        if len(lists) <= 1:
            return lists[0] if lists else []
        # Two types writing the same config address (only an edited plan): model order over both.
        wanted = {id(resource) for found in lists for resource in found}
        return [resource for resource in self.resources if id(resource) in wanted]

    def _groups_of(self, config: tuple[str, str]) -> dict[tuple[str | None, ...], _InstanceGroup]:
        """The instances of one (origin, config address), grouped by module instance keys, built on first ask.

        Only reference matching reads these, for the few config addresses the rules'
        references name; building them in ``add`` cost a third of indexing a 10k plan.
        The groups hold the config's instances in model order, as adding one by one did,
        and ``extend`` drops every group when the model gains a resource.
        """
        groups = self._groups.get(config)
        if groups is None:
            groups = self._groups[config] = {}
            module_keys = self._module_keys
            for resource in self._instances_at(*config):
                keys = module_keys.get(resource.module)
                if keys is None:  # a plan has few module instances and many resources in each
                    keys = module_keys[resource.module] = module_keys_of(resource.module)
                group = groups.get(keys)
                if group is None:
                    group = groups[keys] = _InstanceGroup()
                group.resources.append(resource)
                group.by_index.setdefault(resource.index, []).append(resource)
        return groups

    def memo(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per model and ``key``; adding a resource forgets every answer.

        Rules share derived indexes through this (the NAT egress index serves
        NAT001-NAT003 and ``data.natpolicy``). ``key`` should start with the
        rule family's name, so two families never collide.
        """
        try:
            return self._memos[key]
        except KeyError:
            value = self._memos[key] = make()
            return value

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
            by_address = self._by_address
            if by_address is None:
                by_address = self._by_address = dict(zip(map(_ADDRESS, self.resources), self.resources, strict=True))
            found = by_address.get(address)
            if found is None:
                return None  # no resource has that address
            if found.origin == origin and found.deposed == deposed:
                return found  # the last one added with the address is the last one added with this key
            return self._keys().get((origin, address, deposed))  # several plans, or deposed objects
        for (_, a, d), res in self._keys().items():  # rare path: tests and CLI lookups
            if a == address and d == deposed:
                return res
        return None

    def _keys(self) -> dict[tuple[str, str, str | None], Resource]:
        """(origin, address, deposed) -> the last resource added with that key, in the order keys were first added."""
        by_key = self._by_key
        if by_key is None:
            by_key = self._by_key = dict(zip(map(_KEY, self.resources), self.resources, strict=True))
        return by_key

    def by_id(self, resource_id: str) -> list[Resource]:
        """Resources whose ``id`` (before or after) is ``resource_id``, in any plan."""
        by_id = self._by_id
        if by_id is None:
            by_id = self._by_id = {}
            _index_ids(by_id, self.resources)
        return by_id.get(resource_id, [])

    def instances(self, origin: str, config_address: str) -> list[Resource]:
        return self._instances_at(origin, config_address)

    def referenced(self, resource: Resource, attribute: str | None = None) -> list[Resource]:
        """Resources ``resource`` refers to (through ``attribute`` if given), in model order per target.

        References are resolved by the loader through variables and module
        outputs; here they are matched to instances (see the module doc): a
        written key selects that instance, a module step without one prefers
        the referrer's own module instance, so ``module.vpc["a"]`` never
        claims ``["b"]``.
        """
        if attribute is None:
            targets = {t for refs in resource.references.values() for t in refs}
        else:
            targets = set(resource.references.get(attribute, ()))
        found: list[Resource] = []
        seen: set[int] = set()
        for target in sorted(targets):
            for candidate in self._instances_of(resource, target):
                if id(candidate) not in seen:
                    seen.add(id(candidate))
                    found.append(candidate)
        return found

    def _instances_of(self, referrer: Resource, target: str) -> list[Resource]:
        config, written, resource_key = reference_target(target)
        groups = self._groups_of((referrer.origin, config))
        if not groups:
            return []
        preferred = _own_instance_keys(config, written, referrer.module)
        for wanted in ((preferred, written) if preferred != written else (written,)):
            if None not in wanted:
                matching = [groups[wanted]] if wanted in groups else []
            else:
                matching = [g for keys, g in groups.items()
                            if all(w is None or w == k for w, k in zip(wanted, keys, strict=False))]
            if resource_key is None:
                out = [r for g in matching for r in g.resources]
            else:
                index = key_value(resource_key)
                out = [r for g in matching for r in g.by_index.get(index, ())]
            if out:
                return out
        return []

    def references_to(self, target: Resource, types: Iterable[str] = (),
                      attribute: str | None = None) -> list[Resource]:
        """Resources (of ``types``, if given) that refer to ``target``.

        Backed by a reverse index built once per referrer type on first use,
        so asking this for every VPC of a 50k-resource plan stays linear, and
        asking about flow logs never indexes the references count/for_each
        twins (routes to every table instance) make to each other. Given an
        ``attribute``, only that attribute's references are resolved (a plan's
        references are resolved on first read: FLOW001 asks about ``vpc_id`` alone).
        """
        seen: set[int] = set()
        out: list[Resource] = []
        for type_ in dict.fromkeys(types) if types else list(self._by_type):
            for res, _ in self._reverse_of(type_, attribute).get(id(target), ()):
                if id(res) not in seen:
                    seen.add(id(res))
                    out.append(res)
        return out

    def _reverse_of(self, type_: str, attribute: str | None) -> dict[int, list[tuple[Resource, str]]]:
        index = self._reverse.get((type_, attribute))
        if index is None:
            index = self._reverse[(type_, attribute)] = {}
            for res in self._by_type.get(type_, ()):
                # In the order of the whole index: one attribute's entries are a subsequence of it.
                for attr in res.references if attribute is None else (attribute,):
                    for ref in self.referenced(res, attr):
                        index.setdefault(id(ref), []).append((res, attr))
        return index


_ADDRESS = attrgetter("address")
_KEY = attrgetter("origin", "address", "deposed")


def _index_ids(by_id: dict[str, list[Resource]], resources: list[Resource]) -> None:
    """Add each resource under its ``id`` before and after (once when both are the same), in order.

    ``None`` and the exact types are tested before ``isinstance``: a builtin call costs more than the rest.
    A no-op's one object for both sides is read once.
    """
    for resource in resources:
        before, after = resource.before, resource.after
        if before is not None and (before.__class__ is dict or isinstance(before, dict)):
            rid = before.get("id")
            if (rid.__class__ is str or isinstance(rid, str)) and rid:
                bucket = by_id.get(rid)
                if bucket is None:
                    by_id[rid] = [resource]
                elif bucket[-1] is not resource:
                    bucket.append(resource)
        if after is not before and after is not None and (after.__class__ is dict or isinstance(after, dict)):
            rid = after.get("id")
            if (rid.__class__ is str or isinstance(rid, str)) and rid:
                bucket = by_id.get(rid)
                if bucket is None:
                    by_id[rid] = [resource]
                elif bucket[-1] is not resource:
                    bucket.append(resource)


def _own_instance_keys(config: str, written: tuple[str | None, ...], referrer_module: str) -> tuple[str | None, ...]:
    """Fill the module steps a reference leaves open with the referrer's own keys.

    A reference from inside ``module.vpc["a"]`` (or from a module it calls)
    to ``module.vpc.aws_x.y`` names the resource of *its* module instance;
    filling stops where the two module paths part.
    """
    if not referrer_module or not written:
        return written
    target_path = module_path(config)
    own_path = module_path(referrer_module)
    own_keys = module_keys_of(referrer_module)
    filled = list(written)
    for i, name in enumerate(target_path):
        if i >= len(own_path) or own_path[i] != name:
            break
        if filled[i] is None:
            filled[i] = own_keys[i]
        elif filled[i] != own_keys[i]:
            break
    return tuple(filled)
