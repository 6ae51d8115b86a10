"""The config file: ``.natpolicy.yaml`` or ``[tool.natpolicy]`` in ``pyproject.toml``.

It is found by walking up from the scanned path (stopping at the repository
root), validated against the published ``config.schema.json`` and turned into
a ``Config``. Every problem becomes one ``UsageError`` line that names the file
and the key, never a traceback. Command-line flags override what it says; the
app does that merge, this module only reads.

Longer than 600 lines because each config key's reading, validation and error
message belong together, and other work on this module is in flight (a split is left for later).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from natpolicy.address import strip_instance_keys
from natpolicy.check import BaseCheck, rule_family
from natpolicy.errors import UsageError
from natpolicy.records import field, record

__all__ = [
    "CONFIG_NAMES",
    "Config",
    "RuleException",
    "find_config",
    "load_config",
    "merged_options",
    "resolve_config",
    "strip_instance_keys",
]

# Looked for in this order in each directory; the first one found wins.
CONFIG_NAMES = (".natpolicy.yaml", ".natpolicy.yml")
PORT_OPTIONS = ("admin_ports", "web_ports")
SCHEMA_PATH = Path(__file__).with_name("config.schema.json")


@record(frozen=True)
class RuleException:
    """One accepted finding: ``rule`` (ID or family) on ``address`` (a glob)."""

    rule: str
    address: str
    reason: str
    expires: _dt.date | None = None
    where: str = ""  # "FILE: exceptions[2]", for notes

    def covers(self, rule_id: str, address: str) -> bool:
        wanted = self.rule.upper()
        if wanted not in (rule_id, rule_family(rule_id)):
            return False
        pattern = _glob(self.address)
        return bool(pattern.fullmatch(address) or pattern.fullmatch(strip_instance_keys(address)))

    def expired(self, today: _dt.date) -> bool:
        return self.expires is not None and self.expires < today


@record(frozen=True)
class Config:
    path: str | None = None  # None: no config file was found
    checks: tuple[str, ...] = ()
    skip_checks: tuple[str, ...] = ()
    fail_on: str | None = None
    soft_fail: bool = False
    ports: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # admin_ports / web_ports
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # rule ID -> options
    exceptions: tuple[RuleException, ...] = ()
    policies: tuple[str, ...] = ()  # Rego files or directories, resolved against the config file
    namespaces: tuple[str, ...] = ()
    all_namespaces: bool = False
    rego_engine: str | None = None  # regorus, regopy or opa; None: the default (natpolicy.rego.engines)
    data_files: tuple[str, ...] = ()  # like --data, resolved against the config file
    combine: bool = False  # like --combine
    rego_version: str | None = None  # like --rego-version
    fail_on_warn: bool = False  # like --fail-on-warn
    strict_builtin_errors: bool = False  # like --strict-builtin-errors
    hcl_budget: Mapping[str, int] = field(default_factory=dict)  # steps / size / instances; unset: the defaults
    download_modules: bool = False  # like --download-modules
    require_modules: bool = False  # like --require-modules
    live: bool = False  # like --live; roles (--live-role) are never read from a file a pull request can change
    live_required: bool = False

    def check_rules(self, classes: Sequence[type[BaseCheck]]) -> None:
        """Fail on rule IDs or option names that no rule has (typos must not pass silently)."""
        ids = {c.id for c in classes}
        known = ids | {rule_family(c.id) for c in classes}
        for key, items in (("checks", self.checks), ("skip-checks", self.skip_checks)):
            for i, item in enumerate(items):
                if item.upper() not in known:
                    # Never the value itself: errors name keys and positions only (see _escaped).
                    raise self._error(f"{key}[{i}]", "unknown rule or family; see `natpolicy rules`")
        for i, exc in enumerate(self.exceptions):
            if exc.rule.upper() not in known:
                raise self._error(f"exceptions[{i}].rule", "unknown rule or family; see `natpolicy rules`")
        by_id = {c.id: c for c in classes}
        for rule_id, opts in self.options.items():
            cls = by_id.get(rule_id.upper())
            if cls is None:
                raise self._error(_key(["options", str(rule_id)]), "unknown rule; see `natpolicy rules`")
            for name, value in opts.items():
                if name not in cls.default_options:
                    offered = ", ".join(sorted(cls.default_options)) or "none"
                    raise self._error(_key(["options", str(rule_id), str(name)]),
                                      f"{cls.id} has no such option (it has: {offered})")
                default = cls.default_options[name]
                if default is not None and _json_kind(value) != _json_kind(default):
                    raise self._error(_key(["options", str(rule_id), str(name)]),
                                      f"expected a {_json_kind(default)}, found a {_json_kind(value)}")
        self._family_ports()  # two rules of one family given different port lists

    def rule_options(self, classes: Iterable[type[BaseCheck]]) -> dict[str, dict[str, Any]]:
        """Per-rule option dicts for ``registry.instantiate``.

        A port list goes to every rule that declares an option of that name,
        so a new security-group rule picks it up without a config change.
        A port list given under one rule (``options: {SG003: {web_ports: [443]}}``)
        goes to its whole family: SG001 to SG004 grade each port together
        (a port no longer "web" is "other" for SG004), so a list that only one
        of them saw would make the port fall between two rules and vanish.
        """
        family_ports = {key: value for key, (value, _) in self._family_ports().items()}
        out: dict[str, dict[str, Any]] = {}
        for cls in classes:
            opts: dict[str, Any] = {}
            for name, ports in self.ports.items():
                if name in cls.default_options:
                    opts[name] = list(ports)
            for name in PORT_OPTIONS:
                if name in cls.default_options and (rule_family(cls.id), name) in family_ports:
                    opts[name] = list(family_ports[(rule_family(cls.id), name)])
            for rule_id, given in self.options.items():
                if rule_id.upper() == cls.id:
                    opts.update(given)
            if opts:
                out[cls.id] = opts
        return out

    def _family_ports(self) -> dict[tuple[str, str], tuple[list[Any], str]]:
        """(family, port option) -> (the list, the key that gave it), from ``options``.

        Two rules of one family given different lists are refused: no single
        grading would honour both.
        """
        found: dict[tuple[str, str], tuple[list[Any], str]] = {}
        for rule_id, given in sorted(self.options.items()):
            for name in PORT_OPTIONS:
                if name not in given:
                    continue
                key = (rule_family(rule_id.upper()), name)
                where = _key(["options", rule_id, name])
                if key in found and sorted(found[key][0]) != sorted(given[name]):
                    raise self._error(where, f"differs from {found[key][1]}; a port list applies to the whole "
                                             f"{key[0]} family, so give it once")
                found.setdefault(key, (list(given[name]), where))
        return found

    def _error(self, key: str, problem: str) -> UsageError:
        return UsageError(f"{self.path or 'config'}: {key}: {problem}")


def resolve_config(explicit: str | None, scanned: Sequence[str]) -> Config:
    """``--config FILE`` if given, else the first config found upward from the scan."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"{explicit}: config file not found")
        return load_config(path, display=explicit, boundary=_boundary(path))
    start = next((p for p in scanned if p != "-"), ".")
    found = find_config(Path(start))
    if found is None:
        return Config()
    return load_config(found, display=_display(found), boundary=_boundary(found))


