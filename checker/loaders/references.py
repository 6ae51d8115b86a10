"""The plan's ``configuration`` section, indexed by config address.

Terraform records, for each expression, the names it references
(``aws_vpc.main.id``, ``var.vpc_id``, ``module.vpc.vpc_id``). Those names are
relative to the module they appear in. ``ConfigIndex`` resolves them through
``module_calls`` (inputs flow down, outputs flow up) to module-qualified
resource addresses that keep the literal instance keys written in the
configuration and nothing else, e.g. ``module.vpc.aws_vpc.this`` or
``module.net["a"].aws_vpc.this[0]`` (the representation is described in
``natpolicy.model``). Each (module, name) pair is resolved once and memoised.

The configuration is untrusted input: any part of it may have the wrong
JSON type, and such a part is ignored rather than raising.
"""
from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from typing import TYPE_CHECKING, Any

from natpolicy.address import module_path, reference_steps
from natpolicy.loaders.plan_resource import PlanResource

if TYPE_CHECKING:
    from natpolicy.model import Resource

_NOT_RESOURCES = frozenset({"local", "each", "count", "path", "terraform", "self"})
_MAX_DEPTH = 64  # module nesting deeper than this is a cycle, not a config
# Heads ``_resolve`` reads as something other than a resource ``type.name`` of the module itself.
_NOT_PLAIN = _NOT_RESOURCES | {"module", "var", "data"}


