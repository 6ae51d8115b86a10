"""``load_hcl``: Terraform configuration directories -> plan-shaped resources.

Public API (used by the CLI and by the pre-commit/diff code)::

    result = load_hcl([Path("infra/prod")], variables={"env": "prod"},
                      var_files=[Path("prod.tfvars")], display_root=Path("."),
                      text_overrides={Path("infra/prod/main.tf"): staged_text})

``text_overrides`` maps a file path to the text to use instead of the work
tree (``None`` = the file does not exist), or is an ``Overlay`` that reads
git blobs on demand; with ``only_overrides=True`` the disk is never read, so
a whole git revision can be loaded from its blobs.

Every resource instance comes out as a ``Resource`` with ``actions=("create",)``,
the same address, ``module``, ``index``, ``after`` shape and ``references``
the plan loader produces, and ``location`` = its block in the ``.tf`` file.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from natpolicy.gc_pause import paused_gc
from natpolicy.loaders.hcl import budget
from natpolicy.loaders.hcl.expr import Context, evaluate
from natpolicy.loaders.hcl.file_scope import FileScope
from natpolicy.loaders.hcl.files import ParseMemo, within
from natpolicy.loaders.hcl.instances import ModuleInstance, Shared, instance_key, iter_instances
from natpolicy.loaders.hcl.lifecycle import lifecycle_of
from natpolicy.loaders.hcl.modules import TF_SUFFIXES, FileSource, ModuleConfig, Overlay, is_local_source, module_source
from natpolicy.loaders.hcl.parse import ParseCache, parse_expression, parse_text
from natpolicy.loaders.hcl.remote_modules import ModuleOptions, RootModules
from natpolicy.loaders.hcl.var_flags import parse_var_flags  # noqa: F401  (re-exported)
from natpolicy.loaders.hcl.var_inputs import Given, check_values, undeclared_error
from natpolicy.loaders.paths import has_terraform_files  # noqa: F401  (re-exported)
from natpolicy.loaders.paths import repository_top as repository_of
from natpolicy.loaders.result import BlockKey, LoadResult
from natpolicy.model import Resource, SourceLocation
from natpolicy.records import record

__all__ = ["HclResult", "BlockKey", "load_hcl", "find_roots", "has_terraform_files", "parse_var_flags"]

_SKIP_DIRS = frozenset({".terraform", ".git", "node_modules", ".terragrunt-cache"})


# The configuration loader's result is the input side's one result type.
HclResult = LoadResult


def find_roots(directory: Path, files: FileSource | None = None) -> list[Path]:
    """Root modules under ``directory``: itself if it holds ``.tf`` files, else
    every folder below with ``.tf`` files that no other found folder calls as a
    local module (``.terraform/`` and hidden folders skipped)."""
    if has_terraform_files(directory):
        return [directory]
    with paused_gc():
        return _find_roots(directory, files)


def _find_roots(directory: Path, files: FileSource | None) -> list[Path]:
    found: list[Path] = []
    for current, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        if any(n.endswith(TF_SUFFIXES) for n in names):
            found.append(Path(current))
    called: set[Path] = set()
    source_files = files or FileSource(cache=ParseCache(), boundary=[repository_of(directory) or directory])
    source_files.prefetch(f for folder in found for f in source_files.config_files(folder))
    for folder in found:
        for file in source_files.config_files(folder):
            parsed = source_files.parse(file)
            for block in parsed.body.blocks if parsed.body else ():
                if block.type == "module":
                    source = module_source(block)
                    if source and is_local_source(source):
                        called.add(Path(os.path.normpath(os.path.abspath(folder / source))))
    if files is None and source_files.cache is not None:
        source_files.cache.flush()
    return [f for f in found if Path(os.path.abspath(f)) not in called]


def load_hcl(paths: Sequence[Path], *, variables: Mapping[str, str] | None = None, var_files: Sequence[Path] = (),
             display_root: Path | None = None, text_overrides: Mapping[Path, str | None] | Overlay | None = None,
             only_overrides: bool = False, cache_dir: Path | None | str = "default",
             parse_memo: ParseMemo | None = None, file_scope: FileScope | None = None,
             modules: ModuleOptions | None = None, base_side: bool = False, check_inputs: bool = True) -> HclResult:
    """Load each root module (a directory, or the directory of a ``.tf`` file).

    ``cache_dir``: where parse trees are cached ("default": the user's cache
    directory, honouring ``NATPOLICY_CACHE_DIR``/``NATPOLICY_NO_CACHE``; ``None``: no cache).
    ``parse_memo``: shared between loads of two revisions, so unchanged files are decoded once.
    Symbolic links leading out of the repository (or, outside git, out of the
    root) are skipped with a note: a scan must not read, or quote, files elsewhere.
    ``file_scope``: what file functions may read (git mode passes the blobs of
    its side); by default the files git tracks, else those under the scanned folder.
    ``modules``: how remote module calls are found (``.terraform/modules``, the
    module cache, the network on request); ``base_side``: this is the revision
    compared with (see ``natpolicy.loaders.hcl.remote_modules``).
    ``check_inputs``: refuse undeclared or mistyped ``--var``/``--var-file`` values (see
    ``var_inputs``); off for a base revision, which may predate a new variable.
    """
    with paused_gc():
        return _load_hcl(paths, variables, var_files, display_root, text_overrides, only_overrides, cache_dir,
                         parse_memo, file_scope, modules or ModuleOptions(), base_side, check_inputs)


def _load_hcl(paths: Sequence[Path], variables: Mapping[str, str] | None, var_files: Sequence[Path],
              display_root: Path | None, text_overrides: Mapping[Path, str | None] | Overlay | None,
              only_overrides: bool, cache_dir: Path | None | str, parse_memo: ParseMemo | None,
              file_scope: FileScope | None, modules: ModuleOptions, base_side: bool,
              check_inputs: bool = True) -> HclResult:
    base = Path(os.path.abspath(display_root or Path.cwd()))

    def display(path: Path) -> str:
        full = os.path.abspath(path)
        try:
            rel = os.path.relpath(full, base)
        except ValueError:
            return Path(full).as_posix()
        return Path(rel).as_posix()

    boundary = [repository_of(Path(p)) or Path(p if Path(p).is_dir() else Path(p).parent) for p in paths]
    overlay = text_overrides if isinstance(text_overrides, Overlay) else Overlay(text_overrides)
    files = FileSource(overlay, only_overrides, display, cache=ParseCache(cache_dir), parse_memo=parse_memo,
                       boundary=boundary)
    result = HclResult()
    roots: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.suffix in TF_SUFFIXES or path.name.endswith(".tfvars"):
            candidates = [path.parent]
        elif only_overrides or files.has_config(path):
            candidates = [path]
        else:
            candidates = find_roots(path, files)
        for candidate in candidates:
            normal = Path(os.path.abspath(candidate))
            if normal not in roots:
                roots.append(normal)
    if not only_overrides:
        files.prefetch(_tree_files(roots))

    var_errors: list[str] = []
    scopes: dict[Path, FileScope] = {}
    declared: set[str] = set()  # variables any root declares
    explicit: dict[str, Given] = {}  # --var / --var-file names, which must be declared somewhere
    for root in roots:
        sources: dict[str, Given] = {}
        values = _root_variables(root, files, variables or {}, var_files, var_errors, sources)
        scope = file_scope or _default_scope(root, boundary, scopes)
        inputs = _RootInputs(values, sources, declared) if check_inputs else None
        _load_root(root, files, values, display, result, scope, RootModules(root, modules, base_side), inputs)
        explicit.update((name, given) for name, given in sources.items() if given.explicit)
    if check_inputs and roots:
        var_errors.extend(undeclared_error(name, given) for name, given in explicit.items() if name not in declared)
    result.errors[:0] = var_errors
    if files.cache is not None:
        files.cache.flush()  # this load's new trees, as one pack
    result.unparsed = list(files.unparsed)
    result.notes.extend(f"{link}: a symbolic link leading out of the repository (or the scanned folder); not read"
                        for link in files.skipped_links)
    result.notes = sorted(set(result.notes))
    result.verbose_notes = sorted(set(result.verbose_notes))
    return result


def _tree_files(roots: list[Path]) -> list[Path]:
    """Configuration files at and below the roots: where their local modules usually live."""
    out: list[Path] = []
    for root in roots:
        for current, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            out.extend(Path(current) / n for n in sorted(names) if n.endswith(TF_SUFFIXES))
    return out


@record(frozen=True)
class _RootInputs:
    """A root's variable values with where each came from, checked once its ``variable`` blocks are read."""

    values: dict[str, Any]
    sources: dict[str, Given]
    declared: set[str]  # filled in: every root's declared names