def _boundary(config: Path) -> Path:
    """What a config file (and its ``policy`` paths) must resolve inside: its repository, else its own folder."""
    from natpolicy.loaders.paths import repository_top

    folder = Path(os.path.abspath(config)).parent
    return Path(os.path.realpath(repository_top(folder) or folder))


def find_config(start: Path) -> Path | None:
    """Walk up from ``start``; stop after the directory holding ``.git``.

    Stopping at the repository root keeps a stray file in a home directory
    from changing what a repository's hook does.
    """
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (directory / ".git").exists():
            return None
    return None


def load_config(path: Path, display: str | None = None, boundary: Path | None = None) -> Config:
    """Read, validate and build one config file.

    ``boundary``: a folder the file, and every ``policy`` path in it, must
    resolve inside (a committed ``.natpolicy.yaml -> ~/.aws/credentials``
    must not be read, nor echoed in an error).
    """
    shown = display or str(path)
    text = _read_text(path, shown, boundary)
    if path.name == "pyproject.toml":
        data = _tool_table(_parse_toml(text, shown), shown)
    else:
        data = _parse_yaml(text, shown)
    _check_shape(data, shown)  # first: _dates_as_text and the schema walk it recursively
    data = _dates_as_text(data)
    if isinstance(data, dict) and isinstance(data.get("fail-on"), str):
        data["fail-on"] = data["fail-on"].lower()  # as --fail-on: `fail-on: HIGH` is high
    _validate(data, shown)
    return _build(data, shown, path.parent, boundary)


# A config is a few dozen lines; these bound what a hostile one can cost.
MAX_CONFIG_BYTES = 1 << 20
MAX_CONFIG_DEPTH = 32