class ConfigIndex:
    def __init__(self, configuration: Any) -> None:
        # Modules, calls and blocks are JSON objects (dicts), or the fast decode's structs answering ``get`` alike
        # (``plan_structs.ConfigModule``, ``ModuleCall``, ``ConfigBlock``; see ``_index_typed``).
        self._modules: dict[tuple[str, ...], Any] = {}
        self._calls: dict[tuple[str, ...], Any] = {}
        # Config address -> its block: read by the loader once per plan resource. The module path of
        # a block outside the root module is in ``_paths`` (no tuple per block of a 10k root module).
        self.blocks: dict[str, Any] = {}
        self._paths: dict[str, tuple[str, ...]] = {}
        self._refs: dict[str, dict[str, tuple[str, ...]]] = {}
        self._memo: dict[tuple[tuple[str, ...], str], frozenset[str]] = {}
        self._attribute_memo: dict[tuple[str, str], tuple[str, ...] | None] = {}
        # Module instance address -> (its config address prefix, its calls' sources), for ``join``.
        self._modules_seen: dict[str, tuple[str, tuple[str | None, ...]]] = {}
        # Module instance address -> its config address prefix, for ``_config_address``.
        self._prefixes: dict[str, str] = {}
        if isinstance(configuration, dict):
            root = configuration.get("root_module")
            if isinstance(root, dict):
                self._index_module(root, ())
        elif configuration is not None and (typed_root := getattr(configuration, "root_module", None)) is not None:
            self._index_typed(typed_root)

    def _index_typed(self, module: Any) -> None:
        """``_index_module`` over the fast decode's typed configuration (``plan_structs.Configuration``).

        Its modules, calls and blocks are structs whose ``get`` answers as the JSON object's ``dict.get`` for the
        keys read here; the decoder already held each part to its type (a module, a list of blocks...), which
        ``_index_module`` tests. A block's ``expressions`` stay raw until first read (see ``join``).
        """
        stack: list[tuple[Any, tuple[str, ...]]] = [(module, ())]
        blocks, paths = self.blocks, self._paths
        while stack:
            mod, mpath = stack.pop()
            self._modules[mpath] = mod
            prefix = "".join(f"module.{m}." for m in mpath)
            for res in mod.resources or ():
                local = res.address
                if local.__class__ is not str or not local:
                    local = (f"data.{res.get('type')}.{res.get('name')}" if res.get("mode") == "data"
                             else f"{res.get('type')}.{res.get('name')}")
                if mpath:
                    key = prefix + local
                    blocks[key] = res
                    paths[key] = mpath
                else:
                    blocks[local] = res
            calls = mod.module_calls
            if calls is not None and len(mpath) < _MAX_DEPTH:
                for name, call in calls.items():
                    child = (*mpath, name)
                    self._calls[child] = call
                    if call.module is not None:
                        stack.append((call.module, child))

    def _index_module(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        stack = [(module, path)]
        while stack:
            mod, mpath = stack.pop()
            self._modules[mpath] = mod
            prefix = "".join(f"module.{m}." for m in mpath)
            resources = mod.get("resources")
            blocks, paths = self.blocks, self._paths
            for res in resources if isinstance(resources, list) else ():
                if res.__class__ is not dict and not isinstance(res, dict):  # the exact type first: nearly all
                    continue
                local = res.get("address")
                if local.__class__ is not str and not isinstance(local, str) or not local:
                    local = (f"data.{res.get('type')}.{res.get('name')}" if res.get("mode") == "data"
                             else f"{res.get('type')}.{res.get('name')}")
                if mpath:
                    key = prefix + local
                    blocks[key] = res
                    paths[key] = mpath
                else:  # the root module comes first: no earlier entry of another module to replace
                    blocks[local] = res
            calls = mod.get("module_calls")
            if isinstance(calls, dict) and len(mpath) < _MAX_DEPTH:
                for name, call in calls.items():
                    if isinstance(call, dict):
                        child = (*mpath, str(name))
                        self._calls[child] = call
                        sub = call.get("module")
                        if isinstance(sub, dict):
                            stack.append((sub, child))

    def join(self, resources: list[Resource], sources: Mapping[tuple[str, ...], str]) -> None:
        """Give each plan resource its block's expressions, its references and its module calls' ``sources``.

        The references are a ``LazyReferences``, resolved when a rule or an output
        reads them. Each is made with ``object.__new__`` and its three slots set
        here: the class call's ``__init__`` frame cost as much again (10,000 a 10k plan).
        A ``PlanResource`` (the fast decode's) asks this index for its expressions and
        references when first read (``expressions_for``, ``references_for``): the join
        gives it only its module calls' sources (nothing at all in the root module)
        and this index, through the plan's one ``PlanConfig``.
        """
        block_of = self.blocks.get
        new = object.__new__
        lazy = PlanResource
        # Per module instance address: its config address prefix and its calls' sources (a plan has few modules).
        modules = self._modules_seen
        for res in resources:
            module = res.module
            if res.__class__ is lazy:
                res.plan_config.index = self  # the plan's one holder: asked when a field is first read
                if module and sources:
                    known = modules.get(module)
                    if known is None:
                        known = self._module_entry(module, sources)
                    res.module_sources = known[1]
                continue
            # ``Resource.config_address``, spelt out: a root module resource's is its local address.
            local = f"data.{res.type}.{res.name}" if res.mode == "data" else f"{res.type}.{res.name}"
            if module:
                known = modules.get(module)
                if known is None:
                    known = self._module_entry(module, sources)
                config_address = known[0] + local
                if sources:
                    res.module_sources = known[1]
            else:
                config_address = local
            references = new(LazyReferences)
            references._index = self
            references._address = config_address
            references._value = None
            res.references = references
            block = block_of(config_address)  # ``self.expressions(config_address)``, inline
            if block is not None:
                expressions = block.get("expressions")
                if expressions.__class__ is dict or isinstance(expressions, dict):  # the exact type first: nearly all
                    res.expressions = expressions

    def _module_entry(self, module: str, sources: Mapping[tuple[str, ...], str]) -> tuple[str, tuple[str | None, ...]]:
        """(config address prefix, its calls' sources) of a module instance address, kept for the next ask."""
        names = module_path(module)
        known = self._modules_seen[module] = (
            "".join(f"module.{m}." for m in names),
            tuple(sources.get(names[:i + 1]) for i in range(len(names))) if sources else ())
        return known

    def _config_address(self, res: Resource) -> str:
        """``res.config_address``, as ``join`` spells it (each module's prefix made once)."""
        local = f"data.{res.type}.{res.name}" if res.mode == "data" else f"{res.type}.{res.name}"
        module = res.module
        if not module:
            return local
        prefix = self._prefixes.get(module)
        if prefix is None:
            prefix = self._prefixes[module] = "".join(f"module.{m}." for m in module_path(module))
        return prefix + local

    def expressions_for(self, res: Resource) -> dict[str, Any] | None:
        """The expressions ``join`` gives ``res``: its block's, when they are a JSON object, else ``None``."""
        block = self.blocks.get(self._config_address(res))
        expressions = block.get("expressions") if block is not None else None
        return expressions if isinstance(expressions, dict) else None

    def references_for(self, res: Resource) -> LazyReferences:
        """The references ``join`` gives ``res``: resolved when first read."""
        return LazyReferences(self, self._config_address(res))

    def expressions(self, config_address: str) -> dict[str, Any] | None:
        block = self.blocks.get(config_address)
        if block is None:
            return None
        expressions = block.get("expressions")
        return expressions if isinstance(expressions, dict) else None

    def references(self, config_address: str) -> dict[str, tuple[str, ...]]:
        """Top-level attribute -> resolved resource config addresses."""
        cached = self._refs.get(config_address)
        if cached is not None:
            return cached
        res = self.blocks.get(config_address)
        out: dict[str, tuple[str, ...]] = {}
        if res is not None:
            mpath = self._paths.get(config_address, ())
            expressions = res.get("expressions")
            if isinstance(expressions, dict):
                for attr, expr in expressions.items():
                    names: list[str] = []
                    _collect(expr, names)
                    targets: set[str] = set()
                    self._resolve_into(mpath, names, targets)
                    if targets:
                        out[attr] = tuple(sorted(targets))
            for key in ("count_expression", "for_each_expression"):
                names = []
                _collect(res.get(key), names)
                targets = set()
                self._resolve_into(mpath, names, targets)
                if targets:
                    out[key] = tuple(sorted(targets))
        self._refs[config_address] = out
        return out

    def attribute_references(self, config_address: str, attribute: str) -> tuple[str, ...] | None:
        """``references(config_address).get(attribute)``, resolving that one expression only (memoised)."""
        cached = self._refs.get(config_address)
        if cached is not None:
            return cached.get(attribute)
        key = (config_address, attribute)
        if key in self._attribute_memo:
            return self._attribute_memo[key]
        found: tuple[str, ...] | None = None
        res = self.blocks.get(config_address)
        if res is not None:
            mpath = self._paths.get(config_address, ())
            # As in ``references``: count/for_each at the block's level win over an expression of that name.
            if attribute in ("count_expression", "for_each_expression"):
                found = self._targets(mpath, res.get(attribute))
            expressions = res.get("expressions")
            if found is None and isinstance(expressions, dict) and attribute in expressions:
                found = self._targets(mpath, expressions[attribute])
        self._attribute_memo[key] = found
        return found

    def _targets(self, mpath: tuple[str, ...], expr: Any) -> tuple[str, ...] | None:
        names: list[str] = []
        _collect(expr, names)
        targets: set[str] = set()
        self._resolve_into(mpath, names, targets)
        return tuple(sorted(targets)) if targets else None

    def _resolve_into(self, mpath: tuple[str, ...], names: list[str], targets: set[str]) -> None:
        """Add what each of an expression's reference names resolves to in module ``mpath`` (``resolve``'s answer).

        Nearly every name is a resource's own ``type.name.attribute``, written
        once in the whole configuration (a route names its own table): for
        those ``resolve``'s memo only costs (a key, two stores, a frozenset,
        the steps parsed), so its answer is spelt out here, as ``_resolve``
        gives it for a name without an index whose first two steps are not
        empty and whose head is no module, variable, data source or local.
        Every other name goes through ``resolve``.
        """
        prefix: str | None = None
        for name in names:
            if "[" not in name:
                parts = name.split(".", 2)
                if len(parts) > 1 and parts[0] and parts[1] and parts[0] not in _NOT_PLAIN:
                    if prefix is None:  # the root module's is empty: no generator for it
                        prefix = "".join(f"module.{m}." for m in mpath) if mpath else ""
                    targets.add(f"{prefix}{parts[0]}.{parts[1]}")
                    continue
            targets |= self.resolve(mpath, name)

    def resolve(self, mpath: tuple[str, ...], name: str, depth: int = 0) -> frozenset[str]:
        key = (mpath, name)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        self._memo[key] = frozenset()  # cycle guard
        result = self._resolve(mpath, name, depth)
        self._memo[key] = result
        return result

    def _resolve(self, mpath: tuple[str, ...], name: str, depth: int) -> frozenset[str]:
        if depth > _MAX_DEPTH:
            return frozenset()
        steps = reference_steps(name)
        if not steps:
            return frozenset()
        head = steps[0][0]
        prefix = "".join(f"module.{m}." for m in mpath)
        if head == "var" and len(steps) >= 2:
            call = self._calls.get(mpath)
            expressions = call.get("expressions") if call is not None else None
            if not isinstance(expressions, dict):
                return frozenset()
            return self._resolve_all(mpath[:-1], expressions.get(steps[1][0]), depth)
        if head == "module" and len(steps) >= 3:
            module_name, key = steps[1]
            child = (*mpath, module_name)
            module = self._modules.get(child)
            outputs = module.get("outputs") if module is not None else None
            if not isinstance(outputs, dict):
                return frozenset()
            output = outputs.get(steps[2][0])
            expr = output.get("expression") if isinstance(output, dict) else None
            found = self._resolve_all(child, expr, depth)
            if key is None:
                return found
            # `module.net["a"].vpc_id`: what the output names lives in that instance.
            bare = f"{prefix}module.{module_name}."
            keyed = f"{prefix}module.{module_name}{key}."
            return frozenset(keyed + t[len(bare):] if t.startswith(bare) else t for t in found)
        if head in _NOT_RESOURCES or head == "module" or head == "var":
            return frozenset()
        if head == "data":
            if len(steps) < 3:
                return frozenset()
            return frozenset({f"{prefix}data.{steps[1][0]}.{steps[2][0]}{steps[2][1] or ''}"})
        if len(steps) >= 2:
            return frozenset({f"{prefix}{head}.{steps[1][0]}{steps[1][1] or ''}"})
        return frozenset()

    def _resolve_all(self, mpath: tuple[str, ...], expr: Any, depth: int) -> frozenset[str]:
        names: list[str] = []
        _collect(expr, names)
        out: set[str] = set()
        for name in names:
            out |= self.resolve(mpath, name, depth + 1)
        return frozenset(out)


class LazyReferences(Mapping[str, tuple[str, ...]]):
    """``Resource.references`` of one plan resource, resolved on first read.

    Resolving a resource's references walks every expression of its block
    through module variables and outputs; the built-in rules read them for a
    few resource types only (routes, associations, flow logs), so a 10k plan
    resolved them for every resource and read a fraction. Reads behave as the
    dict it stands for (equality, ``repr``, pickling to a worker's parent all
    give that dict).
    """

    __slots__ = ("_address", "_index", "_value")

    def __init__(self, index: ConfigIndex, config_address: str) -> None:
        self._index: ConfigIndex | None = index
        self._address = config_address
        self._value: dict[str, tuple[str, ...]] | None = None

    def resolved(self) -> dict[str, tuple[str, ...]]:
        value = self._value
        if value is None:
            assert self._index is not None  # noqa: S101 - set until the first read, dropped then
            value = self._value = self._index.references(self._address)
            self._index = None  # the index may go once every resource has read its references
        return value

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.resolved()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resolved())

    def __len__(self) -> int:
        return len(self.resolved())

    def __contains__(self, key: object) -> bool:
        return key in self.resolved()

    def get(self, key: str, default: Any = None) -> Any:
        if self._value is None and self._index is not None:
            # One attribute (what the rules ask): resolve that expression only, not the whole block.
            found = self._index.attribute_references(self._address, key)
            return default if found is None else found
        return self.resolved().get(key, default)

    def keys(self) -> KeysView[str]:
        return self.resolved().keys()

    def items(self) -> ItemsView[str, tuple[str, ...]]:
        return self.resolved().items()

    def values(self) -> ValuesView[tuple[str, ...]]:
        return self.resolved().values()

    def __eq__(self, other: object) -> bool:
        return self.resolved() == (other.resolved() if isinstance(other, LazyReferences) else other)

    __hash__ = None  # type: ignore[assignment]  # as a dict's

    def __repr__(self) -> str:
        return repr(self.resolved())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self.resolved(),))  # a worker process sends the plain dict


