"""Inline ``natpolicy:skip`` comments and config-file exceptions, applied to findings.

A skip comment looks like ``# natpolicy:skip=SG001,SG002 why this is fine``
(``//`` and ``/* */`` comments work too). It counts when it sits inside the
block the finding points at, on its header line, or in the comment lines
directly above it; a skip in a ``module`` call block covers every resource
of that module. This works for plan findings as well, because the source
mapping points them at ``.tf`` blocks. A skip without a reason is not
honoured: silently accepting risk is exactly what this tool is against.
Checkov, tfsec and Trivy suppressions count in the same places, for the
findings that answer the same question (``natpolicy.foreign_skips``).
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from natpolicy.address import module_path, module_prefix
from natpolicy.check import rule_family
from natpolicy.config import Config
from natpolicy.findings import Finding
from natpolicy.foreign_skips import ForeignSkip, foreign_reason, parse_foreign
from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES
from natpolicy.model import ResourceModel, SourceLocation
from natpolicy.records import record, replace
from natpolicy.runner import RunResult

if TYPE_CHECKING:  # imported lazily at run time: only plan findings mapped to .tf need it
    from natpolicy.loaders.sourcemap import SourceIndex

__all__ = ["Skip", "SourceReader", "parse_skip", "apply_suppressions", "enclosing_modules",
           "apply_to_result"]

# The skip-comment patterns are compiled on first use: only a run that reads .tf files asks
# (compiling them at import cost every plan run 0.2 ms).
@cache
def _skip() -> re.Pattern[str]:
    return re.compile(
        r"(?:#|//|/\*)\s*natpolicy:skip\s*=\s*(?P<ids>[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*)(?P<rest>.*)$"
    )


@cache
def _comment_line() -> re.Pattern[str]:
    return re.compile(r"^\s*(?:#|//|/\*|\*)")


_SOURCE_SUFFIXES = TERRAFORM_CODE_SUFFIXES  # files that may hold skip comments

# Looks up the ``module`` call block of a config address such as
# ``module.vpc`` (or ``module.vpc.module.subnets``) for a finding's origin.
ModuleBlocks = Callable[[Finding, str], "SourceLocation | None"]


@record(frozen=True)
class Skip:
    rules: frozenset[str]  # upper-case rule IDs or families
    reason: str  # "" when none was given
    path: str
    line: int

    def covers(self, rule_id: str) -> bool:
        return rule_id in self.rules or rule_family(rule_id) in self.rules


def parse_skip(text: str, path: str = "", line: int = 0) -> Skip | None:
    """The skip on one source line, if any."""
    m = _skip().search(text)
    if m is None:
        return None
    rules = frozenset(part.strip().upper() for part in m.group("ids").split(","))
    rest = m.group("rest")
    if rest.rstrip().endswith("*/"):
        rest = rest.rstrip()[:-2]
    # Checkov writes `ID:reason`; accept that spelling as well as `ID reason`.
    reason = rest.strip().lstrip(":").strip()
    return Skip(rules, reason, path, line)


class SourceReader:
    """Lines of source files by display path, read once.

    ``texts`` overrides the disk (a pre-commit run reads the staged content,
    which is what gets committed); other paths are read below ``base`` (or
    the first of ``bases`` that has the file: display paths are relative to
    the repository holding the file, else the working directory).
    """

    def __init__(self, base: Path | None = None, texts: Mapping[str, str] | None = None,
                 bases: Sequence[Path] = ()) -> None:
        self.bases = list(dict.fromkeys([*([base] if base else []), *bases])) or [Path.cwd()]
        self.base = self.bases[0]
        self.texts = dict(texts or {})
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = self._read(path)
        return self._lines[path]

    def _read(self, path: str) -> list[str] | None:
        if not path.endswith(_SOURCE_SUFFIXES):
            return None  # plan JSON and friends hold no comments
        if path in self.texts:
            return self.texts[path].splitlines()
        for base in self.bases:
            try:
                return (base / path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
        return None


def _block_lines(reader: SourceReader, location: SourceLocation) -> list[tuple[int, str]]:
    """(number, text) of the block at ``location``, with the comment lines just above it."""
    lines = reader.lines(location.path)
    if not lines:
        return []
    start = max(location.start_line, 1)
    end = min(location.end_line or start, len(lines))
    first = start
    while first > 1 and _comment_line().match(lines[first - 2]):
        first -= 1
    return [(number, lines[number - 1]) for number in range(first, end + 1)]


def skips_at(reader: SourceReader, location: SourceLocation) -> list[Skip]:
    """Skips inside the block at ``location``, on its header, or just above it."""
    found = []
    for number, text in _block_lines(reader, location):
        skip = parse_skip(text, location.path, number)
        if skip is not None:
            found.append(skip)
    return found


def foreign_skips_at(reader: SourceReader, location: SourceLocation) -> list[ForeignSkip]:
    """Checkov, tfsec and Trivy suppressions where a natpolicy skip would count (see foreign_skips)."""
    return [skip for number, text in _block_lines(reader, location)
            for skip in parse_foreign(text, location.path, number)]


def enclosing_modules(address: str) -> list[str]:
    """Config addresses of the module calls around a resource, outermost first."""
    names = module_path(module_prefix(address))
    return [".".join(f"module.{n}" for n in names[: i + 1]) for i in range(len(names))]


def apply_suppressions(
    findings: Sequence[Finding],
    *,
    reader: SourceReader | None = None,
    module_blocks: ModuleBlocks | None = None,
    config: Config | None = None,
    known_rules: Iterable[str] = (),
    today: _dt.date | None = None,
    stale: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> tuple[list[Finding], list[str]]:
    """Mark findings covered by a skip comment or a config exception.

    Returns the findings (suppressed ones carry their reason) and notes about
    skips or exceptions that were not honoured. ``stale`` holds (origin,
    address) of findings whose location is a block of the base revision (a
    deleted resource): the current file has other lines there, so only its
    module calls are searched.
    """
    reader = reader or SourceReader()
    today = today or _dt.datetime.now(_dt.timezone.utc).date()
    known = {r.upper() for r in known_rules}
    known |= {rule_family(r) for r in known}
    notes: dict[str, None] = {}  # ordered set: notes print once, in order
    exceptions = list(config.exceptions) if config else []
    for exc in exceptions:
        if exc.expired(today):
            notes[f"{exc.where} ({exc.rule} {exc.address}) expired on {exc.expires}; not honoured"] = None

    out: list[Finding] = []
    matched: set[int] = set()  # exceptions that cover some finding, used or not (an inline skip may come first)
    for finding in findings:
        own_block = (finding.origin, finding.address) not in stale
        reason = _inline_reason(finding, reader, module_blocks, known, notes, own_block, today)
        kind = "inSource"
        for i, exc in enumerate(exceptions):
            if not exc.expired(today) and exc.covers(finding.rule_id, finding.address):
                matched.add(i)
                if reason is None:
                    reason, kind = exc.reason, "external"
        out.append(replace(finding, suppression=reason, suppression_kind=kind) if reason is not None else finding)
    for i, exc in enumerate(exceptions):
        # A typo in a rule or an address must not pass for an accepted risk that is simply gone. Only
        # for rules that ran: `--check FLOW001` says nothing about an SG002 exception.
        if i not in matched and not exc.expired(today) and (not known or exc.rule.upper() in known):
            notes[f"{exc.where} ({exc.rule} {exc.address}) matches no finding of this run; check the rule "
                  "and the address (`natpolicy check -f json` lists the findings' addresses)"] = None
    return out, list(notes)


def _inline_reason(
    finding: Finding,
    reader: SourceReader,
    module_blocks: ModuleBlocks | None,
    known: set[str],
    notes: dict[str, None],
    own_block: bool = True,
    today: _dt.date | None = None,
) -> str | None:
    locations = [finding.location] if own_block else []
    # A root module resource has no enclosing module (module_steps reads none unless the address starts
    # with "module."): asked per finding, the walk cost more than the rest of this function.
    if module_blocks is not None and finding.address.startswith("module."):
        for module in enclosing_modules(finding.address):
            block = module_blocks(finding, module)
            if block is not None and block != finding.location:
                locations.append(block)
    if not any(reader.lines(location.path) for location in locations):
        # No source lines at any of them (a plan's JSON, a file not found): no skip comment of either kind
        # to read, so no reason and no note, as the two searches below would find.
        return None
    reason = _natpolicy_reason(finding, reader, locations, known, notes)
    if reason is None:
        today = today or _dt.datetime.now(_dt.timezone.utc).date()
        skips = [skip for location in locations for skip in foreign_skips_at(reader, location)]
        reason = foreign_reason(finding, skips, notes, today)
    return reason


def _natpolicy_reason(finding: Finding, reader: SourceReader, locations: list[SourceLocation], known: set[str],
                      notes: dict[str, None]) -> str | None:
    for location in locations:
        for skip in skips_at(reader, location):
            for rule in sorted(skip.rules - known) if known else ():
                notes[f"{skip.path}:{skip.line}: natpolicy:skip names unknown rule {rule}"] = None
            if not skip.covers(finding.rule_id):
                continue
            if not skip.reason:
                notes[f"{skip.path}:{skip.line}: natpolicy:skip={','.join(sorted(skip.rules))} has no reason; "
                      f"not honoured (write `# natpolicy:skip={finding.rule_id} why it is acceptable`)"] = None
                continue
            return skip.reason
    return None


def apply_to_result(result: RunResult, model: ResourceModel, config: Config | None = None, *,
                    source_root: str | None = None) -> RunResult:
    """The run's findings with skips and exceptions applied, and notes about ignored ones.

    Reads what the loaders leave in ``model.context``: ``source_texts``
    (display path -> text, when the configuration came from the git index),
    ``hcl_blocks`` ((root, config address) -> block, HCL mode), and for
    plan findings mapped to ``.tf`` blocks, the ``module`` calls found by
    walking from the Terraform root (``source_root``, else the working
    directory), exactly as the source mapping did.
    """
    from natpolicy.loaders.paths import repository_top

    # Display paths are relative to the top of the repository holding the file (see
    # loaders.inputs.display_path): the scanned one, the source root's, or the working directory's.
    where = [Path(p) for p in (model.context.display_root, source_root) if p]
    bases = [b for p in (*where, Path.cwd()) for b in (repository_top(p), p) if b is not None]
    reader = SourceReader(texts=model.context.source_texts, bases=bases)
    findings, notes = apply_suppressions(
        result.findings,
        reader=reader,
        module_blocks=_module_blocks(model, Path(source_root) if source_root else Path.cwd()),
        config=config,
        known_rules=[c.id for c in result.checks],
        stale=_stale_locations(model),
    )
    return replace(result, findings=findings, notes=[*result.notes, *notes])


def _stale_locations(model: ResourceModel) -> set[tuple[str, str]]:
    """Findings whose block exists only in the base revision (deleted resources)."""
    return {(r.origin, r.address) for r in model if r.location_at_base}


def _module_blocks(model: ResourceModel, root: Path) -> ModuleBlocks:
    hcl_blocks = model.context.hcl_blocks
    plan_calls: dict[str, SourceLocation | None] = {}
    index: SourceIndex | None = None

    def lookup(finding: Finding, module: str) -> SourceLocation | None:
        nonlocal index
        # Keyed by root too: two roots calling one module each have their own `module` block.
        found = hcl_blocks.get((finding.origin, module))
        if isinstance(found, SourceLocation):
            return found
        res = model.get(finding.address, origin=finding.origin)
        if res is None or not res.mapped_to_source:
            return None  # not a plan resource mapped to the source
        if module not in plan_calls:
            from natpolicy.loaders.sourcemap import SourceIndex

            if index is None:
                from natpolicy.loaders.paths import display_path

                index = SourceIndex(display=lambda p: display_path(str(p)))
            plan_calls[module] = _plan_module_call(root, module, res.module_sources, index)
        return plan_calls[module]

    return lookup


def _plan_module_call(root: Path, module: str, sources: Sequence[object], index: SourceIndex) -> SourceLocation | None:
    """The ``module`` block of config address ``module``, walking local sources from ``root``."""
    from natpolicy.loaders.hcl.modules import is_local_source, module_source

    names = module_path(module)
    folder = root
    for depth, name in enumerate(names):
        call = index.find(folder, ("module", name))
        if call is None:
            return None
        if depth == len(names) - 1:
            return SourceLocation(path=call.file, start_line=call.start_line, end_line=call.end_line)
        # The plan's recorded source wins; the block's own `source` is the fallback.
        recorded = sources[depth] if depth < len(sources) else None
        source = recorded if isinstance(recorded, str) else module_source(call)
        if not source or not is_local_source(source):
            return None
        folder = Path(os.path.normpath(folder / source))
    return None