def _read_text(path: Path, shown: str, boundary: Path | None) -> str:
    real = Path(os.path.realpath(path))
    if boundary is not None and not _inside(real, boundary):
        raise UsageError(f"{shown}: the config resolves outside {boundary.as_posix()} (a symbolic link out of the "
                         "repository); it is not read")
    try:
        with open(real, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise UsageError(f"{shown}: cannot read config: not a regular file")
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read config: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise UsageError(f"{shown}: the config is larger than {MAX_CONFIG_BYTES >> 20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{shown}: cannot read config: not UTF-8 text (byte {exc.start})") from None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _check_shape(data: Any, shown: str) -> None:
    """Bound nesting, and refuse text no output can encode, before anything walks the data recursively."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise UsageError(f"{shown}: nested more than {MAX_CONFIG_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((k, depth) for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and _surrogate().search(value):
            raise UsageError(f"{shown}: holds an escape of half a UTF-16 surrogate pair, which is not a character")


# Compiled on first use: only a config file's values are tested (0.2 ms at every start before).
@cache
def _surrogate() -> re.Pattern[str]:
    return re.compile("[\\ud800-\\udfff]")


# -- parsing -----------------------------------------------------------------

def _parse_yaml(text: str, shown: str) -> Any:
    import yaml

    try:
        data = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader, see _loader()
    except _Refused as exc:
        raise UsageError(f"{shown}:{exc.line}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{shown}{line}: invalid YAML: {_escaped(exc.problem or 'unreadable', 80)}") from None
    except (yaml.YAMLError, ValueError) as exc:
        # Never the exception's text: it can quote the file.
        raise UsageError(f"{shown}: invalid YAML ({type(exc).__name__})") from None
    except RecursionError:
        raise UsageError(f"{shown}: nested more than {MAX_CONFIG_DEPTH} levels deep") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{shown}: the config must be a mapping of keys to values")
    return data


@lru_cache(maxsize=1)
def _loader() -> Any:
    """PyYAML's SafeLoader (it never constructs Python objects) minus its timestamp resolver.

    SafeLoader turns ``2027-02-30`` into a date while *parsing*, so an
    impossible date would fail as "invalid YAML: day is out of range",
    naming no key. Kept as text, it reaches the schema and the date check,
    which name ``exceptions[i].expires``.
    """
    import yaml

    class ConfigLoader(yaml.SafeLoader):
        """Refuses anchors and aliases (a "billion laughs" file expands to gigabytes) and deep nesting."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(event.start_mark.line + 1, "YAML anchors and aliases (&, *) are not allowed in "
                                                          "a natpolicy config; write the values out")
            if self._depth >= MAX_CONFIG_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested more than {MAX_CONFIG_DEPTH} levels deep")
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    ConfigLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return ConfigLoader


class _Refused(Exception):
    """A YAML construct the config loader refuses, at a line."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def _parse_toml(text: str, shown: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, as a package
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's messages name a position and a problem, never the content.
        raise UsageError(f"{shown}: invalid TOML: {_escaped(str(exc), 120)}") from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise UsageError(f"{shown}: invalid TOML ({type(exc).__name__})") from None
    except RecursionError:
        raise UsageError(f"{shown}: nested more than {MAX_CONFIG_DEPTH} levels deep") from None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        with pyproject.open("rb") as fh:
            # Bounded: a pyproject.toml linked to a huge file is refused by load_config, not read whole here.
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return False
    if len(data) > MAX_CONFIG_BYTES:
        return True  # load_config says what is wrong with it
    text = data.decode("utf-8", "replace")
    # Cheap pre-filter; a full parse happens only for the file we then use.
    return re.search(r"^\s*\[+\s*tool\.natpolicy\b", text, re.MULTILINE) is not None


def _tool_table(doc: dict[str, Any], shown: str) -> Any:
    tool = doc.get("tool", {})
    table = tool.get("natpolicy", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{shown}: tool.natpolicy: must be a table")
    return table


def _dates_as_text(value: Any) -> Any:
    """TOML turns ``2027-01-31`` into a date (YAML keeps it as text, see ``_loader``); the schema speaks strings."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


# -- validation --------------------------------------------------------------

