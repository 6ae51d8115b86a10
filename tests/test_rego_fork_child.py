"""The Rego child forked from natpolicy's process (Linux, ``natpolicy.rego.fork_child``) keeps every promise of the
spawned one (``natpolicy.rego.sandbox``): no environment (not even in ``/proc/<pid>/environ``), its own empty
folder, no descriptor but its pipes, a new interpreter's signal handlers, no script or current directory on its
``sys.path``, print() on stderr and only answers on stdout; with a second thread alive it is spawned instead.

A fork is only taken by a process with one thread: each case runs in a fresh interpreter (a pytest worker may hold
others), the real child on a real job.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from conftest import PlanBuilder
from natpolicy.rego.engines import installed_engines

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux only"),
              pytest.mark.skipif("regorus" not in installed_engines(), reason="regorus is not installed")]
SECRET = "s3cr3t-natpolicy-fork-env-value"

# Runs in a fresh interpreter: a handler natpolicy's process might hold, a Spawned child (forked: asserted), its
# state read from /proc while it waits for its job, then a job with print() and opa.runtime().env.
FORKED = textwrap.dedent("""
    import json, os, signal, sys, time
    from pathlib import Path
    from natpolicy.rego.engine import UNDEFINED
    from natpolicy.rego.evaluate import Plan, PolicySet, Query, build_job
    from natpolicy.rego.fork_child import ForkedChild
    from natpolicy.rego.loading import read_policy
    from natpolicy.rego.sandbox import Limits, RunningChild, Spawned

    signal.signal(signal.SIGUSR1, lambda *_: None)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    held = os.open(os.devnull, os.O_RDONLY)  # a file natpolicy's process holds: not the child's
    spawned = Spawned("regorus", fork=True)
    proc, cwd = spawned._process
    assert isinstance(proc, ForkedChild), proc
    proc_dir = Path(f"/proc/{proc.pid}")
    deadline = time.monotonic() + 20
    while os.environ["NATPOLICY_TEST_SECRET"].encode() in (proc_dir / "environ").read_bytes():
        assert time.monotonic() < deadline, "the environment block was never cleared"
        time.sleep(0.01)
    def fds():  # a module file the child's imports hold open now and then is not inherited: wait it out
        targets = []
        for fd in os.listdir(proc_dir / "fd"):
            try:
                targets.append(os.readlink(proc_dir / "fd" / fd))
            except FileNotFoundError:  # closed between listing and reading: such a file, not an inherited one
                pass
        return sorted(targets)
    open_fds = fds()
    while not all(target.startswith("pipe:") for target in open_fds) and time.monotonic() < deadline:
        time.sleep(0.01)
        open_fds = fds()
    status = dict(line.split(":\\t", 1) for line in (proc_dir / "status").read_text().splitlines() if ":\\t" in line)
    state = {"environ": (proc_dir / "environ").read_bytes().strip(b"\\0").decode(),
             "cwd": os.readlink(proc_dir / "cwd"), "own_cwd": cwd.name,
             "fds": open_fds,
             "caught": int(status["SigCgt"], 16), "ignored": int(status["SigIgn"], 16)}
    source = ('package main\\n\\nimport rego.v1\\n\\nenv := opa.runtime().env\\n\\n'
              'said if {\\n  print("to stderr")\\n}\\n')
    policy = read_policy(Path("p.rego"), "p.rego", source)
    chosen = PolicySet([policy], [Query("main", "env", policy), Query("main", "said", policy)])
    outcome = RunningChild(build_job([chosen], [Plan("plan.json", {}, None)], "regorus"), Limits(timeout=60),
                           spawned).wait()
    state["done"] = outcome.done
    state["values"] = [None if v is UNDEFINED else v for v in outcome.values.values()]
    state["printed"] = outcome.printed.decode()
    print("@@", json.dumps(state))