def _load_root(root: Path, files: FileSource, values: dict[str, Any],
               display: Callable[[Path], str], result: HclResult, scope: FileScope, remote: RootModules,
               inputs: _RootInputs | None = None) -> None:
    with budget.active() as spent:  # one budget per root module (the config's hcl-budget)
        _load_root_within(root, files, values, display, result, scope, remote, inputs)
    result.notes.extend(spent.notes)


def _load_root_within(root: Path, files: FileSource, values: dict[str, Any],
                      display: Callable[[Path], str], result: HclResult, scope: FileScope,
                      remote: RootModules, inputs: _RootInputs | None = None) -> None:
    config = ModuleConfig.load(root, files, remote=remote)
    if inputs is not None:
        inputs.declared.update(config.variables)
        result.errors.extend(e for e in check_values(config.variables, inputs.values, inputs.sources)
                             if e not in result.errors)
    origin = display(root)
    result.roots.append(origin)
    result.notes.extend(remote.notes)
    result.module_sources.update(((origin, key), call) for key, call in remote.calls.items())
    result.unloaded_modules.extend((origin, address) for address in remote.unloaded)
    for module in config.walk():
        for error in module.errors:
            if error not in result.errors:
                result.errors.append(error)
    shared = Shared(report=result.verbose_notes.append, scope=scope, display=display, root_dir=root,
                    notice=result.notes.append, error=result.errors.append)
    top = ModuleInstance(config, "", shared, root_values=values,
                         twin=lambda: ModuleInstance(config, "", shared, root_values=values, masked=True))

    _record_blocks(config, origin, result)
    found = lifecycle_of(config.walk(), files.read, origin)
    result.lifecycle.moves.extend(found.moves)
    result.lifecycle.forgotten.extend(found.forgotten)
    memo: dict[Any, dict[str, Any]] = {}  # per-block facts; blocks live as long as this load
    instances = list(iter_instances(top))
    for instance in instances:
        cfg = instance.config
        for name, block in cfg.module_calls.items():
            source = module_source(block) or "?"
            if name not in cfg.children:
                if name in cfg.unresolved:
                    result.notes.append(cfg.unresolved[name])
                    continue
                if name in cfg.recursive_calls:
                    what = ("calls itself (directly or through other modules), which Terraform cannot expand; "
                            "not scanned")
                elif not is_local_source(source):
                    what = "is remote and its folder holds no Terraform files; not scanned"
                else:
                    what = "has no Terraform files and was not scanned"
                result.notes.append(f"{cfg.prefix}module.{name} ({source}) {what}")
        for block in cfg.resources:
            for inst in instance.instances(block):
                res = _resource(instance, block, inst, origin, memo)
                result.resources.append(res)
                if inst.unknown_expansion:
                    result.verbose_notes.append(f"{res.address}: its count/for_each is not known statically; "
                                                "checked once, on the settings that are known")
    for instance in [*instances, *shared.twins]:
        instance.close()