def _collect(expr: Any, out: list[str]) -> None:
    """All reference names inside an expression, including nested blocks."""
    if isinstance(expr, dict):
        refs = expr.get("references")
        if isinstance(refs, list):
            try:  # nearly always a list of strings: joined as they are, with no list made to keep them
                names, joined = refs, "".join(refs)
            except TypeError:  # some are not strings: only the strings count
                names = [r for r in refs if isinstance(r, str)]
                joined = "".join(names)
            out.extend(without_bare_prefixes(names) if "[" in joined else names)
        for key, value in expr.items():
            if key not in ("references", "constant_value") and isinstance(value, (dict, list)):
                _collect(value, out)
    elif isinstance(expr, list):
        for item in expr:
            _collect(item, out)


def without_bare_prefixes(refs: list[str]) -> list[str]:
    """Drop the unkeyed prefixes Terraform adds to a keyed traversal.

    ``aws_vpc.main[0].id`` comes as ``["aws_vpc.main[0].id", "aws_vpc.main[0]",
    "aws_vpc.main"]``; the last would claim every instance. A splat in the same
    expression (``aws_vpc.main[*].id`` next to ``aws_vpc.main[0].id``) is lost
    with it, a rare shape.
    """
    keyed = [r for r in refs if "[" in r]
    if not keyed:
        return refs
    bare = {r[:r.index("[")] for r in keyed}
    return [r for r in refs if "[" in r or r not in bare]