""")


def _run(code: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@ ")]
    assert len(lines) == 1, done.stderr
    result: dict[str, object] = json.loads(lines[0][3:])
    return result


def test_the_forked_child_holds_nothing_of_natpolicys_process() -> None:
    state = _run(FORKED, env={**os.environ, "NATPOLICY_TEST_SECRET": SECRET})
    assert state["environ"] == ""  # /proc/<pid>/environ: the block the fork copied, overwritten
    assert state["cwd"] == state["own_cwd"]
    # Its three pipes only (child.main keeps a copy of stdout's for its answers), nothing natpolicy's process held.
    fds = state["fds"]
    assert isinstance(fds, list) and all(target.startswith("pipe:") for target in fds), fds
    assert len(set(fds)) == 3, fds
    # A new interpreter's handlers: SIGINT caught (KeyboardInterrupt), SIGPIPE and SIGXFSZ ignored, none else.
    import signal

    assert state["caught"] == 1 << (signal.SIGINT - 1)
    assert state["ignored"] == (1 << (signal.SIGPIPE - 1)) | (1 << (signal.SIGXFSZ - 1))
    assert state["done"] is True
    assert state["values"][0] in ({}, None)  # regorus: no opa.runtime().env at all, or an empty one
    assert state["values"][1] is True
    assert "to stderr" in str(state["printed"])  # print() came back on stderr, not among the answers
    assert SECRET not in json.dumps(state)


def test_a_module_beside_the_script_or_in_the_current_folder_is_never_imported_by_the_child(tmp_path: Path) -> None:
    # `resource` is imported by the child only (child._lift_address_space_limits), after the fork: a resource.py
    # in the script's folder (sys.path[0] of natpolicy's process) and the current one must not be it.
    repo = tmp_path / "repo"
    repo.mkdir()
    marker = tmp_path / "imported"
    (repo / "resource.py").write_text(f"open({str(marker)!r}, 'a').write('imported\\n')\n", encoding="utf-8")
    script = repo / "run_natpolicy.py"
    script.write_text(textwrap.dedent("""
        import sys
        from natpolicy.rego import fork_child
        forked = []
        real = fork_child.ForkedChild.__init__
        def init(self, *args):
            real(self, *args)
            forked.append(self.pid)
        fork_child.ForkedChild.__init__ = init
        from natpolicy import cli, invocation
        invocation.run_as_command()  # as the console script (cli.run), which ends with os._exit
        code = cli.main(sys.argv[1:])
        print("@@", code, len(forked), file=sys.stderr)
    """), encoding="utf-8")
    plan = (PlanBuilder().create("aws_instance.web", {"ami": "ami-1", "tags": {}}, unknown=["id"])
            .write(tmp_path / "plan.json"))
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "p.rego").write_text(
        'package main\n\nimport rego.v1\n\ndeny contains msg if {\n  some rc in input.resource_changes\n'
        '  msg := sprintf("%s is listed", [rc.address])\n}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), "check", str(plan), "--policy", str(tmp_path / "policy"),
                           "--format", "json", "--no-progress", "--rego-engine", "regorus"],
                          capture_output=True, text=True, timeout=120, cwd=repo, check=False)
    assert "@@ 1 1" in done.stderr, done.stderr  # findings reported (exit 1), by a forked child
    assert "aws_instance.web is listed" in done.stdout
    assert not marker.exists()


def test_with_a_second_thread_alive_the_child_is_spawned() -> None:
    from natpolicy.rego.fork_child import can_fork

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


SPAWNED_WITH_A_THREAD = textwrap.dedent("""
    import json, subprocess, threading
    from natpolicy.rego.fork_child import can_fork
    from natpolicy.rego.sandbox import Spawned

    alone = can_fork()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    spawned = Spawned("regorus", fork=True)
    kind = type(spawned._process[0]).__name__
    spawned.discard()
    stop.set()
    print("@@", json.dumps({"alone": alone, "kind": kind}))
""")


def test_a_process_with_one_thread_forks_and_one_with_two_spawns() -> None:
    assert _run(SPAWNED_WITH_A_THREAD) == {"alone": True, "kind": "Popen"}


WHICH = textwrap.dedent("""
    import json, sys
    from types import SimpleNamespace
    from natpolicy import invocation
    from natpolicy.rego.engines import installed_engines
    from natpolicy.rego.stage import spawn_child

    def kind(engine):
        spawned = spawn_child(SimpleNamespace(rego_engine=engine))
        name = type(spawned._process[0]).__name__
        spawned.discard()
        return name

    kinds = {"caller's process": kind("regorus")}
    invocation.run_as_command()
    kinds["console script"] = kind("regorus")
    if "regopy" in installed_engines():
        kinds["console script, regopy"] = kind("regopy")
    print("@@", json.dumps(kinds))