def _record_blocks(config: ModuleConfig, origin: str, result: HclResult) -> None:
    for module in config.walk():
        for block in module.resources:
            local = f"{block.labels[0]}.{block.labels[1]}"
            if block.type == "data":
                local = f"data.{local}"
            result.blocks.setdefault((origin, module.prefix + local), _location(block))
        for name, block in module.module_calls.items():
            result.blocks.setdefault((origin, f"{module.prefix}module.{name}"), _location(block))


def _location(block: Any) -> SourceLocation:
    return SourceLocation(path=block.file, start_line=block.start_line, end_line=block.end_line)


def _resource(module: ModuleInstance, block: Any, inst: Any, origin: str, memo: dict[Any, dict[str, Any]]) -> Resource:
    type_, name = block.labels[0], block.labels[1]
    mode = "data" if block.type == "data" else "managed"
    local = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    address = f"{module.address + '.' if module.address else ''}{local}{instance_key(inst.key)}"
    # Same block in the same module path: same references and mask for every instance.
    key = (id(module.config), id(block))
    shared = memo.get(key)
    if shared is None:
        shared = memo[key] = {"refs": _references(module.config, block),
                              "sensitive": _sensitive_mask(module.config, block)}
    refs = dict(shared["refs"])
    sensitive = dict(shared["sensitive"]) if shared["sensitive"] else False
    res = Resource(
        address=address,
        type=type_,
        name=name,
        mode=mode,
        module=module.address,
        index=inst.key,
        actions=("read",) if mode == "data" else ("create",),
        after=inst.after,
        references=refs,
        after_sensitive=sensitive,
        origin=origin,
        location=_location(block),
    )
    if inst.unknown_expansion:
        res.unknown_expansion = True
    res.expressions = _expressions(block, memo)
    return res


