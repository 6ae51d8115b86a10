"""A Terraform module directory read into its declarations, and module sources.

``ModuleConfig`` is one module *in the configuration tree* (``path`` like
``("network", "sg")``): the same directory called twice gives two configs
sharing the parsed files. Reference resolution (``aws_vpc.main.id`` ->
``module.network.aws_vpc.main``) works on this tree, as the plan's
``ConfigIndex`` does on the plan's ``configuration`` section.
"""
from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterable
from dataclasses import field
from pathlib import Path
from typing import Protocol

from natpolicy.loaders.hcl.files import TF_SUFFIXES, FileSource, Overlay, within
from natpolicy.loaders.hcl.parse import Attribute, Block
from natpolicy.loaders.hcl.traversal import KeyedStep, keyed_traversals, marked_traversals
from natpolicy.records import record

__all__ = ["ModuleConfig", "FileSource", "Overlay", "RemoteModules", "is_local_source", "TF_SUFFIXES"]

_MAX_DEPTH = 32


def is_local_source(source: str) -> bool:
    """Is ``source`` a folder of this configuration (``./x``, ``../x``), as Terraform reads it?

    Module sources are one typed concept (``natpolicy.loaders.modsource``): the
    loaders ask it rather than compare strings.
    """
    from natpolicy.loaders.modsource.address import SourceKind, parse_source

    return parse_source(source).kind is SourceKind.LOCAL


class RemoteModules(Protocol):
    """Where a root's remote module calls are read from (``natpolicy.loaders.hcl.remote_modules``)."""

    def locate(self, key: tuple[str, ...], source: str, version: str | None) -> tuple[Path, Path] | str:
        """(module folder, package folder it must stay in), or why it is not available (one line)."""

    def package_of(self, directory: Path) -> Path | None:
        """The remote package holding ``directory``, if any (a local call inside it must stay inside)."""