""")


def test_only_the_console_script_forks_and_only_for_regorus() -> None:
    # A caller's process (the GitHub Action's step holds the job's whole environment) and rego-cpp (C++, which
    # crashes on some inputs) get a new interpreter: a fork's memory is a copy of natpolicy's process.
    kinds = _run(WHICH)
    assert kinds.pop("caller's process") == "Popen"
    assert kinds.pop("console script") == "ForkedChild"
    assert set(kinds.values()) <= {"Popen"}


def test_no_variable_of_the_environment_is_left_in_the_forked_childs_memory(tmp_path: Path) -> None:
    # The console script's run with sentinel variables (only in its environment: never in a command line or a
    # source). The forked child stops itself right after it emptied its environment; natpolicy's process (its
    # parent: it may read the child's memory) then reads every mapping of the child, and lets it go on. The variable's name is in the script's source (a code constant, so in the child): found, it shows
    # the reading reaches the heap; the value must be nowhere.
    import secrets

    script = tmp_path / "run_natpolicy.py"
    script.write_text(textwrap.dedent("""
        import os, signal, sys, time
        from natpolicy.rego import fork_child

        def scan(pid, needles):
            found, scanned = set(), 0
            with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
                for line in maps:
                    fields = line.split()
                    if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
                        continue
                    start, end = (int(part, 16) for part in fields[0].split("-"))
                    tail = b""
                    while start < end:
                        try:
                            mem.seek(start)
                            chunk = tail + mem.read(min(end - start, 1 << 20))
                        except OSError:
                            break
                        scanned += len(chunk) - len(tail)
                        found.update(needle for needle in needles if needle in chunk)
                        tail = chunk[-64:]
                        start += 1 << 20
            return found, scanned

        # In the child: stopped right after it emptied its environment, before anything else can reuse the memory
        # the environment's objects held.
        emptied = fork_child._default_signals
        def stop_then_go_on():
            os.kill(os.getpid(), signal.SIGSTOP)
            emptied()
        fork_child._default_signals = stop_then_go_on

        real = fork_child.ForkedChild.__init__
        def init(self, *args):
            real(self, *args)
            deadline = time.monotonic() + 20
            while open(f"/proc/{self.pid}/stat", "rb").read().rsplit(b")", 1)[1].split()[0] != b"T":
                assert time.monotonic() < deadline, "the child never stopped"
                time.sleep(0.005)
            name = b"NATPOLICY_FORK_TEST_SENTINEL"
            short, long = os.environb[name], os.environb[name + b"_LONG"]
            # Pieces: a freed object's first bytes are the allocator's (its free list), the rest stays as it was.
            pieces = [short[-24:], *(long[start:start + 64] for start in range(0, len(long), len(long) // 4))]
            found, scanned = scan(self.pid, [name, *pieces])
            print("@@", name in found, len(found) - (name in found), scanned, file=sys.stderr)
            os.kill(self.pid, signal.SIGCONT)
        fork_child.ForkedChild.__init__ = init
        from natpolicy import cli, invocation
        invocation.run_as_command()
        print("@@ exit", cli.main(sys.argv[1:]), file=sys.stderr)
    """), encoding="utf-8")
    plan = (PlanBuilder().create("aws_instance.web", {"ami": "ami-1", "tags": {}}, unknown=["id"])
            .write(tmp_path / "plan.json"))
    (tmp_path / "p.rego").write_text(
        'package main\n\nimport rego.v1\n\ndeny contains msg if {\n  some rc in input.resource_changes\n'
        '  msg := sprintf("%s is listed", [rc.address])\n}\n', encoding="utf-8")
    # A token's length (Python's small-object allocator) and a certificate's (the C library's malloc).
    sentinel, long_sentinel = "natpolicy-sentinel-" + secrets.token_hex(16), secrets.token_hex(4096)
    done = subprocess.run([sys.executable, str(script), "check", str(plan), "--policy", str(tmp_path / "p.rego"),
                           "--format", "json", "--no-progress", "--rego-engine", "regorus"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False,
                          env={**os.environ, "NATPOLICY_FORK_TEST_SENTINEL": sentinel,
                               "NATPOLICY_FORK_TEST_SENTINEL_LONG": long_sentinel})
    lines = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("@@ ")]
    assert lines[-1] == ["exit", "1"], done.stderr  # the run went on: its finding reported
    assert "aws_instance.web is listed" in done.stdout
    name_found, pieces_found, scanned = lines[0]
    assert int(scanned) > 8 * 2**20  # the child's whole memory: its heap, the parent's copied pages
    assert name_found == "True"  # the reading finds what the child holds
    assert pieces_found == "0", "a variable's value is in the forked child's memory"


def test_overwrite_bytes_zeroes_contents_in_place_and_only_where_the_layout_is_as_expected(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    from natpolicy.rego import fork_child

    value = secrets.token_hex(24).encode()  # a new object, as posix.environ's values are
    shared = b"x"  # CPython's one-byte object: every b"x" of the process; never written
    with open("/proc/self/mem", "r+b", buffering=0) as memory:
        assert fork_child.overwrite_bytes(memory, [value, value, shared, b"", "not bytes"]) == 1
        assert value == bytes(48)
        assert shared[0] == ord("x")  # read from the object itself
        # An offset that is not the contents' (another layout): what it reads back differs, nothing is written.
        other = secrets.token_hex(24).encode()
        kept = bytes(bytearray(other))
        monkeypatch.setattr(fork_child, "BYTES_DATA_OFFSET", fork_child.BYTES_DATA_OFFSET - 8)
        assert fork_child.overwrite_bytes(memory, [other]) == 0
        assert other == kept
