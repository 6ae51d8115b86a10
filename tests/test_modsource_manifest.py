""".terraform/modules/modules.json as terraform init / tofu init write it, read offline and defensively."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from natpolicy.loaders.modsource import (
    ChangeKind,
    Origin,
    Resolved,
    Unresolved,
    from_manifest,
    manifest_changes,
    read_manifest,
)


def _write(root: Path, modules: list[dict[str, str]], dirs: list[str] = ()) -> None:  # type: ignore[assignment]
    for d in dirs:
        (root / d).mkdir(parents=True, exist_ok=True)
    folder = root / ".terraform" / "modules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "modules.json").write_text(json.dumps({"Modules": modules}), encoding="utf-8")


INIT = [
    {"Key": "", "Source": "", "Dir": "."},
    {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws", "Version": "5.1.2",
     "Dir": ".terraform/modules/vpc"},
    {"Key": "vpc.sg", "Source": "./modules/sg", "Dir": ".terraform/modules/vpc/modules/sg"},
    {"Key": "net", "Source": "./net", "Dir": "net"},
    {"Key": "git", "Source": "git::https://example.com/m.git?ref=v1", "Dir": ".terraform\\modules\\git"},
]


def test_keys_map_to_folders_with_source_and_version(tmp_path: Path) -> None:
    _write(tmp_path, INIT, [".terraform/modules/vpc/modules/sg", "net", ".terraform/modules/git"])
    manifest = read_manifest(tmp_path)
    assert manifest.found and manifest.notes == ()
    assert sorted(manifest.entries) == ["git", "net", "vpc", "vpc.sg"]
    vpc = manifest.entries["vpc"]
    assert (vpc.source, vpc.version, vpc.directory) == (
        "registry.terraform.io/terraform-aws-modules/vpc/aws", "5.1.2", tmp_path / ".terraform/modules/vpc")
    assert manifest.entries["vpc.sg"].path == ("vpc", "sg")
    assert manifest.entries["vpc.sg"].version is None
    assert manifest.entries["git"].directory == tmp_path / ".terraform/modules/git"  # written on Windows


def test_no_manifest_is_not_an_error(tmp_path: Path) -> None:
    manifest = read_manifest(tmp_path)
    assert (manifest.found, dict(manifest.entries), manifest.notes) == (False, {}, ())


@pytest.mark.parametrize(("recorded", "why"), [
    ("/etc", "is absolute"),
    ("../outside", "leaves the root"),
    (".terraform/modules/../../../outside", "leaves the root"),
    ("link", "through a symbolic link"),
    (".terraform/modules/missing", "does not exist"),
])
def test_entries_leaving_the_root_are_refused(tmp_path: Path, recorded: str, why: str) -> None:
    root = tmp_path / "root"
    (tmp_path / "outside").mkdir()
    root.mkdir()
    os.symlink(tmp_path / "outside", root / "link")
    _write(root, [{"Key": "evil", "Source": "x/y/aws", "Version": "1.0.0", "Dir": recorded}])
    manifest = read_manifest(root)
    assert "evil" not in manifest.entries
    assert len(manifest.notes) == 1 and why in manifest.notes[0] and "module.evil" in manifest.notes[0]


def test_a_wider_boundary_allows_shared_folders(tmp_path: Path) -> None:
    root = tmp_path / "envs" / "prod"
    (tmp_path / "modules" / "net").mkdir(parents=True)
    root.mkdir(parents=True)
    _write(root, [{"Key": "net", "Source": "../../modules/net", "Dir": "../../modules/net"}])
    assert "net" not in read_manifest(root).entries
    assert read_manifest(root, within=tmp_path).entries["net"].directory == tmp_path / "modules" / "net"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"Modules": 3}'])
def test_malformed_manifest_becomes_a_note(tmp_path: Path, content: str) -> None:
    folder = tmp_path / ".terraform" / "modules"
    folder.mkdir(parents=True)
    (folder / "modules.json").write_text(content, encoding="utf-8")
    manifest = read_manifest(tmp_path)
    assert manifest.entries == {} and len(manifest.notes) == 1


def test_changes_between_two_sides(tmp_path: Path) -> None:
    dirs = [".terraform/modules/a", ".terraform/modules/b", ".terraform/modules/c", ".terraform/modules/d"]
    before_root, after_root = tmp_path / "before", tmp_path / "after"
    for root in (before_root, after_root):
        for d in dirs:
            (root / d).mkdir(parents=True)
    _write(before_root, [
        {"Key": "a", "Source": "registry.terraform.io/x/a/aws", "Version": "1.0.0", "Dir": dirs[0]},
        {"Key": "b", "Source": "registry.terraform.io/x/b/aws", "Version": "1.0.0", "Dir": dirs[1]},
        {"Key": "c", "Source": "git::https://e.com/c.git?ref=v1", "Dir": dirs[2]},
        {"Key": "same", "Source": "registry.terraform.io/x/s/aws", "Version": "2.0.0", "Dir": dirs[3]},
    ])
    _write(after_root, [
        {"Key": "a", "Source": "registry.terraform.io/x/a/aws", "Version": "1.1.0", "Dir": dirs[0]},
        {"Key": "c", "Source": "git::https://e.com/c.git?ref=v2", "Dir": dirs[2]},
        {"Key": "d", "Source": "registry.terraform.io/x/d/aws", "Version": "3.0.0", "Dir": dirs[1]},
        {"Key": "same", "Source": "registry.terraform.io/x/s/aws", "Version": "2.0.0", "Dir": dirs[3]},
    ])
    changes = manifest_changes(read_manifest(before_root).entries, read_manifest(after_root).entries)
    assert [(c.key, c.kind) for c in changes] == [
        ("a", ChangeKind.VERSION), ("b", ChangeKind.REMOVED), ("c", ChangeKind.SOURCE), ("d", ChangeKind.ADDED)]
    assert changes[0].message == "module.a: version changed from 1.0.0 to 1.1.0"
    assert changes[2].message == ("module.c: source changed from git::https://e.com/c.git?ref=v1 to "
                                  "git::https://e.com/c.git?ref=v2")
    assert all("\n" not in c.message for c in changes)


def test_from_manifest_honours_source_and_version(tmp_path: Path) -> None:
    _write(tmp_path, INIT, [".terraform/modules/vpc/modules/sg", "net", ".terraform/modules/git"])
    manifest = read_manifest(tmp_path)
    hit = from_manifest(manifest, "vpc", "terraform-aws-modules/vpc/aws", "~> 5.0")
    assert isinstance(hit, Resolved) and hit.origin is Origin.MANIFEST and hit.version == "5.1.2"
    assert hit.directory == tmp_path / ".terraform/modules/vpc"
    stale = from_manifest(manifest, "vpc", "terraform-aws-modules/vpc/aws", "~> 6.0")
    assert isinstance(stale, Unresolved) and "5.1.2 does not match" in stale.reason
    moved = from_manifest(manifest, "vpc", "acme/vpc/aws")
    assert isinstance(moved, Unresolved) and "run terraform init" in moved.reason
    assert from_manifest(manifest, "nope", "acme/vpc/aws") is None
    assert isinstance(from_manifest(manifest, "git", "git::https://example.com/m.git?ref=v1"), Resolved)
