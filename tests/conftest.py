"""Shared test helpers: the plan builder, the real SARIF schema, the CLI."""
from __future__ import annotations

import json
import os
import sys

# Tests never write into the checkout: no bytecode next to the test, fixture and benchmark modules
# (Python writes it before any test runs), here or in the Python processes tests start (the
# environment variable). Only this file's own is written before these lines run.
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

import ipaddress  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402


def _keep_regopy_time_zones_apart_from_google_re2() -> None:
    """Tests run regopy in this process beside the HCL reader's google-re2. rego-cpp exports its own operator
    new/delete (snmalloc), so the two C++ libraries cannot share a process safely: loaded after google-re2,
    rego-cpp aborts the process the first time a policy names a time zone ("free(): invalid pointer"); loaded
    before it, google-re2 crashed in a later compile (both measured with regopy 1.5.2 and google-re2 1.1.20251105).
    natpolicy never loads both: its Rego child loads no google-re2 (tests/test_regopy_load_order.py). Here
    google-re2 is loaded first, in every worker, and a regopy query whose modules name a time zone runs in a
    process of its own, which loads no google-re2."""
    import importlib.util

    if importlib.util.find_spec("re2") is None or importlib.util.find_spec("regopy") is None:
        return
    import re2  # noqa: F401  (before regopy: the order whose only known hazard is handled below)

    from natpolicy.rego import engine_regopy

    zone = re.compile(r'"(?:[A-Z][A-Za-z_]+/[A-Za-z_/+-]+|Local)"')
    real_compile, real_evaluate = engine_regopy.RegopyEngine.compile, engine_regopy.RegopyEngine.evaluate

    def compile(self: Any, modules: Any, data: Any, entrypoints: Any, **options: Any) -> Any:
        compiled = real_compile(self, modules, data, entrypoints, **options)
        if any(zone.search(source) for source in modules.values()):
            compiled.apart = (dict(modules), data, list(entrypoints), options)
        return compiled

    def evaluate(self: Any, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        apart = getattr(compiled, "apart", None)
        if apart is None:
            return real_evaluate(self, compiled, entrypoint, prepared_input)
        modules, data, entrypoints, options = apart
        job = json.dumps([modules, data, entrypoints, options, entrypoint, prepared_input.document])
        run = subprocess.run([sys.executable, "-c", _APART], input=job, capture_output=True, text=True,
                             timeout=300, check=True)
        answer = json.loads(run.stdout)
        if "error" in answer:
            raise engine_regopy.EvaluationError(*answer["error"])
        return engine_regopy.UNDEFINED if answer.get("undefined") else answer["value"]

    engine_regopy.RegopyEngine.compile = compile  # type: ignore[method-assign]
    engine_regopy.RegopyEngine.evaluate = evaluate  # type: ignore[method-assign]


_APART = """
import json, sys
from natpolicy.rego.engine import UNDEFINED, EvaluationError
from natpolicy.rego.engines import create_engine
modules, data, entrypoints, options, entrypoint, document = json.load(sys.stdin)
engine = create_engine("regopy")
compiled = engine.compile(modules, data, entrypoints, **options)
try:
    value = engine.evaluate(compiled, entrypoint, engine.prepare_input(document))
except EvaluationError as exc:
    print(json.dumps({"error": [exc.message, exc.code]}))
else:
    print(json.dumps({"undefined": True} if value is UNDEFINED else {"value": value}))
"""
_keep_regopy_time_zones_apart_from_google_re2()

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
# Vendored (tests/schemas/SOURCES.md) so SARIF is validated even without ../shared.
SARIF_SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
SHARED_SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
# The shared corpus of real plans lies beside the project; a clone elsewhere names it with
# NATPOLICY_CORPUS (as benchmarks/parity.py reads it), else the corpus tests skip and say so.
CORPUS = Path(os.environ.get("NATPOLICY_CORPUS") or SHARED / "corpus").resolve()


def slow_rego_count(steps: int) -> str:
    """A Rego expression whose value is ``steps`` and whose cost is ``steps`` heavy builtin calls.

    Each step marshals 20,000 numbers: about 0.2 s on regopy and 1 ms on regorus. For the tests of
    --rego-timeout and of progress lines, which need a query to outlast a limit on any machine: a
    loop of cheap steps (``some i, j in numbers.range(1, 1200); i == j``) ends in under a second on
    regorus, and on regopy meets its 10M-statement cap instead of the timeout, so on a fast machine the
    query ended before the limit and the tests failed.
    """
    return (f"count([1 | xs := numbers.range(1, 20000); some i in numbers.range(1, {steps}); "
            "json.marshal(array.concat(xs, [i])) != \"\"])")


def after_fresh_check(plan: Path, out: Path, then: str) -> tuple[list[str], str]:
    """Check ``plan`` to SARIF (``out``) in a fresh interpreter, then run the code ``then`` in it: the lines
    it printed that start with ``@@ `` (what the test asserts), and the child's stderr (for the failure)."""
    code = ("import sys\n"
            "from natpolicy import cli\n"
            f"sys.argv = ['natpolicy', 'check', {str(plan)!r}, '--format', 'sarif', '--output', {str(out)!r},"
            " '--no-progress']\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n" + then)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return [line for line in done.stdout.splitlines() if line.startswith("@@ ")], done.stderr


# One line of a rule body that runs for minutes on every engine (the timeout tests stop it).
SLOW_REGO_BODY = f"  {slow_rego_count(100_000)} > 0\n"

sys.path.insert(0, str(FIXTURES))

from planbuilder import PlanBuilder  # noqa: E402

try:  # Hypothesis keeps examples and a cache of constants in ./.hypothesis: inside the checkout.
    import atexit
    import shutil
    import tempfile

    from hypothesis import settings as _hypothesis_settings
    from hypothesis.configuration import set_hypothesis_home_dir

    _hypothesis_home = tempfile.mkdtemp(prefix="natpolicy-hypothesis-")
    atexit.register(shutil.rmtree, _hypothesis_home, ignore_errors=True)
    set_hypothesis_home_dir(_hypothesis_home)
    _hypothesis_settings.register_profile("natpolicy", database=None)
    _hypothesis_settings.load_profile("natpolicy")
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass


# -- hermetic: no network -----------------------------------------------------------------------
# Loopback servers (127.0.0.1) stand in for registries and git hosts; anything else is refused,
# and the test that tried fails (natpolicy turns network errors into notes, which could hide it).
_NETWORK_ATTEMPTS: list[str] = []


def _loopback(host: object) -> bool:
    if host in (None, "", "localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _guard_network() -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            _NETWORK_ATTEMPTS.append(f"name lookup of {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "tests never use the network (tests/conftest.py)")
        return real_getaddrinfo(host, *args, **kwargs)

    def refused(sock: socket.socket, address: Any) -> bool:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            _NETWORK_ATTEMPTS.append(f"connection to {address!r}")
            return True
        return False

    def connect(self: socket.socket, address: Any) -> None:
        if refused(self, address):
            raise ConnectionRefusedError("tests never use the network (tests/conftest.py)")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if refused(self, address):
            return 111  # ECONNREFUSED
        return int(real_connect_ex(self, address))

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    setattr(socket.socket, "connect", connect)  # noqa: B010
    setattr(socket.socket, "connect_ex", connect_ex)  # noqa: B010


_guard_network()


@pytest.fixture(autouse=True)
def _no_network_used() -> Iterator[None]:
    del _NETWORK_ATTEMPTS[:]
    yield
    attempts, _NETWORK_ATTEMPTS[:] = list(_NETWORK_ATTEMPTS), []
    assert not attempts, f"this test tried to use the network: {attempts}"


# -- tests that need the package index, or Checkov: only on request -------------------------------
# The default run never uses the network. Tests that pip-install from the package index (the
# Action's real install step, pre-commit's hook environment) carry the `index` marker; those that
# run the real Checkov (its 300 MB venv is built from the index into the user's cache, see
# benchmarks/checkov-env) carry `checkov`. .ci/run runs both on their own.
ON_REQUEST = {
    "index": ("NATPOLICY_INDEX_TESTS", "installs packages from the package index (the network)"),
    "checkov": ("NATPOLICY_CHECKOV_PARITY", "runs the real Checkov in its own venv, built from the package index"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = {marker: pytest.mark.skip(reason=f"{why}: set {variable}=1 to run it (.ci/run does)")
             for marker, (variable, why) in ON_REQUEST.items() if os.environ.get(variable, "") != "1"}
    for item in items:
        for marker, skip in skips.items():
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


# -- hermetic: nothing written into the checkout -----------------------------------------------
def _checkout_state() -> str | None:
    """``git status --porcelain --ignored`` of the checkout, or None when it is not a git work tree."""
    try:
        top = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=60)
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != ROOT:
            return None
        status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--ignored",
                                 "--untracked-files=all"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return status.stdout if status.returncode == 0 else None


def _environment_in_checkout() -> str | None:
    """The running virtualenv's folder relative to the checkout (``.venv/``), when the README's set-up put it there.

    What the environment writes into itself (python-hcl2's grammar cache beside its module) is the
    installed packages' business, not a test writing into the checkout.
    """
    try:
        inside = Path(sys.prefix).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return inside.as_posix().rstrip("/") + "/" if inside.parts else None


def _imported_from_checkout() -> bool:
    """True under ``pip install -e .``: natpolicy's modules are the checkout's own files.

    Child processes that run natpolicy with a scrubbed environment (the Action's allow-list drops
    PYTHONDONTWRITEBYTECODE, as it does on a runner) then leave bytecode beside those files, which
    is Python's import cache, not a test writing into the checkout. CI installs without ``-e``.
    """
    import natpolicy

    try:
        Path(natpolicy.__file__).resolve().relative_to(ROOT)
    except ValueError:
        return False
    return True


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")  # pytest-xdist workers carry workerinput


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        session.config.stash[_STATE_BEFORE] = _checkout_state()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _is_controller(session.config):
        return
    before = session.config.stash.get(_STATE_BEFORE, None)
    if before is None:
        return
    after = _checkout_state()
    if after is None or after == before:
        return
    old, new = set(before.splitlines()), set(after.splitlines())
    own_env = _environment_in_checkout()
    editable = _imported_from_checkout()
    changed = [line for line in sorted(new ^ old) if not _OWN_BYTECODE.match(line)
               and not (own_env is not None and line[3:].startswith(own_env))
               and not (editable and _PACKAGE_BYTECODE.match(line))]
    if not changed:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = ("the test session changed the checkout (tests must write under tmp_path only):\n  "
               + "\n  ".join(changed))
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(message, red=True)
    else:  # pragma: no cover - the terminal reporter is always there in a normal run
        print(message, file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


_STATE_BEFORE = pytest.StashKey[str | None]()
# This file's own bytecode is written before it can say otherwise (sys.dont_write_bytecode above).
_OWN_BYTECODE = re.compile(r"!! tests/__pycache__/conftest\.[^/]*\.pyc$")
_PACKAGE_BYTECODE = re.compile(r"!! (checker|policies)/(.*/)?__pycache__/(.*\.pyc)?$")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``natpolicy`` in-process: ``cli("check", "plan.json", stdin="...")``."""
    from natpolicy.cli import main

    def invoke(*args: str, stdin: str | bytes | None = None) -> CliResult:
        if stdin is not None:
            import io

            data = stdin.encode() if isinstance(stdin, str) else stdin
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def raw_regorus() -> Iterator[Callable[[], Any]]:
    """regorus' own ``Engine``s, without natpolicy's extensions: ``engine = raw_regorus()``.

    pyo3 lets an engine be dropped only on the thread that made it ("regoruspy::Engine is unsendable, but is
    being dropped on another thread", seen under pytest-xdist): one a reference cycle holds (a test's frame
    and the traceback ``pytest.raises(...) as caught`` keeps) is dropped wherever the cycle collector next
    runs. So the engines are kept here and dropped after the test, with a collection, on the test's thread.
    """
    regorus = pytest.importorskip("regorus")
    made: list[Any] = []

    def new() -> Any:
        made.append(regorus.Engine())
        return made[-1]

    yield new
    made.clear()
    import gc

    gc.collect()


@pytest.fixture
def plan() -> PlanBuilder:
    return PlanBuilder()


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[[PlanBuilder, str], Path]:
    def write(builder: PlanBuilder, name: str = "plan.json") -> Path:
        return builder.write(tmp_path / name)

    return write


@pytest.fixture(params=["msgspec", "json"])
def plan_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each plan decoder in turn (``natpolicy.loaders.plan_fast``): the same tests must pass on both.

    Modules about plan input opt in with ``pytestmark = pytest.mark.usefixtures("plan_backend")``.
    """
    from natpolicy.loaders import plan_fast

    if request.param not in plan_fast.BACKENDS:
        pytest.skip(f"the {request.param} plan decoder is not installed here")
    monkeypatch.setattr(plan_fast, "BACKEND", request.param)
    return str(request.param)


@pytest.fixture(scope="session", autouse=True)
def _own_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """HCL parse trees are cached under the user's cache directory; tests keep their own."""
    old = os.environ.get("NATPOLICY_CACHE_DIR")
    os.environ["NATPOLICY_CACHE_DIR"] = str(tmp_path_factory.mktemp("hcl-parse-cache"))
    yield
    if old is None:
        os.environ.pop("NATPOLICY_CACHE_DIR", None)
    else:
        os.environ["NATPOLICY_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=_uri_format_checker())


def _uri_format_checker() -> Any:
    """Draft 4 knows no ``uri-reference`` format, which SARIF uses for every
    ``artifactLocation.uri``; GitHub refuses an upload whose URIs are not valid
    (an unencoded space, say), so the tests check it with rfc3986-validator."""
    import jsonschema
    from rfc3986_validator import validate_rfc3986

    checker = jsonschema.FormatChecker()

    @checker.checks("uri-reference")
    def _is_uri_reference(instance: object) -> bool:
        return not isinstance(instance, str) or validate_rfc3986(instance, rule="URI_reference") is not None

    @checker.checks("uri")
    def _is_uri(instance: object) -> bool:
        return not isinstance(instance, str) or validate_rfc3986(instance, rule="URI") is not None

    return checker


def assert_valid_sarif(validator: Any, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    for run in log["runs"]:
        for result in run["results"]:
            # GitHub rejects uploads where a result lacks a physical location.
            assert len(result["locations"]) == 1
            loc = result["locations"][0]
            artifact = loc["physicalLocation"]["artifactLocation"]
            assert artifact["uri"]
            if artifact["uri"].startswith("file:"):
                # A file outside the repository (and the working directory): absolute, with no base.
                assert "uriBaseId" not in artifact and artifact["uri"].startswith("file:///"), artifact
            else:
                # Relative to %SRCROOT%, and never climbing above it.
                assert not artifact["uri"].startswith(("/", "../")) and "/../" not in artifact["uri"], artifact
            assert loc["physicalLocation"]["region"]["startLine"] >= 1
            assert loc["logicalLocations"][0]["kind"] == "resource"
            assert loc["logicalLocations"][0]["fullyQualifiedName"]
            assert result["partialFingerprints"]["primaryLocationLineHash"]


def findings_of(builder: PlanBuilder, *rules: str) -> list[tuple[str, str]]:
    """(rule, address) pairs the given rules report on a built plan."""
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    classes = registry.select(registry.discover(), rules)
    result = run(model, registry.instantiate(classes))
    assert not result.errors, result.errors
    return sorted((f.rule_id, f.address) for f in result.findings)


def run_rules(builder: PlanBuilder, *rules: str) -> Any:
    """The full RunResult, for asserting on messages and details."""
    from natpolicy import registry
    from natpolicy.loaders.plan_json import plan_resources
    from natpolicy.model import ResourceModel
    from natpolicy.runner import run

    model = ResourceModel(plan_resources(builder.build(), origin="plan.json"))
    return run(model, registry.instantiate(registry.select(registry.discover(), rules)))


def same(got: Any, expected: Any) -> bool:
    """Equal values of the same kinds all the way down (a list is not a tuple)."""
    if type(got) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k]) for k in expected)
    return bool(got == expected)