def _expressions(block: Any, memo: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """The block's configuration in the plan's ``configuration`` format.

    Checks tell "not set" from "known after apply" by looking at what the
    configuration sets (``Resource.expressions`` for plans), so HCL
    resources carry the same: ``{"references": [...]}`` or
    ``{"constant_value": ...}`` per argument, static nested blocks as lists.
    Like Terraform's, ``dynamic`` blocks are not described. Every instance
    of a block shares one (read-only) dict.
    """
    cached = memo.get(id(block))
    if cached is None:
        cached = memo[id(block)] = _expressions_of(block.body, top=True)
    return cached


def _expressions_of(body: Any, top: bool = False) -> dict[str, Any]:
    from natpolicy.loaders.hcl.expr import Context, evaluate
    from natpolicy.loaders.hcl.traversal import traversals
    from natpolicy.model import UNKNOWN

    out: dict[str, Any] = {}
    for name, attr in body.attributes.items():
        if top and name in ("count", "for_each", "depends_on", "provider"):
            continue
        refs: list[str] = []
        for chain in traversals(attr.expr):
            for n in range(len(chain), 1, -1):
                text = ".".join(chain[:n])
                if text not in refs:
                    refs.append(text)
        if refs:
            out[name] = {"references": refs}
        else:
            value = evaluate(attr.expr, Context(lambda n: UNKNOWN))
            out[name] = {"constant_value": value} if value is not UNKNOWN else {}
    for nested in body.blocks:
        if nested.type == "dynamic" or (top and nested.type in ("lifecycle", "provisioner", "connection")):
            continue
        out.setdefault(nested.type, []).append(_expressions_of(nested.body))
    return out


def _references(config: ModuleConfig, block: Any) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    body = block.body
    for name, attr in body.attributes.items():
        if name in ("depends_on", "provider"):
            continue
        key = {"count": "count_expression", "for_each": "for_each_expression"}.get(name, name)
        targets = config.references_of([attr.expr])
        if targets:
            out[key] = targets
    for nested in body.blocks:
        if nested.type in ("lifecycle", "provisioner", "connection"):
            continue
        key = nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type
        targets = config.references_of(_all_expressions(nested.body))
        if targets:
            out[key] = tuple(sorted(set(out.get(key, ())) | set(targets)))
    return out


def _sensitive_mask(config: ModuleConfig, block: Any) -> dict[str, bool] | bool:
    """``after_sensitive`` as a plan has it: top-level arguments and blocks fed by sensitive values."""
    mask: dict[str, bool] = {}
    for name, attr in block.body.attributes.items():
        if config.is_sensitive([attr.expr]):
            mask[name] = True
    for nested in block.body.blocks:
        key = nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type
        if config.is_sensitive(_all_expressions(nested.body)):
            mask[key] = True
    return mask or False


def _all_expressions(body: Any) -> list[Any]:
    nodes = [attr.expr for attr in body.attributes.values()]
    for nested in body.blocks:
        nodes.extend(_all_expressions(nested.body))
    return nodes


def _default_scope(root: Path, boundary: Sequence[Path], made: dict[Path, FileScope]) -> FileScope:
    """What file functions read outside git mode: files git tracks (read from the work
    tree), else, in a plain folder, the files under the scanned folder holding ``root``.
    git is asked only when a file function is first called."""
    top = repository_of(root)
    if top is None:
        here = Path(os.path.abspath(root))
        folder = next((Path(os.path.abspath(b)) for b in boundary if within(here, Path(os.path.abspath(b)))), here)
        return made.setdefault(folder, FileScope(folder))
    if top not in made:
        made[top] = FileScope(top, tracked=lambda: _tracked_in_work_tree(top))
    return made[top]


def _tracked_in_work_tree(top: Path) -> dict[str, str]:
    from natpolicy.loaders.gitrepo import Git, GitError

    git = Git.discover(top)  # GitRefused ("dubious ownership"): FileScope refuses every read, saying why
    if git is None:
        raise GitError("git sees no repository there, or is not installed")
    return git.tracked_files(None)


# ---------------------------------------------------------------- variables
def _root_variables(root: Path, files: FileSource, cli_vars: Mapping[str, str], var_files: Sequence[Path],
                    errors: list[str], sources: dict[str, Given] | None = None) -> dict[str, Any]:
    """Values for root variables, in Terraform's order of precedence (later wins); ``sources``: where each came from."""
    values: dict[str, Any] = {}
    origin: dict[str, Given] = {} if sources is None else sources
    auto = [root / "terraform.tfvars"]
    auto += sorted(p for p in files.list_dir(root) if p.name.endswith(".auto.tfvars"))
    for path in auto:
        text = files.read(path)
        if text is not None:
            found = _tfvars(text, files.display(path), errors)
            values.update(found)
            origin.update((name, Given(files.display(path), explicit=False)) for name in found)
    for path in var_files:
        text = files.read(Path(path))
        if text is None:
            errors.append(f"{files.display(Path(path))}:1: cannot read variables file")
            continue
        found = _tfvars(text, files.display(Path(path)), errors)
        values.update(found)
        origin.update((name, Given(files.display(Path(path)), explicit=True)) for name in found)
    for name, raw in cli_vars.items():
        values[name] = _cli_value(raw)
        origin[name] = Given("--var", explicit=True, raw=raw)
    return values


def _tfvars(text: str, display: str, errors: list[str]) -> dict[str, Any]:
    parsed = parse_text(text, display)
    if parsed.error:
        errors.append(parsed.error)
        return {}
    assert parsed.body is not None
    ctx = Context(lambda n: _no_names(n))
    return {name: evaluate(attr.expr, ctx) for name, attr in parsed.body.attributes.items()}


def _no_names(name: str) -> Any:
    from natpolicy.loaders.hcl.expr import EvalError

    raise EvalError("variables files cannot refer to other values")


def _cli_value(raw: str) -> Any:
    """``--var name=value``: a literal string unless it is written as HCL (``[...]``, ``{...}``)."""
    text = raw.strip()
    if text.startswith(("[", "{")):
        node = parse_expression(text)
        if node is not None:
            return evaluate(node, Context(lambda n: _no_names(n)))
    return raw
