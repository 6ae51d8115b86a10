"""Deletions without a plan: the configuration being committed against ``HEAD``.

HCL alone only says what *will* exist; a NAT gateway whose block was just
removed is simply absent. In a git repository the configuration at ``HEAD``
(or ``--diff-base REF``) says what exists now, so both sides are loaded and
merged into one plan-shaped model:

* only at the base: ``actions=("delete",)``, ``before`` = its values there
  (``("forget",)`` under ``removed { lifecycle { destroy = false } }``);
* on both sides: the new values, ``before`` = the old ones, ``update``/``no-op``;
* only in the new configuration: ``create``.

``moved`` blocks rename base addresses first, and Terraform's implied move
between ``x`` and ``x[0]`` is honoured, so neither reads as a deletion. A
file that does not parse on the new side hides what it declares, so its
base resources are not counted as deleted (a note says so).

A deleted resource has no block in the new content, so its findings are
placed on a block that is there (the route table that loses its route,
else the subnet the gateway was in), with the old block named in the
message; only when there is none does the finding keep the base position.

Resource ids are unknown in HCL, yet the NAT rules follow routes by id (as in
a plan). So each resource gets a stand-in id (its address), and ``*_id``
arguments that refer to exactly one resource take that resource's stand-in.

In a pre-commit run the new side is the git index (what is committed), not
the work tree. Blobs are read only for the folders the roots load.
"""
from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from natpolicy.address import module_path, module_steps, strip_instance_keys
from natpolicy.errors import UsageError
from natpolicy.loaders.deletions import DeletedPlacement
from natpolicy.loaders.gitrepo import Git, GitError, GitRefused
from natpolicy.loaders.hcl.lifecycle import Move
from natpolicy.loaders.result import LoadResult
from natpolicy.loaders.side_cache import SideCache, WatchedReads, load_side, side_key
from natpolicy.model import UNKNOWN, Resource, SourceLocation

__all__ = [
    "Git",
    "GitError",
    "DiffLoad",
    "Move",
    "staged_deletions",
    "load_compared",
    "merge_sides",
    "assign_stand_in_ids",
]

# A resource's block lines, or None when its text is not at hand.
SourceLines = Callable[[Resource], "list[str] | None"]


def staged_deletions(cwd: Path, suffixes: Sequence[str]) -> list[str]:
    """Files with ``suffixes`` deleted in the index, relative to ``cwd``; [] outside git.

    A repository git refuses gives [] too: ``load_compared`` reports why.
    """
    try:
        git = Git.discover(cwd)
        if git is None:
            return []
        deleted = git.staged_deletions()
    except GitError:
        return []
    out = []
    for path in deleted:
        if path.endswith(tuple(suffixes)):
            out.append(os.path.relpath(git.root / path, cwd))
    return out


# -- loading both sides -----------------------------------------------------------

# The HCL loader's result, with the texts read from git and the commit compared with.
DiffLoad = LoadResult


