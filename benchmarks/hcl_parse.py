#!/usr/bin/env python3
"""HCL input cost: parsing per file and per MB, the parse cache, parallel parsing,
static evaluation, and the end-to-end hook run on a generated repository.

    python benchmarks/hcl_parse.py [--modules 100,300] [--runs 5] [--write]

The generated repository has one root calling ``--modules`` local modules
written in registry style (count and for_each switches, dynamic blocks over
lists of maps, ``lookup``/``split``/``flatten``, ``optional()`` defaults,
outputs feeding other modules). Every file's text is different (each module
has its own variables, descriptions and defaults), as in a real repository,
so a cold cache really means parsing every file.

Measured in-process, outside git (median of ``--runs``, with the range):

* parse, cold: every file parsed by python-hcl2's grammar as natpolicy drives it, no cache, serial;
* parse, ``parses_to_tree``: the same through python-hcl2's own entry point (for comparison);
* parse, parallel: the same through the worker pool;
* parse, warm: every tree loaded from the content-keyed cache;
* evaluate: ``load_hcl`` on a warm cache minus the warm parse;

and as subprocesses: ``natpolicy check`` on the repository outside git with a
cold and a warm cache, and the pre-commit hook in a git repository (one
module changed and staged: the staged configuration is loaded and compared
with ``HEAD``), cold and warm. ``--write`` puts the tables into
``benchmarks/RESULTS-hcl.md``. Speed is measured here, never asserted in the
test suite.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, machine, run_once  # noqa: E402

MODULE_VARIABLES = '''\
variable "create" {
  description = "Whether svc-__INDEX__ creates anything at all"
  type        = bool
  default     = true
}

variable "name" {
  description = "Name prefix of svc-__INDEX__'s resources"
  type        = string
  default     = "svc-__INDEX__"
}

variable "vpc_id" {
  type = string
}

variable "rules" {
  type = list(object({
    from_port   = number
    to_port     = number
    protocol    = optional(string, "tcp")
    cidr_blocks = optional(string, "10.0.0.0/8")
  }))
  default = []
}

variable "volumes" {
  type = map(object({
    size      = number
    encrypted = optional(bool, true)
  }))
  default = {}
}
'''

MODULE_MAIN = '''\
locals {
  rules = flatten([
    for i, rule in var.rules : [
      for cidr in split(",", rule.cidr_blocks) : {
        key   = "${i}-${trimspace(cidr)}"
        from  = rule.from_port
        to    = rule.to_port
        proto = lookup(rule, "protocol", "tcp")
        cidr  = trimspace(cidr)
      }
    ]
  ])
  tags = merge({ Module = var.name }, { Index = "__INDEX__" })
}

resource "aws_security_group" "this" {
  count  = var.create ? 1 : 0
  name   = format("%s-sg", var.name)
  vpc_id = var.vpc_id
  tags   = local.tags

  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.from_port
      to_port     = ingress.value.to_port
      protocol    = ingress.value.protocol
      cidr_blocks = compact(split(",", replace(ingress.value.cidr_blocks, " ", "")))
    }
  }
}

resource "aws_security_group_rule" "extra" {
  for_each          = { for r in local.rules : r.key => r }
  type              = "ingress"
  security_group_id = try(aws_security_group.this[0].id, "")
  from_port         = each.value.from
  to_port           = each.value.to
  protocol          = each.value.proto
  cidr_blocks       = [each.value.cidr]
}

resource "aws_ebs_volume" "this" {
  for_each          = var.create ? var.volumes : {}
  availability_zone = "eu-west-1a"
  size              = each.value.size
  encrypted         = each.value.encrypted
  tags              = local.tags
}

output "security_group_id" {
  value = try(aws_security_group.this[0].id, null)
}
'''

ROOT_HEAD = '''\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_flow_log" "main" {
  vpc_id       = aws_vpc.main.id
  traffic_type = "ALL"
}
'''

ROOT_CALL = '''
module "svc___INDEX__" {
  source = "./modules/svc___INDEX__"
  name   = "svc-__INDEX__"
  vpc_id = aws_vpc.main.id
  create = __CREATE__
  rules = [
    { from_port = 443, to_port = 443, cidr_blocks = "10.0.0.0/8, 172.16.0.0/12" },
    { from_port = __PORT__, to_port = __PORT__, cidr_blocks = "__CIDR__" },
  ]
  volumes = {
    data = { size = 10 }
    logs = { size = 20, encrypted = __ENCRYPTED__ }
  }
}
'''


def generate_repo(modules: int, base: Path) -> Path:
    repo = base / f"hcl-repo-{modules}"
    if repo.exists():
        shutil.rmtree(repo)
    (repo / "modules").mkdir(parents=True)
    calls = [ROOT_HEAD]
    for i in range(modules):
        folder = repo / "modules" / f"svc_{i}"
        folder.mkdir()
        (folder / "variables.tf").write_text(MODULE_VARIABLES.replace("__INDEX__", str(i)), encoding="utf-8")
        (folder / "main.tf").write_text(MODULE_MAIN.replace("__INDEX__", str(i)), encoding="utf-8")
        calls.append(ROOT_CALL.replace("__INDEX__", str(i))
                     .replace("__CREATE__", "false" if i % 10 == 9 else "true")
                     .replace("__PORT__", str(8000 + i % 50))
                     .replace("__CIDR__", "0.0.0.0/0" if i % 7 == 0 else "10.1.0.0/16")
                     .replace("__ENCRYPTED__", "false" if i % 5 == 0 else "true"))
    (repo / "main.tf").write_text("".join(calls), encoding="utf-8")
    return repo


Samples = list[float]


def samples(fn: Callable[[], object], runs: int) -> Samples:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def measure(modules: int, runs: int) -> dict[str, object]:
    from natpolicy.gc_pause import paused_gc as gc_paused
    from natpolicy.loaders.hcl import files as hcl_files
    from natpolicy.loaders.hcl.loader import load_hcl
    from natpolicy.loaders.hcl.modules import FileSource
    from natpolicy.loaders.hcl.parse import ParseCache, parse_text, slim

    # Outside any git work tree: inside one, HCL mode also loads the HEAD
    # side to find deletions (measured by the hook columns).
    work = Path(tempfile.mkdtemp(prefix="natpolicy-hcl-bench-"))
    repo = generate_repo(modules, work)
    files = sorted(repo.rglob("*.tf"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert len(set(texts)) == len(texts), "every generated file must differ, or the cache would hide parsing"
    mb = sum(len(t.encode()) for t in texts) / 1e6
    parse_text("a = 1\n", "warmup.tf")  # python-hcl2 builds its parser once per process

    def parse_all(cache: ParseCache | None = None) -> None:
        with gc_paused():  # as load_hcl does
            for text in texts:
                parse_text(text, "x.tf", cache)

    cold = samples(parse_all, runs)

    def parse_reference() -> None:
        """python-hcl2's own entry point, which builds lark's full tree (positions on every node)."""
        import hcl2

        with gc_paused():
            for text in texts:
                slim(hcl2.parses_to_tree(text))

    reference = samples(parse_reference, runs)

    def parallel() -> None:
        saved = hcl_files.PARALLEL_MIN_FILES, hcl_files.PARALLEL_MIN_BYTES, hcl_files.PARALLEL_MIN_CPUS
        hcl_files.PARALLEL_MIN_FILES, hcl_files.PARALLEL_MIN_BYTES, hcl_files.PARALLEL_MIN_CPUS = 1, 0, 1
        try:
            with gc_paused():
                FileSource(cache=None).prefetch(files)
        finally:
            hcl_files.PARALLEL_MIN_FILES, hcl_files.PARALLEL_MIN_BYTES, hcl_files.PARALLEL_MIN_CPUS = saved

    par = samples(parallel, runs)
    cache_dir = Path(tempfile.mkdtemp(prefix="natpolicy-bench-cache-"))
    try:
        cache = ParseCache(cache_dir)
        parse_all(cache)
        cache.flush()  # as load_hcl does: the run's trees written as one pack
        # A new ParseCache per sample, as each hook run has: its trees come from the pack files,
        # not from what this process put in memory.
        warm = samples(lambda: parse_all(ParseCache(cache_dir)), runs)
        result = load_hcl([repo], display_root=repo, cache_dir=cache_dir)
        load_warm = samples(lambda: load_hcl([repo], display_root=repo, cache_dir=cache_dir), runs)

        # A real file: natpolicy refuses to replace anything but a regular file (os.devnull included).
        report = str(work / "report.sarif")
        cli = [sys.executable, "-m", "natpolicy", "check", ".", "-f", "sarif", "-o", report]
        cli_cold, cli_warm = _cold_and_warm(cli, repo, cache_dir / "cli", {}, runs)
        git = _make_git_repository(repo)
        hook = [sys.executable, "-m", "natpolicy", "hook", CHANGED, "-f", "sarif", "-o", report]
        hook_cold, hook_warm = _cold_and_warm(hook, repo, cache_dir / "hook", {"PRE_COMMIT": "1"}, runs)
        hook_edit = _after_an_edit(hook, repo, cache_dir / "hook", {"PRE_COMMIT": "1"}, runs, git)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "files": len(files), "mb": mb, "resources": len(result.resources),
        "cold": cold, "reference": reference, "parallel": par, "warm": warm,
        "evaluate": [max(t - statistics.median(warm), 0.0) for t in load_warm],
        "cli_cold": cli_cold, "cli_warm": cli_warm, "hook_cold": hook_cold, "hook_warm": hook_warm,
        "hook_edit": hook_edit,
    }


CHANGED = "modules/svc_5/main.tf"
_PYCACHE = Path(tempfile.gettempdir()) / "natpolicy-bench-pycache"


def _make_git_repository(repo: Path) -> Callable[..., None]:
    """Commit the generated repository, then stage a change to one module, as before a commit (returns ``git``)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(repo), *args], env=env, check=True,
                       capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "generated")
    changed = repo / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8").replace('"eu-west-1a"', '"eu-west-1b"'), encoding="utf-8")
    git("add", CHANGED)
    return git


