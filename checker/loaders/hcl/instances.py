"""Module instances evaluated on demand: variables, locals, outputs, resources.

A ``ModuleInstance`` is one expansion of a ``ModuleConfig`` (``module.sg["web"]``).
Names are resolved lazily and memoised, so evaluation order follows the
references themselves and a reference cycle ends as unknown, not a hang.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import field
from pathlib import Path
from typing import Any

from natpolicy.address import format_key
from natpolicy.loaders.hcl import budget
from natpolicy.loaders.hcl.access import Lazy
from natpolicy.loaders.hcl.expr import Context, EvalError, evaluate, render_template_file, to_string
from natpolicy.loaders.hcl.file_scope import FileScope
from natpolicy.loaders.hcl.functions import FUNCTIONS, file_functions
from natpolicy.loaders.hcl.modules import ModuleConfig
from natpolicy.loaders.hcl.parse import Attribute, Block, Body
from natpolicy.loaders.hcl.values import Notice, TfSet
from natpolicy.loaders.hcl.vartypes import convert, type_spec
from natpolicy.model import UNKNOWN
from natpolicy.records import record

__all__ = ["ModuleInstance", "Instance", "instance_key", "iter_instances"]

_META_ATTRIBUTES = frozenset({"count", "for_each", "provider", "depends_on"})
_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_IN_PROGRESS = object()


@record
class Instance:
    """One resource instance: its key and the values Terraform would plan."""

    block: Block
    key: int | str | None
    after: Any
    unknown_expansion: bool = False  # count/for_each could not be known


@record
class Shared:
    """State shared by every module instance of one root."""

    report: Callable[[str], None]
    scope: FileScope  # what file functions may read
    display: Callable[[Path], str]
    root_dir: Path
    notice: Callable[[str], None] = lambda message: None  # for every report, not only -v
    error: Callable[[str], None] = lambda message: None  # "file:line: message": the root exits 2
    twins: list[ModuleInstance] = field(default_factory=list)  # masked twins made, closed with the load
    # "file:line" -> the expressions evaluated there, with their module (see sensitive_at)
    places: dict[str, dict[int, tuple[ModuleConfig, Any]]] = field(default_factory=dict)
    functions_by_dir: dict[Path, dict[str, Any]] = field(default_factory=dict)
    _noted: set[str] = field(default_factory=set)

    def sensitive_at(self, where: str) -> bool:
        found = self.places.get(where)
        return found is None or any(config.is_sensitive([expr]) for config, expr in found.values())

    def fail(self, message: str) -> None:
        """An error in the configuration (once, however many instances meet it)."""
        if message not in self._noted:
            self._noted.add(message)
            self.error(message)

    def note(self, message: str, where: str | None = None) -> None:
        """Report what was not evaluated once per root, with where it was first seen
        (a module called a hundred times gives one line, not a hundred).
        A ``Notice`` (a file not read) goes to every report, once per place."""
        if isinstance(message, Notice):
            # A path computed from a sensitive value (a --var secret) must not be quoted:
            # only a place known to read nothing sensitive shows it.
            shown = str(message) if where is not None and not self.sensitive_at(where) else message.redacted
            line = f"{where}: {shown}" if where else shown
            if line not in self._noted:
                self._noted.add(line)
                self.notice(line)
            return
        if message in self._noted:
            return
        self._noted.add(message)
        self.report(f"{message} (first seen at {where})" if where else message)


def instance_key(key: int | str | None) -> str:
    return format_key(key)  # as Terraform prints it: ["café"], not ["caf\u00e9"]


class ModuleInstance:
    def __init__(self, config: ModuleConfig, address: str, shared: Shared,
                 inputs: Callable[[str], tuple[bool, Any]] | None = None,
                 root_values: dict[str, Any] | None = None, *, masked: bool = False,
                 twin: Callable[[], ModuleInstance | None] | None = None) -> None:
        self.config = config
        # A masked instance sees every sensitive value as unknown: what stays
        # known there does not derive from one (see _keys_are_sensitive).
        self.masked = masked
        self._twin_source = twin
        self._twin: ModuleInstance | None | object = _IN_PROGRESS
        self.address = address  # "" for the root, else 'module.a["x"].module.b'
        self.shared = shared
        self._inputs = inputs  # name -> (given?, value) from the calling module
        self._root_values = root_values or {}
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._resources: dict[str, Any] = {}
        self._calls: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        funcs = shared.functions_by_dir.get(shared.root_dir)
        if funcs is None:
            # Terraform resolves relative file paths against the working directory (the root).
            funcs = {**FUNCTIONS, **file_functions(shared.root_dir, shared.scope, shared.note,
                                                   render_template=render_template_file)}
            shared.functions_by_dir[shared.root_dir] = funcs
        if masked:
            funcs = {**funcs, "sensitive": _masked_sensitive}
            shared.twins.append(self)
        self.context = Context(self._lookup, functions=funcs, report=shared.note)

    def _at(self, file: str, attr: Attribute) -> str:
        where = f"{file}:{attr.line}" if file else f"line {attr.line}"
        # Remembered so that a note about this place can tell whether it may show values from it.
        self.shared.places.setdefault(where, {}).setdefault(id(attr.expr), (self.config, attr.expr))
        return where

    def close(self) -> None:
        """Drop memos and the context (which refers back to this instance), so a
        finished load is freed by reference counting, not left to the cyclic GC."""
        self._vars.clear()
        self._locals.clear()
        self._resources.clear()
        self._calls.clear()
        self._outputs.clear()
        self._inputs = None
        del self.context  # a closed instance has no context: a late use fails as before (AttributeError)

    # -- names -------------------------------------------------------------
    def _lookup(self, name: str) -> Any:
        if name == "var":
            return _Namespace(self.variable)
        if name == "local":
            return _Namespace(self.local)
        if name == "module":
            return _Namespace(self.module_value)
        if name == "data":
            return _Namespace(lambda type_: _Namespace(lambda n: self.resource_value(f"data.{type_}.{n}")))
        if name == "path":
            # As in Terraform, relative to the root module (the working directory).
            module = os.path.relpath(self.config.directory, self.shared.root_dir)
            return {"module": Path(module).as_posix(), "root": ".", "cwd": self.shared.root_dir.as_posix()}
        if name == "terraform":
            # As the terraform CLI: the selected workspace, "default" unless TF_WORKSPACE names one.
            return {"workspace": os.environ.get("TF_WORKSPACE") or "default"}
        if name in ("each", "count", "self"):
            return UNKNOWN
        if name in self.config.declared_types:
            return _Namespace(lambda n: self.resource_value(f"{name}.{n}"))
        raise EvalError(f"unknown name {name!r}")

    def variable(self, name: str) -> Any:
        cached = self._vars.get(name, _IN_PROGRESS)
        if cached is not _IN_PROGRESS:
            return cached
        block = self.config.variables.get(name)
        if block is None:
            raise EvalError(f"undeclared variable {name!r}")
        self._vars[name] = UNKNOWN  # cycle guard
        value = self._variable_value(name, block)
        self._vars[name] = value
        return value

    def _variable_value(self, name: str, block: Block) -> Any:
        attrs = block.body.attributes
        given, value = False, None
        if self._inputs is not None:
            given, value = self._inputs(name)
        elif name in self._root_values:
            given, value = True, self._root_values[name]
        nullable = True
        if "nullable" in attrs:
            nullable = evaluate(attrs["nullable"].expr, Context(lambda n: UNKNOWN)) is not False
        if not given or (value is None and not nullable):
            if "default" in attrs:
                # A default refers to nothing, but may call functions (reported if unsupported).
                ctx = Context(lambda n: UNKNOWN, functions=self.context.functions, report=self.shared.note,
                              where=self._at(block.file, attrs["default"]))
                value = evaluate(attrs["default"].expr, ctx)
            else:
                return UNKNOWN  # a required variable nobody set: unknown, never a finding
        if "type" in attrs:
            value = convert(value, type_spec(attrs["type"].expr))
        if self.masked and _declared_sensitive(block):
            return UNKNOWN
        return value

    def local(self, name: str) -> Any:
        cached = self._locals.get(name, _IN_PROGRESS)
        if cached is not _IN_PROGRESS:
            return cached
        attr = self.config.locals.get(name)
        if attr is None:
            raise EvalError(f"undeclared local {name!r}")
        self._locals[name] = UNKNOWN
        file = self.config.local_files.get(name, "")
        value = evaluate(attr.expr, self.context.at(self._at(file, attr)))
        self._locals[name] = value
        return value

    # -- modules -----------------------------------------------------------
    def module_value(self, name: str) -> Any:
        """``module.<name>``: its outputs, per instance when it has count/for_each."""
        block = self.config.module_calls.get(name)
        if block is None:
            raise EvalError(f"undeclared module {name!r}")
        instances = self.module_instances(name)
        if instances is None:
            return UNKNOWN
        if "count" in block.body.attributes:
            return [_Outputs(child) for _, child in instances]
        if "for_each" in block.body.attributes:
            return {str(key): _Outputs(child) for key, child in instances}
        return _Outputs(instances[0][1]) if instances else UNKNOWN

    def module_instances(self, name: str) -> list[tuple[int | str | None, ModuleInstance]] | None:
        """Instances of a local module call; ``None`` when remote or not expandable."""
        cached = self._calls.get(name, _IN_PROGRESS)
        if cached is not _IN_PROGRESS:
            return cached
        self._calls[name] = None
        child_config = self.config.children.get(name)
        block = self.config.module_calls[name]
        result: list[tuple[int | str | None, ModuleInstance]] | None = None
        if child_config is not None:
            expansion = self._expansion(block)
            if expansion is not None:
                result = []
                for key, bindings in expansion:
                    address = f"{self.address + '.' if self.address else ''}module.{name}{instance_key(key)}"
                    result.append((key, ModuleInstance(child_config, address, self.shared,
                                                       inputs=self._input_reader(block, bindings),
                                                       masked=self.masked, twin=self._child_twin(name, key))))
        self._calls[name] = result
        return result

    def _input_reader(self, call: Block, bindings: dict[str, Any]) -> Callable[[str], tuple[bool, Any]]:
        ctx = self.context.bind(**bindings)
        body = call.body

        def read(name: str) -> tuple[bool, Any]:
            attr = body.attributes.get(name)
            if attr is None or name in _META_ATTRIBUTES or name in ("source", "version", "providers"):
                return False, None
            return True, evaluate(attr.expr, ctx.at(self._at(call.file, attr)))

        return read

    def output(self, name: str) -> Any:
        """An output's value, once per instance (callers read outputs over and over)."""
        cached = self._outputs.get(name, _IN_PROGRESS)
        if cached is not _IN_PROGRESS:
            return cached
        block = self.config.outputs.get(name)
        if block is None:
            raise EvalError(f"module has no output {name!r}")
        self._outputs[name] = UNKNOWN  # cycle guard
        if self.masked and _declared_sensitive(block):
            return UNKNOWN
        attr = block.body.attributes.get("value")
        # A whole resource (`value = aws_security_group.this`) stays lazy, so
        # `module.m.sg.name` reads the configured name.
        value = (evaluate(attr.expr, self.context.at(self._at(block.file, attr)), keep_lazy=True)
                 if attr is not None else None)
        self._outputs[name] = value
        return value

    # -- sensitive values --------------------------------------------------
    def twin(self) -> ModuleInstance | None:
        """This instance as seen with every sensitive value unknown (itself when masked)."""
        if self.masked:
            return self
        if self._twin is _IN_PROGRESS:
            self._twin = None  # cycle guard
            self._twin = self._twin_source() if self._twin_source is not None else None
        return self._twin  # type: ignore[return-value]

    def _child_twin(self, name: str, key: int | str | None) -> Callable[[], ModuleInstance | None]:
        def find() -> ModuleInstance | None:
            twin = self.twin()
            found = twin.module_instances(name) if twin is not None else None
            return next((child for k, child in found or () if k == key), None)

        return find

    def _keys_are_sensitive(self, block: Block, meta: str, keys: list[int | str | None]) -> bool:
        """Would ``count``/``for_each`` put a sensitive value into instance keys?

        Terraform refuses that ("Sensitive values, or values derived from
        sensitive values, cannot be used as for_each arguments"). An
        expression that reads nothing sensitive is fine at once; else it is
        evaluated again with every sensitive value unknown: keys that stay the
        same (a map of objects holding a password) do not derive from one.
        """
        attr = block.body.attributes[meta]
        if self.masked or not self.config.is_sensitive([attr.expr]):
            return False
        twin = self.twin()
        if twin is None:
            return True
        masked = twin._expand(block)
        return masked is None or [key for key, _ in masked] != keys

    def _expansion(self, block: Block) -> list[tuple[int | str | None, dict[str, Any]]] | None:
        """:meth:`_expand`, except that keys derived from a sensitive value are an error, and then
        unknown: the block is checked once, without keys, on the settings that are known (and a
        deletion check does not take its missing instances for deleted ones)."""
        found = self._expand(block)
        attrs = block.body.attributes
        meta = "count" if "count" in attrs else "for_each" if "for_each" in attrs else None
        if found is not None and meta is not None and self._keys_are_sensitive(block, meta, [k for k, _ in found]):
            self.shared.fail(f"{self._at(block.file, attrs[meta])}: {self.address + '.' if self.address else ''}"
                             f"{_block_name(block)}: its {meta} is derived from a sensitive value, which Terraform "
                             "refuses (the value would become part of instance addresses); checked once, without "
                             "its keys")
            return None
        return found

    # -- resources ---------------------------------------------------------
    def _expand(self, block: Block) -> list[tuple[int | str | None, dict[str, Any]]] | None:
        """Instance keys and the ``count``/``each`` bindings; ``None`` if unknowable."""
        attrs = block.body.attributes
        if "count" in attrs:
            count = evaluate(attrs["count"].expr, self.context.at(self._at(block.file, attrs["count"])))
            if isinstance(count, str) and count.isascii() and count.isdigit():
                count = int(count)  # "2" converts, as Terraform converts it
            if count is UNKNOWN or isinstance(count, bool) or not isinstance(count, int) or count < 0:
                return None  # unknown, or a count Terraform refuses
            if not self._take_instances(count, block, f"count = {count:,}", attrs["count"]):
                return None  # never a silent cut: instances past the cut could hide a deletion
            return [(i, {"count": {"index": i}}) for i in range(count)]
        if "for_each" in attrs:
            each = evaluate(attrs["for_each"].expr, self.context.at(self._at(block.file, attrs["for_each"])))
            if isinstance(each, dict):
                if not self._take_instances(len(each), block, f"for_each over {len(each):,} keys", attrs["for_each"]):
                    return None
                return [(k, {"each": {"key": k, "value": each[k]}}) for k in sorted(each)]
            if isinstance(each, TfSet) and all(isinstance(v, str) for v in each):
                if not self._take_instances(len(each), block, f"for_each over {len(each):,} keys", attrs["for_each"]):
                    return None
                # A set of strings: each value is its own key (`["22"]`), as in Terraform.
                return [(v, {"each": {"key": v, "value": v}}) for v in each]
            # Unknown, or what Terraform refuses: a list or tuple (it wants toset()),
            # a set of numbers, or a set with unknown members.
            return None
        if not self._take_instances(1, block, "one more instance", None):
            return None
        return [(None, {})]

    def _take_instances(self, n: int, block: Block, what: str, attr: Attribute | None) -> bool:
        """Reserve ``n`` instances from the budget; past it, a note (the caller leaves them unexpanded)."""
        spent = budget.current()
        if spent is None or spent.take_instances(n):
            return True
        then = ("this module call is not expanded: the resources in it are not checked" if block.type == "module"
                else "its instances are checked once, on the settings that are known")
        where = self._at(block.file, attr) if attr is not None else f"{block.file}:{block.start_line}"
        spent.note(what, where, "instances", then)
        return False

    def instances(self, block: Block) -> list[Instance]:
        local = _local_address(block)
        cached = self._resources.get(local, _IN_PROGRESS)
        if cached is not _IN_PROGRESS:
            return cached
        self._resources[local] = []  # cycle guard: a self-reference sees no instances
        expansion = self._expansion(block)
        result: list[Instance] = []
        if expansion is None:
            # Terraform would refuse to plan this; keep one representative
            # instance so its known settings are still checked.
            ctx = self.context.bind(count={"index": UNKNOWN}, each={"key": UNKNOWN, "value": UNKNOWN})
            result.append(Instance(block, None, self.body_values(block.body, ctx, file=block.file),
                                   unknown_expansion=True))
        else:
            for key, bindings in expansion:
                ctx = self.context.bind(**bindings)
                result.append(Instance(block, key, self.body_values(block.body, ctx, file=block.file)))
        self._resources[local] = result
        return result

    def resource_value(self, local: str) -> Any:
        """What ``aws_x.y`` evaluates to: configured values, unknown elsewhere."""
        block = next((b for b in self.config.resources if _local_address(b) == local), None)
        if block is None:
            raise EvalError(f"undeclared resource {local!r}")
        instances = self.instances(block)
        attrs = block.body.attributes
        if instances and instances[0].unknown_expansion:
            return UNKNOWN
        if "count" in attrs:
            return [_ResourceObject(i.after) for i in instances]
        if "for_each" in attrs:
            return {str(i.key): _ResourceObject(i.after) for i in instances}
        return _ResourceObject(instances[0].after) if instances else UNKNOWN

    def body_values(self, body: Body, ctx: Context, depth: int = 0, file: str = "") -> dict[str, Any]:
        """A block's arguments and nested blocks shaped like the plan's values."""
        out: dict[str, Any] = {}
        for name, attr in body.attributes.items():
            if name in _META_ATTRIBUTES and depth == 0:
                continue
            value = evaluate(attr.expr, ctx.at(self._at(file, attr)), argument=True)
            if value is not None:  # null leaves the argument unset
                out[name] = value
        if depth > 16:
            return out
        nested: dict[str, Any] = {}
        for block in body.blocks:
            if block.type in _META_BLOCKS and depth == 0:
                continue
            if block.type == "dynamic" and block.labels:
                kind = block.labels[0]
                items = self._dynamic(block, ctx, depth, file)
                if items is None or nested.get(kind) is UNKNOWN:
                    nested[kind] = UNKNOWN
                else:
                    nested.setdefault(kind, []).extend(items)
            elif nested.get(block.type) is not UNKNOWN:
                nested.setdefault(block.type, []).append(self.body_values(block.body, ctx, depth + 1, file))
        out.update(nested)
        return out

    def _dynamic(self, block: Block, ctx: Context, depth: int, file: str) -> list[Any] | None:
        attrs = block.body.attributes
        if "for_each" not in attrs:
            return []
        collection = evaluate(attrs["for_each"].expr, ctx.at(self._at(file, attrs["for_each"])))
        iterator = block.labels[0]
        if "iterator" in attrs:
            name = _bare_name(attrs["iterator"].expr)
            if name:
                iterator = name
        if isinstance(collection, dict):
            pairs = [(k, collection[k]) for k in sorted(collection)]
        elif isinstance(collection, TfSet):
            # Over a set the key is the value itself: `ingress.key` is "22", not 0.
            pairs = [(v, v) for v in collection]
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return None
        spent = budget.current()
        if spent is not None and not spent.take_instances(len(pairs)):
            spent.note(f"a dynamic block over {len(pairs):,} items", self._at(file, attrs["for_each"]), "instances",
                       "the block is treated as unknown")
            return None
        content = next((b for b in block.body.blocks if b.type == "content"), None)
        if content is None:
            return []
        return [self.body_values(content.body, ctx.bind(**{iterator: {"key": k, "value": v}}), depth + 1, file)
                for k, v in pairs]