def load_compared(paths: Sequence[Path], *, base: str | None = None, staged: bool = False,
                  variables: Mapping[str, str] | None = None, var_files: Sequence[Path] = (),
                  display_root: Path | None = None, modules: Any = None) -> DiffLoad | None:
    """Load the HCL roots at ``paths`` and merge in what the base revision had.

    Returns ``None`` outside a git repository (unless ``base`` was asked for,
    which is then a usage error), so the caller loads the work tree as usual;
    ``staged`` (the pre-commit view) then has no index to read either. When
    git refuses the repository, the work tree is loaded and a note says why
    deletions were not checked (with ``base``, that is an error).
    ``modules`` (a ``ModuleOptions``): how remote modules are found; both sides
    read the work tree's ``.terraform/modules``, which git does not hold.
    """
    from natpolicy.loaders.paths import has_terraform_files

    if not paths:
        return None
    display_base = Path(os.path.abspath(display_root or Path.cwd()))
    common: dict[str, Any] = dict(variables=variables, var_files=var_files, display_root=display_base,
                                  modules=modules)
    roots = _roots(paths, has_terraform_files)
    try:
        git = Git.discover(Path(paths[0]))
    except GitRefused as refused:
        if base is not None:
            raise UsageError(f"--diff-base {base}: git cannot read the repository at {refused.folder}: "
                             f"{refused.summary}{refused.hint}") from None
        from natpolicy.loaders.hcl.loader import load_hcl

        after = load_hcl(roots, **common)
        seen = "the work tree was checked instead of the staged content, and " if staged else ""
        note = (f"git cannot read the repository at {_display(refused.folder, display_base)} "
                f"({refused.summary}): {seen}deleted blocks (NAT001) were not looked for{refused.hint}")
        return _as_load(after, after.resources, [note], {}, None)
    if git is None:
        if base is not None:
            raise UsageError(f"--diff-base needs a git repository, and {paths[0]} is not in one")
        return None  # outside git the work tree is all there is, staged or not
    ref = base or "HEAD"
    commit = git.commit(ref)
    if commit is None and base is not None:
        raise UsageError(f"--diff-base {base}: no such commit in {git.root}")

    extra = {Path(os.path.abspath(p)): _read(p) for p in var_files}  # variables files come from disk
    memo: dict[Any, Any] = {}  # parses shared by both sides: most files are the same
    texts: dict[str, str] = {}
    # Each side read from git is evaluated once and kept across runs (natpolicy.loaders.side_cache).
    sides, key = SideCache.for_user(), partial(side_key, roots, display_base, git.root, variables, extra, modules)

    def side(commit: str | None, read_blobs: Any, **options: Any) -> Callable[[], Any]:
        def load() -> tuple[LoadResult, dict[Path, str | None], bool]:
            from natpolicy.loaders.hcl.loader import load_hcl  # the parser's stack: only when evaluating

            overlay = _overlay(git, git.tree_files(commit) if commit else git.index_files(), extra, read_blobs)
            reads = WatchedReads(read_blobs.raw)
            scope = _blob_scope(git, commit, reads)
            loaded = load_hcl(roots, text_overrides=overlay, only_overrides=True, parse_memo=memo, file_scope=scope,
                              **options, **common)
            return loaded, overlay.texts_read(), not reads.failed and not scope.refuse_all
        return load

    try:
        with git.blob_reader() as read_blobs:
            # In git mode file functions read the blobs of each side, never the work tree:
            # the index for the new side (the hook, and --diff-base), the base commit's tree for the base.
            if staged:
                after, after_texts = load_side(sides, key(True), lambda: git.side_listing(None),
                                               side(None, read_blobs))
                texts = {_display(p, display_base): t for p, t in after_texts.items() if t is not None}
            else:
                from natpolicy.loaders.hcl.loader import load_hcl

                staged_files = _blob_scope(git, None, read_blobs.raw) if base is not None else None
                after = load_hcl(roots, parse_memo=memo, file_scope=staged_files, **common)
                after_texts = {}
            if commit is None:  # a repository without commits: everything is new
                return _as_load(after, after.resources, [], texts, None)
            before, before_texts = load_side(sides, key(False), lambda: git.side_listing(commit),
                                             side(commit, read_blobs, base_side=True, check_inputs=False))
    except GitError as exc:
        raise UsageError(f"git could not read {ref} in {git.root}: {exc}") from None

    merged, notes = merge_sides(
        before.resources, after.resources, after.lifecycle.moves, after.lifecycle.forgotten,
        before_source=_block_lines(before_texts, display_base, disk=False),
        after_source=_block_lines(after_texts, display_base, disk=not staged),
        unparsed=after.unparsed, base_blocks=before.blocks, base_label=ref, unloaded=after.unloaded_modules)
    notes.extend(module_changes(before.module_sources, after.module_sources, ref))
    if before.errors:
        notes.append(f"the configuration at {ref} does not fully parse ({before.errors[0]}); "
                     "deletions from those files cannot be seen")
    return _as_load(after, merged, notes, texts, commit)


def module_changes(before: Mapping[tuple[str, str], tuple[str, str | None]],
                   after: Mapping[tuple[str, str], tuple[str, str | None]], base_label: str) -> list[str]:
    """Notes on remote modules whose source or version differ between the two sides, per root."""
    from natpolicy.loaders.modsource import ChangeKind, ManifestEntry, manifest_changes

    def entries(side: Mapping[tuple[str, str], tuple[str, str | None]], origin: str) -> dict[str, ManifestEntry]:
        return {key: ManifestEntry(key=key, source=source, version=version, directory=Path(), recorded_dir="")
                for (root, key), (source, version) in side.items() if root == origin}

    notes = []
    for origin in sorted({root for root, _ in (*before, *after)}):
        for change in manifest_changes(entries(before, origin), entries(after, origin)):
            if change.kind in (ChangeKind.SOURCE, ChangeKind.VERSION):
                notes.append(f"{origin}: {' '.join(change.message.split())} since {base_label}")
    return notes


