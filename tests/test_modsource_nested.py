"""Modules inside fetched modules: their module blocks listed and resolved, bounded and contained."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modsource_fixtures import MAIN_TF, Server, serve, settings_for, tar_gz
from natpolicy.loaders.modsource import (
    Resolved,
    Unresolved,
    module_calls,
    resolve,
    resolve_nested,
)


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve()


def test_module_calls_reads_literal_sources(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}
module "local" {
  source = "./modules/x"
}
module "computed" {
  source = "${var.where}"
}
''')
    (tmp_path / "extra.tf.json").write_text('{"module": {"j": {"source": "./j"}}}')
    (tmp_path / "broken.tf").write_text('module "x" {')
    calls, notes = module_calls(tmp_path)
    assert [(c.name, c.source, c.version) for c in calls] == [
        ("j", "./j", None), ("vpc", "terraform-aws-modules/vpc/aws", "~> 5.0"), ("local", "./modules/x", None),
        ("computed", None, None)]
    assert len(notes) == 1 and "broken.tf" in notes[0]


def test_nested_remote_modules_are_resolved_recursively(server: Server, tmp_path: Path) -> None:
    server.module("acme/sg/aws", {"2.0.0": tar_gz({"main.tf": "# sg\n"})})
    outer = tar_gz({
        "main.tf": MAIN_TF + f'module "sg" {{\n  source = "{server.host}/acme/sg/aws"\n  version = "~> 2.0"\n}}\n'
                   'module "nat" {\n  source = "./modules/nat"\n}\n'
                   'module "evil" {\n  source = "../../../../etc"\n}\n',
        "modules/nat/main.tf": 'module "deep" {\n  source = "../deep"\n}\n',
        "modules/deep/main.tf": "# deep\n",
    })
    server.module("acme/vpc/aws", {"1.0.0": outer})
    settings = settings_for(tmp_path)
    top = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings)
    assert isinstance(top, Resolved)
    nested = resolve_nested(top, settings=settings)
    by_key = {m.key: m.result for m in nested.modules}
    assert sorted(by_key) == ["evil", "nat", "nat.deep", "sg"]
    sg, deep, evil = by_key["sg"], by_key["nat.deep"], by_key["evil"]
    assert isinstance(sg, Resolved) and sg.version == "2.0.0" and (sg.directory / "main.tf").read_text() == "# sg\n"
    assert isinstance(deep, Resolved) and deep.directory == top.package_dir / "modules" / "deep"
    assert isinstance(evil, Unresolved) and "may not leave its module package" in evil.reason
    assert evil.module == "evil"


def test_depth_is_bounded_and_cycles_end(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for name, child in (("a", "../b"), ("b", "../c"), ("c", "../a")):
        (root / name).mkdir(parents=True)
        (root / name / "main.tf").write_text(f'module "next" {{\n  source = "{child}"\n}}\n')
    start = resolve("./a", None, settings=settings_for(tmp_path), base_dir=root)
    assert isinstance(start, Resolved)
    keys = [m.key for m in resolve_nested(start, settings=settings_for(tmp_path)).modules]
    assert keys == ["next", "next.next", "next.next.next"]  # the third comes back to a: not walked again
    shallow = resolve_nested(start, settings=settings_for(tmp_path), max_depth=1).modules
    assert [m.key for m in shallow] == ["next", "next.next"]
    assert isinstance(shallow[1].result, Unresolved) and "deeper than 1" in shallow[1].result.reason