def _declared_sensitive(block: Block) -> bool:
    attr = block.body.attributes.get("sensitive")
    return attr is not None and evaluate(attr.expr, Context(lambda n: UNKNOWN)) is True


def _masked_sensitive(*args: Any) -> Any:
    if len(args) != 1:
        raise EvalError("sensitive(): wrong number of arguments")
    return UNKNOWN


def _block_name(block: Block) -> str:
    if block.type == "module":
        return f"module.{block.labels[0]}"
    return _local_address(block)


def _bare_name(node: Any) -> str | None:
    from lark import Tree

    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "identifier":
        return str(node.children[0])
    return None


def _local_address(block: Block) -> str:
    type_, name = block.labels[0], block.labels[1]
    return f"data.{type_}.{name}" if block.type == "data" else f"{type_}.{name}"


class _Namespace(Lazy):
    """``var``/``local``/``module``/resource types: attribute access calls ``get``."""

    __slots__ = ("_get",)

    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get

    def attr(self, name: str) -> Any:
        return self._get(name)

    def index(self, key: Any) -> Any:
        if key is UNKNOWN:
            return UNKNOWN
        return self._get(to_string(key))


class _Outputs(Lazy):
    __slots__ = ("_module",)

    def __init__(self, module: ModuleInstance) -> None:
        self._module = module

    def attr(self, name: str) -> Any:
        return self._module.output(name)

    def index(self, key: Any) -> Any:
        return UNKNOWN if key is UNKNOWN else self._module.output(to_string(key))

    def materialize(self) -> Any:
        return {name: self._module.output(name) for name in sorted(self._module.config.outputs)}


class _ResourceObject(Lazy):
    """A resource seen from another expression: configured values, else unknown."""

    __slots__ = ("_values",)

    def __init__(self, values: Any) -> None:
        self._values = values

    def attr(self, name: str) -> Any:
        if isinstance(self._values, dict) and name in self._values:
            return self._values[name]
        return UNKNOWN

    def index(self, key: Any) -> Any:
        return UNKNOWN if key is UNKNOWN else self.attr(to_string(key))

    def materialize(self) -> Any:
        return UNKNOWN


def iter_instances(root: ModuleInstance) -> Iterator[ModuleInstance]:
    """The root and every local module instance below it, depth first."""
    stack = [root]
    while stack:
        module = stack.pop(0)
        yield module
        children: list[ModuleInstance] = []
        for name in module.config.module_calls:
            found = module.module_instances(name)
            if found:
                children.extend(child for _, child in found)
        stack[:0] = children