def _overlay(git: Git, files: Mapping[str, str], extra: Mapping[Path, str | None],
             read_blobs: Callable[[list[str]], Mapping[str, str | None]]) -> Any:
    from natpolicy.loaders.hcl.modules import Overlay

    blobs = {Path(os.path.abspath(git.root / path)): blob for path, blob in files.items()}
    return Overlay(texts=extra, blobs=blobs, read_blobs=read_blobs)


def _blob_scope(git: Git, commit: str | None, read_blob: Any) -> Any:
    """File functions' view of one side: the files git tracks there, read from their blobs."""
    from natpolicy.loaders.hcl.file_scope import FileScope

    return FileScope(git.root, tracked=lambda: git.tracked_files(commit), read_blob=read_blob)


def _as_load(after: LoadResult, resources: list[Resource], notes: list[str], texts: dict[str, str],
             commit: str | None) -> DiffLoad:
    return DiffLoad(resources=resources, errors=list(after.errors), notes=[*after.notes, *notes],
                    blocks=dict(after.blocks), roots=list(after.roots),
                    verbose_notes=list(after.verbose_notes), texts=texts, base=commit)


def _roots(paths: Sequence[Path], has_terraform_files: Any) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir() and not has_terraform_files(path):
            from natpolicy.loaders.hcl.loader import find_roots

            out.extend(find_roots(path))
        else:
            out.append(path)
    return out


def _block_lines(texts: Mapping[Path, str | None], display_base: Path, *, disk: bool) -> SourceLines:
    """A resource's block lines, from the texts git gave (or the disk for the work tree)."""
    cache: dict[Path, list[str] | None] = {}

    def lines(res: Resource) -> list[str] | None:
        if res.location is None:
            return None
        path = Path(os.path.abspath(display_base / res.location.path))
        if path not in cache:
            text = texts[path] if path in texts else (_read(path) if disk else None)
            cache[path] = text.splitlines() if text is not None else None
        found = cache[path]
        if found is None:
            return None
        return found[res.location.start_line - 1:res.location.end_line or res.location.start_line]

    return lines


def _read(path: Path) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def _display(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path, os.path.abspath(base))).as_posix()
    except ValueError:
        return path.as_posix()


# -- moved and removed blocks (collected by natpolicy.loaders.hcl.lifecycle) -------------------

def _rewrite(address: str, module: str, source: str, target: str) -> str | None:
    """``address`` after ``moved { from = source  to = target }`` declared in ``module``."""
    rest = _inside(address, module)
    if rest is None:
        return None
    prefix, relative = rest
    if relative == source or relative.startswith((source + ".", source + "[")):
        # A whole resource (all its instances) or a whole module moves with its contents.
        return prefix + target + relative[len(source):]
    return None


def _inside(address: str, module: str) -> tuple[str, str] | None:
    """Split ``address`` into the instance prefix of config module ``module`` and the rest."""
    if not module:
        return "", address
    names = module_path(module)
    steps = module_steps(address)[:len(names)]
    if [name for name, _ in steps] != list(names):
        return None
    prefix = "".join(text for _, text in steps)
    return prefix, address[len(prefix):]


# -- merging ---------------------------------------------------------------------------

