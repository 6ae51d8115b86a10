#!/usr/bin/env python3
"""HCL input cost: parsing per file and per MB, the parse cache, parallel parsing,
static evaluation, and the end-to-end hook run on a generated repository.

    python benchmarks/hcl_parse.py [--modules 300] [--runs 3] [--write]

The generated repository (in a temporary folder outside git) has one root
calling ``--modules`` local modules written in registry style (count and
for_each switches, dynamic blocks over lists of maps, ``lookup``/``split``/
``flatten``, ``optional()`` defaults, outputs feeding other modules).

Measured in-process (median of ``--runs``):

* parse, cold: every file parsed by python-hcl2, no cache, serial;
* parse, parallel: the same through the worker pool;
* parse, warm: every tree loaded from the content-keyed cache;
* evaluate: ``load_hcl`` on a warm cache minus the warm parse;

and as subprocesses: ``natpolicy check`` on the repository with a cold and a
warm cache. ``--write`` puts the tables into ``benchmarks/RESULTS-hcl.md``.
Speed is measured here, never asserted in the test suite.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import BENCH, machine, run_once  # noqa: E402

MODULE_VARIABLES = '''\
variable "create" {
  type    = bool
  default = true
}

variable "name" {
  type = string
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
        (folder / "variables.tf").write_text(MODULE_VARIABLES, encoding="utf-8")
        (folder / "main.tf").write_text(MODULE_MAIN.replace("__INDEX__", str(i)), encoding="utf-8")
        calls.append(ROOT_CALL.replace("__INDEX__", str(i))
                     .replace("__CREATE__", "false" if i % 10 == 9 else "true")
                     .replace("__PORT__", str(8000 + i % 50))
                     .replace("__CIDR__", "0.0.0.0/0" if i % 7 == 0 else "10.1.0.0/16")
                     .replace("__ENCRYPTED__", "false" if i % 5 == 0 else "true"))
    (repo / "main.tf").write_text("".join(calls), encoding="utf-8")
    return repo


def median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(modules: int, runs: int) -> dict[str, float]:
    from natpolicy.hcl import modules as hcl_modules
    from natpolicy.hcl.loader import load_hcl
    from natpolicy.hcl.modules import FileSource
    from natpolicy.hcl.parse import ParseCache, gc_paused, parse_text

    # Outside any git work tree: inside one, HCL mode also loads the HEAD
    # side to find deletions (measured separately by the pre-commit benchmarks).
    work = Path(tempfile.mkdtemp(prefix="natpolicy-hcl-bench-"))
    repo = generate_repo(modules, work)
    files = sorted(repo.rglob("*.tf"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    parse_text("a = 1\n", "warmup.tf")  # python-hcl2 builds its parser once per process

    def parse_all(cache: ParseCache | None = None) -> None:
        with gc_paused():  # as load_hcl does
            for text in texts:
                parse_text(text, "x.tf", cache)

    cold = median(parse_all, runs)

    def parallel() -> None:
        saved = hcl_modules.PARALLEL_MIN_FILES, hcl_modules.PARALLEL_MIN_BYTES, hcl_modules.PARALLEL_MIN_CPUS
        hcl_modules.PARALLEL_MIN_FILES, hcl_modules.PARALLEL_MIN_BYTES, hcl_modules.PARALLEL_MIN_CPUS = 1, 0, 1
        try:
            with gc_paused():
                FileSource(cache=None).prefetch(files)
        finally:
            (hcl_modules.PARALLEL_MIN_FILES, hcl_modules.PARALLEL_MIN_BYTES,
             hcl_modules.PARALLEL_MIN_CPUS) = saved

    par = median(parallel, runs)
    cache_dir = Path(tempfile.mkdtemp(prefix="natpolicy-bench-cache-"))
    try:
        cache = ParseCache(cache_dir)
        parse_all(cache)
        warm = median(lambda: parse_all(cache), runs)
        result = load_hcl([repo], display_root=repo, cache_dir=cache_dir)
        load_warm = median(lambda: load_hcl([repo], display_root=repo, cache_dir=cache_dir), runs)

        env = {**os.environ, "NATPOLICY_CACHE_DIR": str(cache_dir / "cli")}
        cli = [sys.executable, "-m", "natpolicy", "check", ".", "-f", "sarif", "-o", os.devnull]
        cli_cold, cli_warm = [], []
        for _ in range(runs):
            shutil.rmtree(cache_dir / "cli", ignore_errors=True)
            cli_cold.append(_timed(cli, repo, env))
            cli_warm.append(_timed(cli, repo, env))
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "files": len(files), "mb": mb, "resources": len(result.resources),
        "cold": cold, "parallel": par, "warm": warm, "evaluate": max(load_warm - warm, 0.0), "load_warm": load_warm,
        "cli_cold": statistics.median(cli_cold), "cli_warm": statistics.median(cli_warm),
    }


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    old = dict(os.environ)
    os.environ.update(env)
    try:
        sample = run_once(cmd, cwd=cwd)
    finally:
        os.environ.clear()
        os.environ.update(old)
    if sample.code not in (0, 1):
        raise SystemExit(f"natpolicy exited {sample.code} on the generated repository")
    return sample.wall


def table(rows: list[dict[str, float]]) -> str:
    lines = [
        "| modules | files | MB | resources | parse cold | per file | per MB | parallel | cache warm | evaluate | "
        "`check` cold cache | `check` warm cache |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['modules']:.0f} | {r['files']:.0f} | {r['mb']:.2f} | {r['resources']:.0f} | {r['cold']:.2f} s | "
            f"{r['cold'] / r['files'] * 1000:.1f} ms | {r['cold'] / r['mb']:.1f} s | {r['parallel']:.2f} s | "
            f"{r['warm']:.2f} s | {r['evaluate']:.2f} s | {r['cli_cold']:.2f} s | {r['cli_warm']:.2f} s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default="100,300", help="comma-separated module counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-hcl.md")
    args = parser.parse_args()
    rows = []
    for n in (int(x) for x in args.modules.split(",")):
        row = measure(n, args.runs)
        row["modules"] = n
        rows.append(row)
        print(table([row]).splitlines()[-1], flush=True)
    text = table(rows)
    print(text)
    if args.write:
        info = machine()
        (BENCH / "RESULTS-hcl.md").write_text(
            "# HCL input: parse and evaluation cost\n\n"
            "Generated by `python benchmarks/hcl_parse.py --write` (median of "
            f"{args.runs} runs). Machine: {info['cpu']}, {info['nproc']} CPUs, {info['memory']}, "
            f"Python {info['python']}, {info['os']}. Load average when written: "
            f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (other jobs share the machine, so "
            "compare columns within a row rather than with other machines).\n\n"
            "Each module has two files (variables with `optional()` defaults; resources with count/for_each "
            "switches, a dynamic block, `flatten`/`split`/`lookup`), called once from one root.\n\n"
            f"{text}\n\n"
            "* *parse cold*: python-hcl2 on every file, serial, no cache; *parallel*: the same through the worker "
            "pool, forced. On the 2-CPU machine above it ranged, over several runs, from 1.5x faster than serial "
            "(idle) to 1.6x slower (other jobs on the CPUs), so natpolicy uses it by itself only with 4+ CPUs, "
            "48+ uncached files and 64 KB+. The content-keyed cache is what keeps repeated hook runs fast.\n"
            "* *cache warm*: every tree loaded from the content-keyed cache under the user's cache directory "
            "(what a repeated pre-commit run pays).\n"
            "* *evaluate*: `load_hcl` on a warm cache minus the warm parse: variables, modules, expressions, "
            "references.\n"
            "* *`check`*: the whole CLI as a subprocess (interpreter start, all rules, SARIF output).\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()