@record
class ModuleConfig:
    directory: Path
    path: tuple[str, ...]  # module names from the root
    # The caller, held weakly: children are owned by their parent, and a
    # parent<->child cycle would leave every parse tree to the cyclic GC.
    parent_ref: Callable[[], ModuleConfig | None] = field(default=lambda: None, repr=False, compare=False)
    call: Block | None = None  # the `module` block in the parent that calls this one
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attribute] = field(default_factory=dict)
    local_files: dict[str, str] = field(default_factory=dict)  # local name -> display path of its file
    outputs: dict[str, Block] = field(default_factory=dict)
    resources: list[Block] = field(default_factory=list)  # managed and data, in file order
    module_calls: dict[str, Block] = field(default_factory=dict)
    children: dict[str, ModuleConfig] = field(default_factory=dict)
    recursive_calls: set[str] = field(default_factory=set)  # calls of a module already on the path: never expanded
    unresolved: dict[str, str] = field(default_factory=dict)  # call name -> one-line note: why it was not loaded
    declared: set[str] = field(default_factory=set)  # "aws_vpc.main", "data.aws_ami.x"
    declared_types: set[str] = field(default_factory=set)  # managed resource types: "aws_vpc"
    errors: list[str] = field(default_factory=list)
    # `moved` and `removed` blocks, with the file holding each (their addresses are read from its text).
    lifecycle: list[tuple[Path, Block]] = field(default_factory=list)
    _memo: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # resolve() and sensitivity

    @property
    def parent(self) -> ModuleConfig | None:
        return self.parent_ref()

    @property
    def prefix(self) -> str:
        return "".join(f"module.{m}." for m in self.path)

    @classmethod
    def load(cls, directory: Path, files: FileSource, path: tuple[str, ...] = (),
             parent: ModuleConfig | None = None, call: Block | None = None,
             seen: frozenset[Path] = frozenset(), remote: RemoteModules | None = None) -> ModuleConfig:
        config = cls(directory=directory, path=path, call=call,
                     parent_ref=weakref.ref(parent) if parent is not None else (lambda: None))
        for file in files.config_files(directory):
            parsed = files.parse(file)
            if parsed.error:
                config.errors.append(parsed.error)
            if parsed.body is not None:
                config._add(parsed.body.blocks)
                config.lifecycle.extend((file, b) for b in parsed.body.blocks if b.type in ("moved", "removed"))
        if len(path) < _MAX_DEPTH:
            here = seen | {Path(os.path.abspath(directory))}
            for name, block in config.module_calls.items():
                source = module_source(block)
                if source is None:
                    continue
                child_dir = config._child_dir(name, block, source, files, remote)
                if child_dir is None:
                    continue
                if Path(os.path.abspath(child_dir)) in here:
                    config.recursive_calls.add(name)  # a module calling itself would never end
                    continue
                if files.has_config(child_dir):
                    config.children[name] = cls.load(child_dir, files, (*path, name), config, block, here, remote)
        return config

    def _child_dir(self, name: str, block: Block, source: str, files: FileSource,
                   remote: RemoteModules | None) -> Path | None:
        """The folder a call reads: a local path, or where ``remote`` found the remote module."""
        if is_local_source(source):
            child_dir = Path(os.path.normpath(self.directory / source))
            package = remote.package_of(self.directory) if remote is not None else None
            if package is not None and not within(Path(os.path.abspath(child_dir)), package):
                # Terraform refuses a local path leaving its remote package; so does natpolicy.
                self.unresolved[name] = (f"{self.prefix}module.{name} ({' '.join(source.split())}) was not scanned: "
                                         "a local path inside a remote module may not leave that module's package")
                return None
            return child_dir
        if remote is None:
            return None
        found = remote.locate((*self.path, name), source, module_version(block))
        if isinstance(found, str):
            self.unresolved[name] = found
            return None
        child_dir, package = found
        files.allow_package(package)
        return child_dir

    def _add(self, blocks: Iterable[Block]) -> None:
        for block in blocks:
            kind, labels = block.type, block.labels
            if kind == "variable" and len(labels) == 1:
                self.variables[labels[0]] = block
            elif kind == "locals":
                self.locals.update(block.body.attributes)
                self.local_files.update(dict.fromkeys(block.body.attributes, block.file))
            elif kind == "output" and len(labels) == 1:
                self.outputs[labels[0]] = block
            elif kind == "resource" and len(labels) == 2:
                self.resources.append(block)
                self.declared.add(f"{labels[0]}.{labels[1]}")
                self.declared_types.add(labels[0])
            elif kind == "data" and len(labels) == 2:
                self.resources.append(block)
                self.declared.add(f"data.{labels[0]}.{labels[1]}")
            elif kind == "module" and len(labels) == 1:
                self.module_calls[labels[0]] = block

    def walk(self) -> Iterable[ModuleConfig]:
        yield self
        for child in self.children.values():
            yield from child.walk()

    # -- references ------------------------------------------------------
    def references_of(self, nodes: Iterable[object]) -> tuple[str, ...]:
        """Resource addresses the expressions refer to, with the literal instance keys
        written in them (``aws_vpc.main[0]``, ``module.net["a"].aws_vpc.this``), as
        ``natpolicy.model`` describes ``Resource.references``."""
        return tuple(sorted(self._resolve_nodes(list(nodes), -1)))

    def _with_keys(self, steps: tuple[KeyedStep, ...], found: frozenset[str]) -> frozenset[str]:
        """Put the instance keys ``steps`` wrote onto what its key-free traversal resolved to.

        A key after a resource name selects that instance; a key after a module
        call name selects that module instance for everything found inside it.
        Keys on ``var.``/``local.`` values index the value, not an instance.
        """
        head = steps[0][0]
        if head == "module" and len(steps) >= 2 and steps[1][1] is not None:
            bare = f"{self.prefix}module.{steps[1][0]}."
            keyed = f"{self.prefix}module.{steps[1][0]}{steps[1][1]}."
            return frozenset(keyed + t[len(bare):] if t.startswith(bare) else t for t in found)
        if head == "data" and len(steps) >= 3 and steps[2][1] is not None:
            local = f"{self.prefix}data.{steps[1][0]}.{steps[2][0]}"
            return frozenset(t + steps[2][1] if t == local else t for t in found)
        if head not in _NOT_INSTANCES and len(steps) >= 2 and steps[1][1] is not None:
            local = f"{self.prefix}{head}.{steps[1][0]}"
            return frozenset(t + steps[1][1] if t == local else t for t in found)
        return found

    def resolve(self, chain: tuple[str, ...], depth: int = 0) -> frozenset[str]:
        """Config addresses of the resources a name traversal leads to."""
        key = chain[:3]
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        self._memo[key] = frozenset()  # cycle guard
        result = self._resolve(key, depth) if depth <= _MAX_DEPTH else frozenset()
        self._memo[key] = result
        return result

    def _resolve(self, chain: tuple[str, ...], depth: int) -> frozenset[str]:
        head = chain[0]
        if head == "var" and len(chain) >= 2:
            parent = self.parent
            if parent is None or self.call is None:
                return frozenset()
            attr = self.call.body.attributes.get(chain[1])
            return parent._resolve_nodes([attr.expr] if attr else [], depth)
        if head == "local" and len(chain) >= 2:
            attr = self.locals.get(chain[1])
            return self._resolve_nodes([attr.expr] if attr else [], depth)
        if head == "module" and len(chain) >= 2:
            child = self.children.get(chain[1])
            if child is None:
                return frozenset()
            outputs = [chain[2]] if len(chain) >= 3 else list(child.outputs)
            nodes = []
            for name in outputs:
                block = child.outputs.get(name)
                value = block.body.attributes.get("value") if block else None
                if value is not None:
                    nodes.append(value.expr)
            return child._resolve_nodes(nodes, depth)
        if head == "data" and len(chain) >= 3:
            local = f"data.{chain[1]}.{chain[2]}"
            return frozenset({self.prefix + local}) if local in self.declared else frozenset()
        if len(chain) >= 2:
            local = f"{chain[0]}.{chain[1]}"
            return frozenset({self.prefix + local}) if local in self.declared else frozenset()
        return frozenset()

    # -- sensitivity -----------------------------------------------------
    def is_sensitive(self, nodes: Iterable[object]) -> bool:
        """Does any expression read a value Terraform would mark sensitive?

        ``sensitive = true`` variables and outputs, and whatever is computed
        from them (locals, module inputs and outputs), so a finding message
        never shows them.
        """
        return any(self._sensitive_reads(node, 0) for node in nodes)

    def _sensitive_reads(self, node: object, depth: int) -> bool:
        chains, calls_sensitive = marked_traversals(node)
        return calls_sensitive or any(self._sensitive_chain(chain, depth) for chain in chains)

    def _sensitive_chain(self, chain: tuple[str, ...], depth: int) -> bool:
        if len(chain) < 2 or depth > _MAX_DEPTH:
            return False
        key = ("\0sensitive", *chain[:3])
        cached = self._memo.get(key)
        if cached is not None:
            return bool(cached)
        self._memo[key] = frozenset()  # cycle guard: not sensitive
        result = self._sensitive(chain, depth)
        self._memo[key] = frozenset({"yes"}) if result else frozenset()
        return result

    def _sensitive(self, chain: tuple[str, ...], depth: int) -> bool:
        head, name = chain[0], chain[1]
        if head == "var":
            block = self.variables.get(name)
            if block is not None and _is_true(block.body.attributes.get("sensitive")):
                return True
            parent = self.parent
            if parent is not None and self.call is not None:
                attr = self.call.body.attributes.get(name)
                return attr is not None and parent._sensitive_nodes([attr.expr], depth)
            return False
        if head == "local":
            attr = self.locals.get(name)
            return attr is not None and self._sensitive_nodes([attr.expr], depth)
        if head == "module":
            child = self.children.get(name)
            if child is None:
                return False
            names = [chain[2]] if len(chain) >= 3 else list(child.outputs)
            for out in names:
                block = child.outputs.get(out)
                if block is None:
                    continue
                value = block.body.attributes.get("value")
                if _is_true(block.body.attributes.get("sensitive")) or (
                        value is not None and child._sensitive_nodes([value.expr], depth)):
                    return True
        return False

    def _sensitive_nodes(self, nodes: list[object], depth: int) -> bool:
        return any(self._sensitive_reads(node, depth + 1) for node in nodes)

    def _resolve_nodes(self, nodes: list[object], depth: int) -> frozenset[str]:
        out: set[str] = set()
        for node in nodes:
            for steps in keyed_traversals(node):
                found = self.resolve(tuple(name for name, _ in steps), depth + 1)
                out |= self._with_keys(steps, found) if found else found
        return frozenset(out)


# Heads whose keys index a value, never a resource instance.
_NOT_INSTANCES = frozenset({"var", "local", "each", "count", "path", "terraform", "self", "module", "data"})


def _is_true(attr: Attribute | None) -> bool:
    if attr is None:
        return False
    from natpolicy.loaders.hcl.expr import Context, evaluate
    from natpolicy.model import UNKNOWN

    return evaluate(attr.expr, Context(lambda n: UNKNOWN)) is True


def module_source(block: Block) -> str | None:
    return _literal(block, "source")


def module_version(block: Block) -> str | None:
    """The call's ``version`` constraint (registry modules), when it is a literal string."""
    return _literal(block, "version")


def _literal(block: Block, name: str) -> str | None:
    attr = block.body.attributes.get(name)
    if attr is None:
        return None
    from natpolicy.loaders.hcl.expr import Context, evaluate
    from natpolicy.model import UNKNOWN

    value = evaluate(attr.expr, Context(lambda n: UNKNOWN))
    return value if isinstance(value, str) else None