def merge_sides(before: Sequence[Resource], after: Sequence[Resource], moves: Sequence[Move] = (),
                forgotten: Sequence[tuple[str, ...]] = (), *, before_source: SourceLines | None = None,
                after_source: SourceLines | None = None, unparsed: Iterable[str] = (),
                base_blocks: Mapping[tuple[str, str], SourceLocation] | None = None,
                base_label: str = "HEAD", unloaded: Iterable[tuple[str, str]] = ()) -> tuple[list[Resource], list[str]]:
    """One plan-shaped resource list from the base side and the new side.

    ``*_source`` give each side's block lines (see ``assign_stand_in_ids``).
    ``unparsed``: display paths of new-side files that did not parse; base
    resources declared there (or inside a module called from there, per the
    base's ``base_blocks``) cannot be judged, so they are not deleted; nor are
    those inside a remote module call the new side could not read (``unloaded``:
    (origin, ``module.vpc``)), since absent there is not deleted either.
    """
    notes: list[str] = []
    # Keyed by root too: two roots (envs/dev, envs/prod) hold the same addresses.
    after_by_address = {(r.origin, r.address): r for r in after if r.mode == "managed"}
    after_configs: dict[tuple[str, str], list[Resource]] = {}
    for r in after:
        if r.mode == "managed":
            after_configs.setdefault((r.origin, r.config_address), []).append(r)
    hidden_by = _hidden_by(set(unparsed), base_blocks or {})
    not_read = set(unloaded)
    unread: dict[str, None] = {}

    matched: dict[int, Resource] = {}  # id(after resource) -> its base counterpart
    gone: list[Resource] = []
    unjudged: dict[str, None] = {}
    for old in before:
        if old.mode != "managed":
            continue
        address = _moved_address(old.address, [m for m in moves if m.origin in ("", old.origin)])
        new = after_by_address.get((old.origin, address))
        if new is None:
            new = _implied_move(old, after_configs)
        if new is not None and id(new) not in matched:
            matched[id(new)] = old
            continue
        siblings = after_configs.get((old.origin, old.config_address), [])
        if any(s.unknown_expansion for s in siblings):
            continue  # count/for_each unknown now: cannot say which instances go
        call = _unloaded_call(old, not_read)
        if call is not None:
            unread.setdefault(call, None)
            continue
        broken = hidden_by(old)
        if broken is not None:
            unjudged.setdefault(broken, None)  # its file does not parse now: absent is not deleted
            continue
        gone.append(old)
    notes.extend(f"{path} does not parse, so the blocks it had at {base_label} are not counted as deleted "
                 "(deletions there cannot be judged until it parses)" for path in unjudged)
    notes.extend(f"{call} could not be read now, so what it held at {base_label} is not counted as deleted"
                 for call in unread)
    if not gone:
        # Nothing left the configuration: the base adds nothing a check could use.
        return list(after), notes

    # Stand-in ids are addresses; with several roots (which share addresses) they name the root too.
    qualify = len({r.origin for r in (*before, *after)}) > 1
    assign_stand_in_ids(before, source=before_source, qualify=qualify)
    # A moved object keeps its id, so it keeps its stand-in too.
    # Deleted resources stay resolvable: a route still naming a removed gateway
    # (invalid, but what a hurried commit looks like) points at a dead id.
    assign_stand_in_ids(after, {new_id: _stand_in_id(old, qualify) for new_id, old in matched.items()},
                        source=after_source, gone=gone, qualify=qualify)
    survivors = {(base.origin, base.address): new for new in after if (base := matched.get(id(new))) is not None}
    placement = DeletedPlacement(before, survivors, base_label)
    merged: list[Resource] = []
    for old in gone:
        res = _copy(old)
        res.actions = ("forget",) if _is_forgotten(old, forgotten) else ("delete",)
        res.action_reason = "delete_because_no_resource_config"
        res.before, res.after = old.after, None
        res.before_sensitive, res.after_sensitive = old.after_sensitive, False
        placement.place(res, old)
        merged.append(res)

    for new in after:
        if new.mode != "managed":
            merged.append(new)
            continue
        counterpart = matched.get(id(new))
        if counterpart is None:
            merged.append(new)
            continue
        both = _copy(new)
        both.before = counterpart.after
        both.before_sensitive = counterpart.after_sensitive
        both.actions = ("no-op",) if _same(counterpart.after, new.after) else ("update",)
        if counterpart.address != new.address:
            both.previous_address = counterpart.address
        merged.append(both)
    return merged, notes


def _unloaded_call(old: Resource, unloaded: set[tuple[str, str]]) -> str | None:
    """The remote module call (config address) holding ``old`` that the new side could not read."""
    if not unloaded:
        return None
    names = module_path(old.module)
    for depth in range(len(names)):
        call = ".".join(f"module.{n}" for n in names[:depth + 1])
        if (old.origin, call) in unloaded:
            return call
    return None