NEXT = "modules/svc_6/main.tf"


def _after_an_edit(cmd: list[str], cwd: Path, cache: Path, extra_env: dict[str, str], runs: int,
                   git: Callable[..., None]) -> Runs:
    """The hook after one more file is edited and staged, the cache warm from the run before.

    What a developer's next attempt costs: ``HEAD`` is read back from the cache, the
    staged side (which changed) is evaluated.
    """
    env = {"NATPOLICY_CACHE_DIR": str(cache), **extra_env}
    out: Runs = ([], [])
    path = cwd / NEXT
    original = path.read_text(encoding="utf-8")
    for i in range(runs):
        _timed(cmd, cwd, env)  # the cache holds this staged content and HEAD
        path.write_text(original.replace('"eu-west-1a"', f'"eu-west-{i + 2}a"'), encoding="utf-8")
        git("add", NEXT)
        wall, cpu = _timed(cmd, cwd, env)
        out[0].append(wall)
        out[1].append(cpu)
        path.write_text(original, encoding="utf-8")
        git("add", NEXT)
    return out


# (wall times, CPU times) of the runs of one command.
Runs = tuple[Samples, Samples]


def _cold_and_warm(cmd: list[str], cwd: Path, cache: Path, extra_env: dict[str, str], runs: int) -> tuple[Runs, Runs]:
    env = {"NATPOLICY_CACHE_DIR": str(cache), **extra_env}
    cold: Runs = ([], [])
    warm: Runs = ([], [])
    for _ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        for target in (cold, warm):
            wall, cpu = _timed(cmd, cwd, env)
            target[0].append(wall)
            target[1].append(cpu)
    return cold, warm


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``cmd``.

    CPU time depends less than wall time on what else the machine runs, so
    it shows the cost better when the wall times of a shared machine spread.
    """
    import resource

    old = dict(os.environ)
    os.environ.update(env)
    # Bytecode as an installed natpolicy has it (pip compiles at install), kept out of the checkout:
    # without it every run would compile natpolicy's modules again (a third of a warm hook run).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        sample = run_once(cmd, cwd=cwd)
    finally:
        os.environ.clear()
        os.environ.update(old)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if sample.code not in (0, 1):
        raise SystemExit(f"natpolicy exited {sample.code} on the generated repository")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return sample.wall, cpu


def _cell(times: Samples) -> str:
    """Median, and the range over the runs: a shared machine spreads them."""
    return f"{statistics.median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def _run_cell(runs: Runs) -> str:
    return f"{_cell(runs[0])}, CPU {statistics.median(runs[1]):.2f} s"


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| modules | files | MB | resources | parse cold | per file | per MB | `parses_to_tree` | parallel "
        "| cache warm | evaluate |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cold = statistics.median(r["cold"])  # type: ignore[arg-type]
        lines.append(
            f"| {r['modules']} | {r['files']} | {r['mb']:.2f} | {r['resources']} | {_cell(r['cold'])} | "  # type: ignore[arg-type]
            f"{cold / r['files'] * 1000:.1f} ms | {cold / r['mb']:.1f} s | {_cell(r['reference'])} | "  # type: ignore[operator]
            f"{_cell(r['parallel'])} | "  # type: ignore[arg-type]
            f"{_cell(r['warm'])} | {_cell(r['evaluate'])} |")  # type: ignore[arg-type]
    lines += [
        "",
        "| modules | `check` cold cache | `check` warm cache | hook in git, cold cache | hook in git, warm cache "
        "| hook, next edit |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [_run_cell(r[k]) for k in ("cli_cold", "cli_warm", "hook_cold", "hook_warm",  # type: ignore[arg-type]
                                           "hook_edit")]
        lines.append(f"| {r['modules']} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default="100,300", help="comma-separated module counts")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-hcl.md")
    args = parser.parse_args()
    rows = []
    try:
        for n in (int(x) for x in args.modules.split(",")):
            row = measure(n, args.runs)
            row["modules"] = n
            rows.append(row)
            print(f"{n} modules measured", flush=True)
    finally:
        shutil.rmtree(_PYCACHE, ignore_errors=True)
    text = table(rows)
    print(text)
    if args.write:
        info = machine()
        (BENCH / "RESULTS-hcl.md").write_text(
            "# HCL input: parse and evaluation cost\n\n"
            "Generated by `python benchmarks/hcl_parse.py --write`: the median of "
            f"{args.runs} runs, with the fastest and slowest run in parentheses. Machine: {info['cpu']}, "
            f"{info['nproc']} CPUs, {info['memory']}, Python {info['python']}, {info['os']}. Load average when "
            f"written: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (other jobs share the machine, so "
            "compare columns within a row rather than with other machines; the rows were measured minutes apart "
            "under different loads, which is why the cost per file differs between them).\n\n"
            "Each module has two files (variables with `optional()` defaults; resources with count/for_each "
            "switches, a dynamic block, `flatten`/`split`/`lookup`), called once from one root. Every file's "
            "text differs, so a cold cache parses every file.\n\n"
            f"{text}\n\n"
            "* *parse cold*: python-hcl2's grammar on every file, serial, no cache, as natpolicy drives lark "
            "(`checker/loaders/hcl/tree_builder.py`); *`parses_to_tree`*: the same files through python-hcl2's own "
            "entry point (lark's full tree builder), for comparison; *parallel*: natpolicy's parse through the worker "
            "pool, forced. On a 2-CPU machine shared with other jobs it is often slower than serial, so "
            "natpolicy uses it by itself only with 4+ CPUs, 48+ uncached files and 64 KB+. The content-keyed "
            "cache is what keeps repeated hook runs fast.\n"
            "* *cache warm*: every tree loaded from the content-keyed cache under the user's cache directory "
            "(its pack files read and each tree decoded by a new cache, as a run after an edit pays).\n"
            "* *evaluate*: `load_hcl` on a warm cache minus the median warm parse: variables, modules, "
            "expressions, references.\n"
            "* *`check`*: the whole CLI as a subprocess (interpreter start, all rules, SARIF output), on the "
            "repository outside git. Subprocess cells give the wall time (median, range) and the median CPU "
            "time (user + system), which varies less than the wall time on a shared machine (but still by up "
            "to a third here).\n"
            "* *hook in git*: `natpolicy hook modules/svc_5/main.tf` as pre-commit runs it (`PRE_COMMIT=1`), "
            "in the repository committed to git with that one module changed and staged: the staged "
            "configuration is loaded from the index and compared with `HEAD` (whose files are read from git "
            "as the modules need them, and parsed once when both sides hold the same text). The root calls "
            "every module, so the whole repository is loaded on both sides. *warm*: the same run again: both "
            "evaluated sides are read back from the cache (`checker/loaders/side_cache.py`).\n"
            "* *hook, next edit*: after a warm run, one more module (`modules/svc_6/main.tf`) is edited and "
            "staged: `HEAD` is read back from the cache, the staged side is evaluated (parse trees cached).\n"
            "* Subprocesses run with bytecode written outside the checkout (`PYTHONPYCACHEPREFIX`), as an "
            "installed natpolicy has it; without it each run compiles natpolicy's modules again.\n" + _notes(),
            encoding="utf-8")


def _notes() -> str:
    """The hand-written part of RESULTS-hcl.md (after the generated tables), kept across --write."""
    path = BENCH / "RESULTS-hcl.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    marker = "\n## The pre-commit hook against issue 20"
    return text[text.index(marker):] if marker in text else ""


if __name__ == "__main__":
    main()