@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate(data: Any, shown: str) -> None:
    from jsonschema.exceptions import relevance

    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), relevance(e)))
    if not errors:
        return
    error = errors[0]
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in allowed)
        key = _key([*path, extra[0]]) if extra else _key(path)
        raise UsageError(f"{shown}: {key}: unknown key (expected one of {', '.join(sorted(allowed))})")
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [k for k in error.validator_value if k not in error.instance]
        raise UsageError(f"{shown}: {_key([*path, missing[0]])}: missing (required)")
    last = path[-1] if path else None
    if last == "reason" and error.validator in ("pattern", "minLength"):
        problem = "must not be empty"
    elif last == "expires" and error.validator == "pattern":
        problem = "must be a date written YYYY-MM-DD"
    elif error.validator == "uniqueItems":
        problem = "lists an item twice"
    else:
        problem = _schema_problem(error.validator, error.validator_value, error.instance)
    raise UsageError(f"{shown}: {_key(path) or '(top level)'}: {problem}")


def _schema_problem(validator: str, expected: Any, instance: Any) -> str:
    """What is wrong, in the schema's words only: jsonschema's own message quotes the value, which may be anything."""
    if validator == "type":
        return f"expected {_a(expected)}, found {_a(_json_kind(instance))}"
    if validator == "enum":
        return "must be one of " + ", ".join(map(str, expected))
    if validator == "maximum":
        return f"must be at most {expected}"
    if validator == "minimum":
        return f"must be at least {expected}"
    if validator == "minLength":
        return "must not be empty"
    if validator == "pattern":
        return "is not a rule ID or family (letters, then digits)" if "A-Za-z" in str(expected) else \
            "does not have the expected form"
    if validator == "propertyNames":
        return "a key is not a rule ID (letters, then digits)"
    return f"is not valid ({validator})"


def _a(kind: str) -> str:
    kind = {"array": "list", "object": "mapping"}.get(kind, kind)
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _key(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{_escaped(str(part))}" if out else _escaped(str(part)))
    return out


def _escaped(text: str, limit: int = 40) -> str:
    """A key name (or a parser's message) for an error line: printable ASCII, one line, at most ``limit`` characters."""
    shown = text.encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(ch if " " <= ch <= "~" else f"\\x{ord(ch):02x}" for ch in shown)
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def _build(data: dict[str, Any], shown: str, base: Path, boundary: Path | None = None) -> Config:
    policies = _repository_paths(data, "policy", "policies", shown, base, boundary)
    data_files = _repository_paths(data, "data", "data files", shown, base, boundary)
    exceptions = []
    for i, item in enumerate(data.get("exceptions", [])):
        expires = None
        if "expires" in item:
            try:
                expires = _dt.date.fromisoformat(item["expires"])
            except ValueError:
                raise UsageError(f"{shown}: exceptions[{i}].expires: is not a real date") from None
        exceptions.append(RuleException(
            rule=item["rule"].upper(), address=item["address"], reason=item["reason"].strip(),
            expires=expires, where=f"{shown}: exceptions[{i}]",
        ))
    return Config(
        path=shown,
        checks=tuple(data.get("checks", ())),
        skip_checks=tuple(data.get("skip-checks", ())),
        fail_on=data.get("fail-on"),
        soft_fail=bool(data.get("soft-fail", False)),
        ports={name: tuple(data[name]) for name in PORT_OPTIONS if name in data},
        options={str(k).upper(): dict(v) for k, v in data.get("options", {}).items()},
        exceptions=tuple(exceptions),
        policies=tuple(policies),
        namespaces=tuple(data.get("namespaces", ())),
        all_namespaces=bool(data.get("all-namespaces", False)),
        rego_engine=data.get("rego-engine"),
        data_files=tuple(data_files),
        combine=bool(data.get("combine", False)),
        rego_version=data.get("rego-version"),
        fail_on_warn=bool(data.get("fail-on-warn", False)),
        strict_builtin_errors=bool(data.get("strict-builtin-errors", False)),
        hcl_budget=dict(data.get("hcl-budget", {})),
        download_modules=bool(data.get("download-modules", False)),
        require_modules=bool(data.get("require-modules", False)),
        live=bool(data.get("live", False)),
        live_required=bool(data.get("live-required", False)),
    )


def _repository_paths(data: dict[str, Any], key: str, what: str, shown: str, base: Path,
                      boundary: Path | None) -> list[str]:
    """The files and folders ``key`` names, relative to the config file and inside ``boundary``."""
    out = []
    flag = "--policy" if key == "policy" else f"--{key}"
    for i, item in enumerate(data.get(key, [])):
        # Relative to the config file, so the same file works from any directory.
        target = base / item
        # Policies are code, and data files are read, named by a file a pull request can change: only the
        # repository's own files and folders (`policy: ["/proc"]` walked the runner's process table).
        # Checked before existence, so a config cannot probe what exists outside.
        if boundary is not None and not _inside(Path(os.path.realpath(target)), boundary):
            raise UsageError(f"{shown}: {key}[{i}]: resolves outside {boundary.as_posix()}; a config names "
                             f"{what} inside the repository (pass others with {flag})")
        if not target.exists():
            raise UsageError(f"{shown}: {key}[{i}]: does not exist (paths are relative to the config file)")
        if not (target.is_file() or target.is_dir()):
            raise UsageError(f"{shown}: {key}[{i}]: not a regular file or a directory")
        out.append(str(target))
    return out


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, Mapping):
        return "mapping"
    return "null"