def _hidden_by(unparsed: set[str], base_blocks: Mapping[tuple[str, str], SourceLocation]
               ) -> Callable[[Resource], str | None]:
    """The unparsed new-side file that hides a base resource: its own file, or a module call's."""
    def hidden(old: Resource) -> str | None:
        if not unparsed:
            return None
        if old.location is not None and old.location.path in unparsed:
            return old.location.path
        names = module_path(old.module)
        for depth in range(len(names)):
            call = base_blocks.get((old.origin, ".".join(f"module.{n}" for n in names[:depth + 1])))
            if call is not None and call.path in unparsed:
                return call.path
        return None

    return hidden


def _moved_address(address: str, moves: Sequence[Move]) -> str:
    # Chains (a -> b, b -> c) are followed, as Terraform does, with a bound for cycles.
    for _ in range(len(moves) + 1):
        for move in moves:
            new = _rewrite(address, move.module, move.source, move.target)
            if new is not None and new != address:
                address = new
                break
        else:
            return address
    return address


def _implied_move(old: Resource, after_configs: Mapping[tuple[str, str], list[Resource]]) -> Resource | None:
    """Terraform moves ``x`` to ``x[0]`` (and back) when count is added or removed."""
    siblings = after_configs.get((old.origin, old.config_address), [])
    if old.index is None:
        found = [s for s in siblings if s.index == 0 and s.module == old.module]
    elif old.index == 0:
        found = [s for s in siblings if s.index is None and s.module == old.module]
    else:
        found = []
    return found[0] if len(found) == 1 else None


def _is_forgotten(old: Resource, forgotten: Sequence[tuple[str, ...]]) -> bool:
    """Under a ``removed`` block with ``destroy = false``: (module prefix, address[, root])."""
    return any(_rewrite(old.address, entry[0], entry[1], entry[1]) is not None
               for entry in forgotten if len(entry) < 3 or entry[2] in ("", old.origin))


def _same(a: Any, b: Any) -> bool:
    if a is UNKNOWN or b is UNKNOWN:
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _copy(resource: Resource) -> Resource:
    return copy.copy(resource)  # every loader field is immutable or replaced whole


# -- stand-in ids ------------------------------------------------------------------------

def _stand_in_id(res: Resource, qualify: bool) -> str:
    return f"{res.origin}:{res.address}" if qualify else res.address


def assign_stand_in_ids(resources: Sequence[Resource], ids: Mapping[int, str] | None = None,
                        source: SourceLines | None = None, gone: Sequence[Resource] = (),
                        qualify: bool = False) -> None:
    """Give every managed resource an id and resolve ``*_id`` references to those ids.

    The NAT rules match routes to gateways by id, as a plan allows. The
    address is the stand-in: it is unique within one root and reads well in
    a message (``ids``, keyed by ``id(resource)``, overrides it for moved
    objects); ``qualify`` prefixes the root, for runs over several roots,
    whose addresses repeat. An argument is filled only when it refers to exactly one
    resource instance whose type fits the argument's name, so an ambiguous
    reference stays unknown (and unknown is never a violation). ``source``
    gives a resource's block lines: a literal ``aws_x.y[1].id`` written there
    picks the instance the references (which drop keys) cannot, and names
    ``gone`` resources (already given their ids) that references omit
    because the configuration no longer declares them.
    """
    by_config: dict[tuple[str, str], list[Resource]] = {}
    for res in resources:
        if res.mode != "managed":
            continue
        by_config.setdefault((res.origin, res.config_address), []).append(res)
        if isinstance(res.after, dict) and not isinstance(res.after.get("id"), str):
            res.after = {**res.after, "id": (ids or {}).get(id(res), _stand_in_id(res, qualify))}
    removed: dict[tuple[str, str], list[Resource]] = {}
    for res in gone:
        if (res.origin, res.config_address) not in by_config:
            removed.setdefault((res.origin, res.config_address), []).append(res)
    lookup: Mapping[tuple[str, str], list[Resource]] = {**removed, **by_config} if removed else by_config
    for res in resources:
        if res.mode != "managed" or not isinstance(res.after, dict):
            continue
        lines = source(res) if source is not None else None
        values = dict(res.after)
        for attribute, value in res.after.items():
            # A reference to a deleted resource is in no `references`: the text still names it.
            candidates = [strip_instance_keys(t) for t in res.references.get(attribute, ())
                          if (res.origin, strip_instance_keys(t)) in by_config]
            if not candidates and not removed:
                continue
            if value is UNKNOWN and attribute.endswith("_id"):
                written = _written(lines, attribute, 1)
                filled = _stand_in(res, attribute, candidates, lookup, written[0] if written else None)
                if filled is not None:
                    values[attribute] = filled
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                values[attribute] = _fill_blocks(res, value, candidates, lookup, lines)
        res.after = values


