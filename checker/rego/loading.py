"""Finding and reading Rego policy files, and naming their problems.

User policies are code the user chose to run: they are only ever loaded from
paths given with ``--policy`` (or the config file), never discovered in the
scanned repository.
"""
from __future__ import annotations

from pathlib import Path

from natpolicy.errors import InputError
from natpolicy.records import record
from natpolicy.rego.source import ModuleInfo, SourceProblem, char_line_col, line_col, scan_module
from natpolicy.rego.v0_bodies import chained_body
from natpolicy.rego.v0_keywords import unimported_contains, unimported_keywords, value_if_offset

__all__ = ["PolicyFile", "load_policy_paths", "read_policy", "REGO_VERSIONS"]

# conftest's --rego-version values; v1 is its default (and OPA 1.x's).
REGO_VERSIONS = ("v0", "v1")


@record
class PolicyFile:
    path: Path
    display: str  # what error messages and SARIF show: relative POSIX path
    source: str
    info: ModuleInfo
    # Read as Rego v0 (--rego-version v0, v0 syntax, no `import rego.v1`): only
    # an engine that reads v0 may compile it. ``v0_at`` is its first v0 construct.
    v0: bool = False
    v0_at: int = 0

    @property
    def package(self) -> str:
        return self.info.package

    def position(self, byte_offset: int) -> str:
        line, col = line_col(self.source, byte_offset)
        return f"{self.display}:{line}:{col}"

    def line_of_rule(self, rule: str) -> int:
        for number, text in enumerate(self.source.splitlines(), 1):
            if text.startswith(rule) and (
                    len(text) == len(rule) or not (text[len(rule)].isalnum() or text[len(rule)] == "_")):
                return number
        return 1


def load_policy_paths(paths: list[str] | tuple[str, ...], rego_version: str = "v1",
                      include_tests: bool = False) -> list[PolicyFile]:
    """Every ``*.rego`` under the given files/directories, minus ``*_test.rego`` (unless ``include_tests``:
    ``natpolicy verify``, as ``conftest verify``)."""
    from natpolicy.loaders.paths import display_path

    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.rego")
                           if p.is_file() and (include_tests or not p.name.endswith("_test.rego")))
            if not found:
                raise InputError(display_path(raw), "no .rego files in this policy directory")
            files.extend(found)
        elif path.is_file():
            if path.suffix != ".rego":
                raise InputError(display_path(raw), "a policy must be a .rego file or a directory of them")
            files.append(path)
        else:
            raise InputError(display_path(raw), "no such policy file or directory")
    seen: set[Path] = set()
    out: list[PolicyFile] = []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(read_policy(path, display_path(str(path)), rego_version=rego_version))
    return out


def read_policy(path: Path, display: str, source: str | None = None, rego_version: str = "v1") -> PolicyFile:
    """One policy file, refused (one line, file:line:col) if natpolicy sees a problem before any engine.

    With ``rego_version`` v0, as conftest's ``--rego-version v0``, Rego v0
    syntax is kept for the engine (a module importing ``rego.v1`` stays v1).
    A module valid in both versions is handed over as v1: it means the same.
    """
    if source is None:
        try:
            source = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(display, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise InputError(display, exc.strerror or str(exc)) from None
    info = scan_module(source)
    policy = PolicyFile(path=path, display=display, source=source, info=info)
    if not info.package:
        raise InputError(f"{display}:1:1", "no `package` declaration")
    problems = [p for p in info.problems if p.kind != "with"]  # `with`: refused on regopy only (guards)
    if rego_version == "v0" and not info.imports_rego_v1:
        legacy = [p for p in problems if p.kind in ("v0", "v1-object")]
        # `x := v if { ... }`: OPA's v0 parser reads a rule named `if` there, and so does regorus' v0 (v0_keywords).
        at = legacy[0].offset if legacy else value_if_offset(source)
        if at is not None:
            policy.v0, policy.v0_at = True, at
        problems = [p for p in problems if p.kind not in ("v0", "v1-object")]
        # `deny contains msg if {` without `import future.keywords`: OPA's v0 parser refuses it (v0_keywords).
        # `allow if {`, `some x in xs`, `every` without theirs: OPA reads `if` as a rule's name or refuses the module.
        # `p = v { a } { b }`: regorus reads the second body as an `else` (v0_bodies).
        unimported = unimported_contains(source) or unimported_keywords(source) or chained_body(source)
        if unimported is not None:
            problems.insert(0, SourceProblem(*unimported))
    if problems:
        problem = problems[0]
        line, col = char_line_col(source, problem.offset)
        raise InputError(f"{display}:{line}:{col}", problem.message)
    return policy

