"""The hook's evaluated-side cache: the same output with and without it, and a key that covers what it reads.

A wrong key would hide findings in a security gate, so each ingredient of the key
is changed on its own here and the finding must change with it. Every test has its
own cache directory, and counts the evaluations (``load_hcl`` calls) to tell a
cache hit from a miss.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, CliResult
from natpolicy.loaders.hcl import loader as hcl_loader
from natpolicy.loaders.hcl.values import Approx, TfList, TfMap, TfSet
from natpolicy.loaders.result import LoadResult
from natpolicy.loaders.side_codec import Unencodable, decode_side, encode_side
from natpolicy.model import UNKNOWN, Resource, SourceLocation
from scratch_repo import git, write_files

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

Cli = Callable[..., CliResult]

MODULE = """\
variable "cidr" {
  type = string
}

resource "aws_security_group" "admin" {
  name   = "admin"
  vpc_id = "vpc-123"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""

ROOT = """\
variable "cidr" {
  type    = string
  default = "10.0.0.0/8"
}

module "sg" {
  source = "./modules/sg"
  cidr   = var.cidr
}
"""


class Loads:
    """How many sides were evaluated (not read from the cache) since the last ``take``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = hcl_loader.load_hcl

        def counted(*args: object, **kwargs: object) -> LoadResult:
            self.count += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(hcl_loader, "load_hcl", counted)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setenv("NATPOLICY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("NATPOLICY_NO_CACHE", raising=False)
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    return root


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Loads:
    return Loads(monkeypatch)


def committed(root: Path, module: str = MODULE, main: str = ROOT) -> None:
    write_files(root, {"main.tf": main, "modules/sg/main.tf": module})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")


def hook(cli: Cli, *args: str) -> tuple[int, str]:
    result = cli("hook", *args, "--", "main.tf")
    return result.code, result.out


def uncached(cli: Cli, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    with monkeypatch.context() as m:
        m.setenv("NATPOLICY_NO_CACHE", "1")
        return hook(cli, *args)


# -- the same output, evaluated or read back ------------------------------------------------

def test_a_repeated_run_evaluates_nothing_and_says_the_same(repo: Path, cli: Cli, loads: Loads,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    committed(repo)
    write_files(repo, {"main.tf": ROOT.replace("10.0.0.0/8", "0.0.0.0/0")})
    git(repo, "add", "-A")
    first = hook(cli, "-f", "json")
    assert first[0] == 1 and "SG002" in first[1]
    assert loads.take() == 2  # both sides evaluated, and stored
    assert hook(cli, "-f", "json") == first
    assert loads.take() == 0  # both read back
    assert uncached(cli, monkeypatch, "-f", "json") == first
    assert sorted(p.parent.parent.name for p in (repo.parent / "cache" / "sides").glob("*/*")) == ["sides", "sides"]
    assert git(repo, "status", "--porcelain", "--ignored") == "M  main.tf\n"  # nothing written into the repository


def test_after_a_commit_the_base_side_is_the_index_checked_before(repo: Path, cli: Cli, loads: Loads) -> None:
    committed(repo)
    write_files(repo, {"main.tf": ROOT + "\n# a comment\n"})
    git(repo, "add", "-A")
    hook(cli)
    loads.take()
    git(repo, "commit", "-q", "-m", "second")
    write_files(repo, {"modules/sg/main.tf": MODULE.replace('"admin"', '"admins"')})
    git(repo, "add", "-A")
    hook(cli)
    assert loads.take() == 1  # only the new index: HEAD is what the last run stored


def test_with_nothing_staged_the_base_side_is_the_index_just_evaluated(repo: Path, cli: Cli, loads: Loads,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    committed(repo, main=ROOT.replace("10.0.0.0/8", "0.0.0.0/0"))
    first = hook(cli)
    assert first[0] == 1 and loads.take() == 1  # the index and HEAD list the same blobs: evaluated once
    assert uncached(cli, monkeypatch) == first


def test_outputs_match_on_the_fixtures_before_and_after_edits(tmp_path: Path, cli: Cli,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setenv("NATPOLICY_CACHE_DIR", str(tmp_path / "cache"))
    compared = 0
    for fixture in sorted(p for p in (FIXTURES / "hcl").iterdir() if p.is_dir() and any(p.glob("*.tf"))):
        root = tmp_path / fixture.name
        shutil.copytree(fixture, root)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        monkeypatch.chdir(root)
        # An edit (one file of the root deleted), committed, then the file staged back.
        victim = sorted(root.glob("*.tf"))[-1]
        for step in ("rm", "restore"):
            if step == "rm":
                git(root, "rm", "-q", victim.name)
            else:
                git(root, "checkout", "-q", "HEAD~1", "--", victim.name)
            names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.tf"))
            runs = [cli("hook", "-f", "json", "--", *names) for _ in range(2)]
            with monkeypatch.context() as m:
                m.setenv("NATPOLICY_NO_CACHE", "1")
                runs.append(cli("hook", "-f", "json", "--", *names))
            assert len({(r.code, r.out, r.err) for r in runs}) == 1, fixture.name
            compared += 1
            git(root, "commit", "-q", "-m", step)
    assert compared >= 14


def test_a_damaged_cache_entry_is_evaluated_again(repo: Path, cli: Cli, loads: Loads) -> None:
    committed(repo)
    write_files(repo, {"main.tf": ROOT.replace("10.0.0.0/8", "0.0.0.0/0")})
    git(repo, "add", "-A")
    first = hook(cli)
    for entry in (repo.parent / "cache" / "sides").glob("*/*"):
        entry.write_bytes(entry.read_bytes()[:100])
    loads.take()
    assert hook(cli) == first
    assert loads.take() == 2


# -- every ingredient of the key -----------------------------------------------------------

def test_a_nested_module_change_is_evaluated(repo: Path, cli: Cli, loads: Loads) -> None:
    committed(repo)
    assert hook(cli)[0] == 0
    write_files(repo, {"modules/sg/main.tf": MODULE.replace("[var.cidr]", '["0.0.0.0/0"]')})
    git(repo, "add", "-A")
    code, out = hook(cli)
    assert code == 1 and "SG002" in out


def test_var_values_are_never_stored(repo: Path, cli: Cli, loads: Loads) -> None:
    committed(repo)
    assert hook(cli, "--var", "cidr=10.0.0.0/8")[0] == 0
    assert hook(cli, "--var", "cidr=0.0.0.0/0")[0] == 1
    assert hook(cli, "--var", "cidr=10.0.0.0/8")[0] == 0
    assert loads.take() == 6  # --var values are often secrets: nothing of such a run is written
    assert not list((repo.parent / "cache").glob("sides/*/*"))


def test_var_values_are_in_the_key() -> None:
    from natpolicy.loaders.side_cache import SideKey

    key = SideKey(roots=("/r",), display_root="/r", repository="/r", variables=(("cidr", "10.0.0.0/8"),),
                  var_files=(), modules="", check_inputs=True)
    other = SideKey(roots=("/r",), display_root="/r", repository="/r", variables=(("cidr", "0.0.0.0/0"),),
                    var_files=(), modules="", check_inputs=True)
    assert key.digest(b"listing") != other.digest(b"listing")


def test_variables_files_are_never_stored(repo: Path, cli: Cli, tmp_path: Path, loads: Loads) -> None:
    committed(repo)
    values = tmp_path / "prod.tfvars"  # read from the disk, outside git, and perhaps secret
    values.write_text('cidr = "10.0.0.0/8"\n', encoding="utf-8")
    assert hook(cli, "--var-file", str(values))[0] == 0
    values.write_text('cidr = "0.0.0.0/0"\n', encoding="utf-8")
    assert hook(cli, "--var-file", str(values))[0] == 1
    assert loads.take() == 4 and not list((repo.parent / "cache").glob("sides/*/*"))


def test_a_committed_variables_file_is_in_the_key(repo: Path, cli: Cli) -> None:
    write_files(repo, {"terraform.tfvars": 'cidr = "10.0.0.0/8"\n'})
    committed(repo)
    assert hook(cli)[0] == 0
    write_files(repo, {"terraform.tfvars": 'cidr = "0.0.0.0/0"\n'})
    git(repo, "add", "-A")
    assert hook(cli)[0] == 1


def test_a_file_read_by_file_functions_is_in_the_key(repo: Path, cli: Cli) -> None:
    main = ROOT.replace('cidr   = var.cidr', 'cidr   = jsondecode(file("${path.module}/net.json")).cidr')
    write_files(repo, {"net.json": '{"cidr": "10.0.0.0/8"}'})
    committed(repo, main=main)
    assert hook(cli)[0] == 0
    write_files(repo, {"net.json": '{"cidr": "0.0.0.0/0"}'})
    git(repo, "add", "-A")
    assert hook(cli)[0] == 1


def test_the_workspace_is_in_the_key(repo: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    committed(repo, main=ROOT.replace("cidr   = var.cidr",
                                      'cidr   = terraform.workspace == "prod" ? "0.0.0.0/0" : var.cidr'))
    assert hook(cli)[0] == 0
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert hook(cli)[0] == 1
    monkeypatch.delenv("TF_WORKSPACE")
    assert hook(cli)[0] == 0


def test_the_evaluation_budget_is_in_the_key(repo: Path, cli: Cli, tmp_path: Path) -> None:
    committed(repo)
    write_files(repo, {"main.tf": ROOT.replace("10.0.0.0/8", "0.0.0.0/0")})
    git(repo, "add", "-A")
    assert hook(cli)[0] == 1
    config = tmp_path / "tight.yaml"  # outside the repository: the git listing stays the same
    config.write_text("hcl-budget:\n  steps: 5\n", encoding="utf-8")
    code, out = hook(cli, "--config", str(config))
    assert code == 0 and "SG002" not in out  # past the budget the CIDR is unknown, never a finding


def test_natpolicy_itself_is_in_the_key(repo: Path, cli: Cli, loads: Loads, monkeypatch: pytest.MonkeyPatch) -> None:
    from natpolicy.loaders import side_cache

    committed(repo)
    write_files(repo, {"main.tf": ROOT + "\n# staged\n"})
    git(repo, "add", "-A")
    hook(cli)
    loads.take()
    hook(cli)
    assert loads.take() == 0
    monkeypatch.setattr(side_cache, "code_fingerprint", lambda: "another natpolicy")
    hook(cli)
    assert loads.take() == 2


def test_a_side_calling_a_remote_module_is_not_stored(repo: Path, cli: Cli, loads: Loads) -> None:
    remote = ROOT + '\nmodule "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n  version = "5.0.0"\n}\n'
    committed(repo, main=remote)
    hook(cli)
    hook(cli)
    assert loads.take() == 4  # .terraform/modules and the module cache are on the disk, outside the key
    assert not list((repo.parent / "cache").glob("sides/*/*"))


# -- the codec -----------------------------------------------------------------------------

def test_every_value_type_comes_back_as_it_was() -> None:
    after = {"a": UNKNOWN, "l": TfList([1, UNKNOWN, {"x": TfSet(["b", "a"])}]), "s": TfSet([{"k": 1}], ordered=False),
             "m": TfMap({"k": Approx(10 / 3)}), "t": ["x", 2.5, True, None, 10**40]}
    resource = Resource(address='aws_x.y["k"]', type="aws_x", name="y", index="k", actions=("create",), after=after,
                        references={"id": ("aws_z.w",)}, after_sensitive={"p": True},
                        location=SourceLocation("main.tf", 1, 3), expressions={"n": {"constant_value": 1}})
    loaded = LoadResult(resources=[resource], errors=["e"], notes=["n"], roots=["."],
                        blocks={(".", "aws_x.y"): SourceLocation("main.tf", 1, 3)})
    back, texts = decode_side(encode_side(loaded, {Path("/r/main.tf"): "text", Path("/r/gone.tf"): None}))
    got = back.resources[0]
    assert got == resource or repr(got) == repr(resource)
    assert type(got.after["l"]) is TfList and got.after["l"][1] is UNKNOWN and type(got.after["l"][2]["x"]) is TfSet
    assert type(got.after["s"]) is TfSet and got.after["s"].ordered is False
    assert type(got.after["m"]) is TfMap and type(got.after["m"]["k"]) is Approx
    assert got.references == {"id": ("aws_z.w",)} and got.actions == ("create",)
    assert (back.errors, back.notes, back.roots, back.blocks) == (loaded.errors, loaded.notes, loaded.roots,
                                                                  loaded.blocks)
    assert texts == {Path("/r/main.tf"): "text", Path("/r/gone.tf"): None}


@pytest.mark.parametrize("value", [object(), ("x", UNKNOWN), {("k", UNKNOWN): "a"}, {Path("k"): 1}, Path("x")])
def test_values_it_cannot_write_are_not_stored(value: object) -> None:
    resource = Resource(address="aws_x.y", type="aws_x", name="y", after={"v": value})
    with pytest.raises(Unencodable):
        encode_side(LoadResult(resources=[resource]), {})


@pytest.mark.parametrize("data", [b"", b"garbage", b"x\x9c\x03\x00\x00\x00\x00\x01"])
def test_anything_else_is_refused_when_read(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_side(data)


def test_a_run_that_reads_both_sides_back_never_imports_the_parser(repo: Path, cli: Cli, tmp_path: Path) -> None:
    import sys

    committed(repo)
    write_files(repo, {"main.tf": ROOT.replace("10.0.0.0/8", "0.0.0.0/0")})
    git(repo, "add", "-A")
    first = hook(cli)
    probe = ("import sys\nfrom natpolicy.cli import main\ncode = main(['hook', '--', 'main.tf'])\n"
             "print(code, sorted(m for m in ('lark', 'hcl2') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-B", "-c", probe], cwd=repo, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120)
    assert proc.stdout.splitlines()[-1] == f"{first[0]} []", proc.stdout + proc.stderr