def _fill_blocks(res: Resource, blocks: list[Any], candidates: list[str],
                 by_config: Mapping[tuple[str, str], list[Resource]], lines: list[str] | None) -> list[Any]:
    out = [dict(b) if isinstance(b, dict) else b for b in blocks]
    keys = sorted({k for b in out if isinstance(b, dict) for k, v in b.items() if v is UNKNOWN and k.endswith("_id")})
    for key in keys:
        holders = [b for b in out if isinstance(b, dict) and key in b]
        # The i-th block's reference is the i-th one written, when the counts agree
        # (a dynamic block writes one expression for many blocks: then they do not).
        written = _written(lines, key, len(holders))
        for i, block in enumerate(holders):
            if block[key] is UNKNOWN:
                filled = _stand_in(res, key, candidates, by_config, written[i] if written else None)
                if filled is not None:
                    block[key] = filled
    return out


_WRITTEN = r'\b{attr}\s*=\s*(?P<ref>[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)(?:\[(?P<key>[0-9]+|"[^"\\]*")\])?\.id\b'


def _written(lines: list[str] | None, attribute: str, expected: int) -> list[tuple[str, int | str | None]] | None:
    """The ``type.name[key]`` written after ``attribute =``, in order; None unless ``expected`` are found."""
    if not lines:
        return None
    pattern = re.compile(_WRITTEN.format(attr=re.escape(attribute)))
    found: list[tuple[str, int | str | None]] = []
    for line in lines:
        for m in pattern.finditer(line.split("#", 1)[0]):
            key = m.group("key")
            found.append((m.group("ref"), None if key is None else int(key) if key.isdigit() else key.strip('"')))
    return found if len(found) == expected else None


# Arguments whose name does not end in the type they point at.
_ID_TYPES: Mapping[str, tuple[str, ...]] = {
    "gateway_id": ("aws_internet_gateway", "aws_vpn_gateway"),
    "egress_only_gateway_id": ("aws_egress_only_internet_gateway",),
    "transit_gateway_id": ("aws_ec2_transit_gateway",),
    "carrier_gateway_id": ("aws_ec2_carrier_gateway",),
    "allocation_id": ("aws_eip",),
}


def _fits(attribute: str, config_address: str) -> bool:
    type_ = config_address.rsplit(".", 2)[-2]
    if attribute in _ID_TYPES:
        return type_ in _ID_TYPES[attribute]
    return type_.endswith(attribute[: -len("_id")])


def _stand_in(res: Resource, attribute: str, candidates: list[str],
              by_config: Mapping[tuple[str, str], list[Resource]],
              written: tuple[str, int | str | None] | None = None) -> str | None:
    fitting = [c for c in candidates if _fits(attribute, c)]
    prefix = ".".join(f"module.{m}" for m in module_path(res.module))
    if written is not None:
        local = f"{prefix}.{written[0]}" if prefix else written[0]
        if (res.origin, local) in by_config and _fits(attribute, local):
            fitting = [local]  # what is written wins, declared or (just) deleted
    if len(fitting) != 1:
        return None
    instances = by_config[(res.origin, fitting[0])]
    if written is not None and written[1] is not None and len(instances) > 1:
        keyed = [i for i in instances if i.index == written[1] and i.module == res.module]
        if len(keyed) == 1:
            instances = keyed
    if len(instances) > 1:
        # count/for_each twins (route[1] -> gateway[1]), within the same module instance.
        same_module = [i for i in instances if i.module == res.module] or instances
        instances = [i for i in same_module if i.index == res.index] if len(same_module) > 1 else same_module
    if len(instances) != 1:
        return None
    target = instances[0].after
    return target["id"] if isinstance(target, dict) and isinstance(target.get("id"), str) else None