def _display(path: Path) -> str:
    from natpolicy.loaders.paths import display_path

    return display_path(str(path))


# -- addresses ---------------------------------------------------------------

@lru_cache(maxsize=256)
def _glob(pattern: str) -> _Glob:
    # Not fnmatch: addresses contain `[...]`, which fnmatch reads as a class.
    return _Glob(tuple(pattern.split("*")))


@record(frozen=True)
class _Glob:
    """``*`` any run of characters, ``?`` one. A regex would backtrack on a
    pattern with many stars (16 took 93 s): the text between stars is fixed in
    length, so placing each piece at its first fit is always right, and the
    match costs at most len(pattern) x len(address), whatever the pattern."""

    pieces: tuple[str, ...]  # the pattern split at its stars

    def fullmatch(self, text: str) -> bool:
        first, *middle, last = self.pieces if len(self.pieces) > 1 else (self.pieces[0], "")
        if len(self.pieces) == 1:
            return len(text) == len(first) and _fits(first, text, 0)
        end = len(text) - len(last)
        if end < len(first) or not _fits(first, text, 0) or not _fits(last, text, end):
            return False
        pos = len(first)
        for piece in middle:
            found = _find(piece, text, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return True


def _fits(piece: str, text: str, at: int) -> bool:
    if "?" not in piece:
        return text.startswith(piece, at)
    return at + len(piece) <= len(text) and all(c == "?" or c == text[at + i] for i, c in enumerate(piece))


def _find(piece: str, text: str, start: int, end: int) -> int:
    """Where ``piece`` first fits wholly inside ``text[start:end]``, or -1."""
    if "?" not in piece:
        return text.find(piece, start, end)
    for at in range(start, end - len(piece) + 1):
        if _fits(piece, text, at):
            return at
    return -1


# -- merging with the command line ---------------------------------------------

def merged_options(opts: Any, config: Config) -> Any:
    """``CheckOptions`` with the config's values wherever no flag was given.

    Flags win: ``--check`` replaces ``checks``, ``--skip-check`` replaces
    ``skip-checks``, ``--fail-on`` replaces ``fail-on`` and ``--policy`` /
    ``--namespace`` replace ``policy`` / ``namespaces``, ``--data`` and ``--rego-version`` replace ``data``
    and ``rego-version``; ``soft-fail`` and ``all-namespaces``, ``download-modules``, ``require-modules``,
    ``live``, ``live-required``, ``combine``, ``fail-on-warn`` and ``strict-builtin-errors`` can only be switched on.
    """
    from natpolicy.records import replace

    return replace(
        opts,
        include=list(opts.include) or list(config.checks),
        exclude=list(opts.exclude) or list(config.skip_checks),
        fail_on=opts.fail_on or config.fail_on or "low",
        soft_fail=bool(opts.soft_fail or config.soft_fail),
        policies=tuple(opts.policies) or config.policies,
        namespaces=tuple(opts.namespaces) or config.namespaces,
        all_namespaces=bool(opts.all_namespaces or config.all_namespaces),
        download_modules=bool(getattr(opts, "download_modules", False) or config.download_modules),
        require_modules=bool(getattr(opts, "require_modules", False) or config.require_modules),
        rego_engine=getattr(opts, "rego_engine", None) or config.rego_engine,
        data_files=tuple(getattr(opts, "data_files", ())) or config.data_files,
        combine=bool(getattr(opts, "combine", False) or config.combine),
        rego_version=getattr(opts, "rego_version", None) or config.rego_version,
        fail_on_warn=bool(getattr(opts, "fail_on_warn", False) or config.fail_on_warn),
        strict_builtin_errors=bool(getattr(opts, "strict_builtin_errors", False) or config.strict_builtin_errors),
        live=bool(opts.live or config.live),
        live_required=bool(opts.live_required or config.live_required),
    )
