"""Registry modules as a new user has them: the VPC module that `terraform init` installed, or fetched.

The module is a trimmed but faithful copy of `terraform-aws-modules/vpc/aws`
(fixtures/modules/terraform-aws-vpc), installed the way `terraform init` leaves
it (`.terraform/modules/modules.json` + `.terraform/modules/vpc/`, ignored by
git), or published on a loopback registry for `--download-modules`. The gates:
the pre-commit hook (in process) and `natpolicy check . --diff-base HEAD --staged`.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES, CliResult
from modsource_fixtures import Server, commit_files, git, serve, tar_gz

VPC_MODULE = FIXTURES / "modules" / "terraform-aws-vpc"
REGISTRY = "registry.terraform.io/terraform-aws-modules/vpc/aws"
GATEWAYS = [f"module.vpc.aws_nat_gateway.this[{i}]" for i in range(3)]
TOKEN = "acme-registry-token-7f3c9e1d"  # never printed


def root_tf(*, enable: bool = True, single: bool = False, source: str = "terraform-aws-modules/vpc/aws",
            version: str = "~> 5.0") -> str:
    return f'''module "vpc" {{
  source  = "{source}"
  version = "{version}"

  name = "prod"
  cidr = "10.0.0.0/16"

  azs             = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
  public_subnets  = ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"]

  enable_nat_gateway = {str(enable).lower()}
  single_nat_gateway = {str(single).lower()}
}}
'''


def module_files() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(VPC_MODULE.glob("*.tf"))}


def terraform_init(root: Path, *, version: str = "5.16.0", source: str = REGISTRY,
                   extra: list[dict[str, str]] | None = None) -> None:
    """What `terraform init` leaves: the package under .terraform/modules/vpc and the manifest."""
    target = root / ".terraform" / "modules" / "vpc"
    target.mkdir(parents=True)
    for name, text in module_files().items():
        (target / name).write_text(text, encoding="utf-8")
    modules = [{"Key": "", "Source": "", "Dir": "."},
               {"Key": "vpc", "Source": source, "Version": version, "Dir": ".terraform/modules/vpc"}, *(extra or [])]
    (root / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": modules}), encoding="utf-8")


def new_repo(path: Path, main_tf: str) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    commit_files(path, {"main.tf": main_tf, ".gitignore": ".terraform/\n"}, "the VPC")
    return path


def stage(repo: Path, main_tf: str) -> None:
    (repo / "main.tf").write_text(main_tf, encoding="utf-8")
    git(repo, "add", "main.tf")


def nat001(result: CliResult) -> list[str]:
    return sorted(f["address"] for f in result.json()["findings"] if f["rule_id"] == "NAT001")


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose VPC comes from the registry module, installed by `terraform init`."""
    repo = new_repo(tmp_path / "infra", root_tf())
    terraform_init(repo)
    monkeypatch.chdir(repo)
    return repo


# -- offline: .terraform/modules ------------------------------------------------------------------

def test_the_installed_module_is_read_in_a_plain_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         cli: Callable[..., CliResult]) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "main.tf").write_text(root_tf(), encoding="utf-8")
    terraform_init(root)
    monkeypatch.chdir(root)
    result = cli("check", ".", "-f", "json", "-c", "FLOW")
    # The module's VPC is read (it has no flow log). The alert goes on the `module` block that calls it
    # (a line of the repository), and names the block in the installed copy as its related location.
    (finding,) = result.json()["findings"]
    assert (finding["address"], finding["file"], result.code) == ("module.vpc.aws_vpc.this[0]", "main.tf", 1)
    assert [r["file"] for r in finding["related"]] == [".terraform/modules/vpc/main.tf"]
    assert not any("was not scanned" in n for n in result.json()["notes"])


def test_the_hook_blocks_enable_nat_gateway_false(installed: Path, monkeypatch: pytest.MonkeyPatch,
                                                  cli: Callable[..., CliResult]) -> None:
    stage(installed, root_tf(enable=False))
    monkeypatch.setenv("PRE_COMMIT", "1")
    result = cli("hook", "-f", "json", "--", "main.tf")
    assert result.code == 1
    assert nat001(result) == GATEWAYS


def test_check_diff_base_head_staged_reports_each_deleted_gateway(installed: Path,
                                                                  cli: Callable[..., CliResult]) -> None:
    stage(installed, root_tf(enable=False))
    result = cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json")
    assert result.code == 1
    assert nat001(result) == GATEWAYS
    # The work tree is what is staged here; unstaged, the index still holds HEAD: nothing is deleted.
    git(installed, "reset", "-q")
    assert nat001(cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json")) == []


def test_the_safe_consolidation_to_a_single_gateway_passes(installed: Path, monkeypatch: pytest.MonkeyPatch,
                                                           cli: Callable[..., CliResult]) -> None:
    # Two gateways go, and every private subnet's association moves to the table routed to the one that stays.
    stage(installed, root_tf(single=True))
    monkeypatch.setenv("PRE_COMMIT", "1")
    result = cli("hook", "-f", "json", "-c", "NAT", "--", "main.tf")
    assert (result.code, nat001(result)) == (0, [])


def test_dropping_a_zone_with_its_subnets_is_quiet(installed: Path, cli: Callable[..., CliResult]) -> None:
    # The zone's gateway goes with the subnets it served: no subnet loses its way out.
    fewer = root_tf().replace('["eu-west-1a", "eu-west-1b", "eu-west-1c"]', '["eu-west-1a", "eu-west-1b"]')
    fewer = fewer.replace(', "10.0.3.0/24"]', "]").replace(', "10.0.103.0/24"]', "]")
    stage(installed, fewer)
    assert nat001(cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json", "-c", "NAT")) == []


def test_turning_off_the_single_gateway_fires(installed: Path, cli: Callable[..., CliResult]) -> None:
    # Near miss of the consolidation: once consolidated, the last gateway going is a deletion.
    commit_files(installed, {"main.tf": root_tf(single=True)}, "one NAT gateway")
    stage(installed, root_tf(single=True, enable=False))
    assert nat001(cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json", "-c", "NAT")) == [GATEWAYS[0]]


def test_a_version_change_is_noted_and_compared_on_the_installed_code(installed: Path,
                                                                      cli: Callable[..., CliResult]) -> None:
    stage(installed, root_tf(enable=False, version="5.16.0"))
    result = cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json")
    assert nat001(result) == GATEWAYS
    assert ".: module.vpc: version changed from ~> 5.0 to 5.16.0 since HEAD" in result.json()["notes"]


def test_a_module_the_new_side_cannot_read_deletes_nothing(installed: Path, cli: Callable[..., CliResult]) -> None:
    # A new source that `terraform init` has not installed: the module is not read now, so its
    # resources at HEAD are not counted as deleted (every gateway would be a false NAT001).
    stage(installed, root_tf(enable=False, source="git::https://example.com/acme/vpc.git?ref=v6", version=""))
    result = cli("check", ".", "--diff-base", "HEAD", "--staged", "-f", "json")
    notes = result.json()["notes"]
    assert (result.code, nat001(result)) == (0, [])
    assert "module.vpc could not be read now, so what it held at HEAD is not counted as deleted" in notes
    assert ("module.vpc (git::https://example.com/acme/vpc.git?ref=v6) was not resolved: .terraform/modules/vpc "
            "holds registry.terraform.io/terraform-aws-modules/vpc/aws, not this source; run terraform init") in notes


def test_an_out_of_date_install_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          cli: Callable[..., CliResult]) -> None:
    root = tmp_path / "stale"
    root.mkdir()
    (root / "main.tf").write_text(root_tf(version="~> 6.0"), encoding="utf-8")
    terraform_init(root)
    monkeypatch.chdir(root)
    result = cli("check", ".", "-f", "json")
    assert result.json()["findings"] == []
    assert result.json()["notes"] == [
        "module.vpc (terraform-aws-modules/vpc/aws) was not resolved: the installed version 5.16.0 does not match "
        "~> 6.0; run terraform init"]
    assert cli("check", ".", "--require-modules").code == 2


def test_nested_keys_are_read_from_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                cli: Callable[..., CliResult]) -> None:
    root = tmp_path / "nested"
    root.mkdir()
    (root / "main.tf").write_text(root_tf(), encoding="utf-8")
    sg_dir = ".terraform/modules/vpc.sg"
    terraform_init(root, extra=[{"Key": "vpc.sg", "Source": "registry.terraform.io/terraform-aws-modules/"
                                 "security-group/aws", "Version": "5.1.0", "Dir": sg_dir}])
    with (root / ".terraform/modules/vpc/main.tf").open("a", encoding="utf-8") as fh:
        fh.write('\nmodule "sg" {\n  source  = "terraform-aws-modules/security-group/aws"\n'
                 '  version = "~> 5.1"\n  vpc_id  = local.vpc_id\n}\n')
    (root / sg_dir).mkdir()
    (root / sg_dir / "main.tf").write_text(
        'variable "vpc_id" {}\nresource "aws_security_group" "this" {\n  vpc_id = var.vpc_id\n'
        '  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = "tcp"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n', encoding="utf-8")
    monkeypatch.chdir(root)
    result = cli("check", ".", "-f", "json", "-c", "SG002")
    assert [(f["address"], f["file"], [r["file"] for r in f["related"]]) for f in result.json()["findings"]] == [
        ("module.vpc.module.sg.aws_security_group.this", "main.tf", [".terraform/modules/vpc.sg/main.tf"])]


# -- confinement: nothing else under .terraform/ ----------------------------------------------------

@pytest.mark.parametrize("recorded", [".terraform/providers", ".terraform", ".", "../outside", "/etc"])
def test_a_manifest_folder_outside_terraform_modules_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  cli: Callable[..., CliResult],
                                                                  recorded: str) -> None:
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "main.tf").write_text(root_tf(), encoding="utf-8")
    terraform_init(root)
    elsewhere = root / ".terraform" / "providers"
    elsewhere.mkdir()
    (tmp_path / "outside").mkdir()
    for folder in (elsewhere, root / ".terraform", tmp_path / "outside"):
        shutil.copy(VPC_MODULE / "main.tf", folder / "main.tf")
    manifest = root / ".terraform/modules/modules.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"Dir": ".terraform/modules/vpc"',
                                                                     f'"Dir": "{recorded}"'), encoding="utf-8")
    monkeypatch.chdir(root)
    result = cli("check", ".", "-f", "json")
    assert result.json()["findings"] == []
    assert any(n.startswith("module.vpc (terraform-aws-modules/vpc/aws) ") for n in result.json()["notes"])


def test_a_link_in_an_installed_module_does_not_lead_elsewhere_under_terraform(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    root = tmp_path / "linked"
    root.mkdir()
    (root / "main.tf").write_text(root_tf(), encoding="utf-8")
    terraform_init(root)
    state = root / ".terraform" / "secret.tf"
    state.write_text('resource "aws_security_group" "leak" {\n  description = "from .terraform"\n}\n',
                     encoding="utf-8")
    (root / ".terraform/modules/vpc/leak.tf").symlink_to(Path("..") / ".." / "secret.tf")
    (root / "local.tf").write_text('module "state" {\n  source = "./.terraform"\n}\n', encoding="utf-8")
    monkeypatch.chdir(root)
    result = cli("check", ".", "-f", "json", "-v")
    text = json.dumps(result.json())
    assert "leak" not in text.replace(".terraform/modules/vpc/leak.tf", "")
    assert ".terraform/modules/vpc/leak.tf: a symbolic link leading out of the repository (or the scanned " \
           "folder); not read" in result.json()["notes"]
    assert "module.state (./.terraform) has no Terraform files and was not scanned" in result.json()["notes"]


def test_unsupported_getters_are_one_line_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                cli: Callable[..., CliResult]) -> None:
    (tmp_path / "main.tf").write_text('module "vpc" {\n  source = "s3::https://s3.amazonaws.com/b/vpc.zip"\n}\n'
                                      'module "net" {\n  source = "gcs::https://www.googleapis.com/b/net.zip"\n}\n',
                                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("check", ".", "-f", "json", "--download-modules")
    notes = result.json()["notes"]
    assert result.code == 0 and len(notes) == 2
    assert all("\n" not in n and "was not resolved: " in n for n in notes)
    assert notes[0].startswith("module.net (gcs::") and notes[1].startswith("module.vpc (s3::")


# -- online: a private registry named in the Terraform CLI configuration -----------------------------

@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A private registry on 127.0.0.1, reached through a `host` block; its token in a `credentials` block."""
    for server in serve():
        archive = tar_gz(module_files())
        server.module("acme/vpc/aws", {"5.0.0": archive, "5.16.0": archive, "6.0.0": tar_gz({"main.tf": ""})})
        config = tmp_path / "terraform.rc"
        config.write_text(f'host "registry.acme.example" {{\n  services = {{\n'
                          f'    "modules.v1" = "{server.base}/v1/modules/"\n  }}\n}}\n'
                          f'credentials "registry.acme.example" {{\n  token = "{TOKEN}"\n}}\n', encoding="utf-8")
        monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
        monkeypatch.setenv("NATPOLICY_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        for name in [n for n in __import__("os").environ if n.startswith("TF_TOKEN_")]:
            monkeypatch.delenv(name)
        yield server


def private_tf(**changes: object) -> str:
    return root_tf(source="registry.acme.example/acme/vpc/aws", **changes)  # type: ignore[arg-type]


def test_download_modules_from_a_private_registry_then_from_the_cache(
        registry: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    repo = new_repo(tmp_path / "infra", private_tf())
    monkeypatch.chdir(repo)
    stage(repo, private_tf(enable=False))
    first = cli("check", ".", "--diff-base", "HEAD", "--staged", "--download-modules", "-f", "json")
    assert nat001(first) == GATEWAYS
    # ~> 5.0 picks 5.16.0, not 6.0.0; the token went to the registry and nowhere in the output.
    downloads = [s.path for s in registry.requests if s.path.endswith("/download")]
    assert downloads == ["/v1/modules/acme/vpc/aws/5.16.0/download"]
    assert {s.authorization for s in registry.requests if s.path.startswith("/v1/")} == {f"Bearer {TOKEN}"}
    assert TOKEN not in first.out + first.err

    # Second run: the server is gone, the cache answers; the hook path, offline by default, too.
    registry.stop()
    again = cli("check", ".", "--diff-base", "HEAD", "--staged", "--download-modules", "-f", "json")
    assert nat001(again) == GATEWAYS
    monkeypatch.setenv("PRE_COMMIT", "1")
    hooked = cli("hook", "-f", "json", "--", "main.tf")
    assert (hooked.code, nat001(hooked)) == (1, GATEWAYS)
    assert TOKEN not in again.out + again.err + hooked.out + hooked.err


def test_offline_failure_is_a_note_and_require_modules_exits_2(
        registry: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliResult]) -> None:
    registry.stop()  # nothing cached, nothing to reach
    (tmp_path / "main.tf").write_text(private_tf(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("check", ".", "--download-modules", "-f", "json")
    (note,) = result.json()["notes"]
    assert result.code == 0
    assert note.startswith("module.vpc (registry.acme.example/acme/vpc/aws) was not resolved: ")
    required = cli("check", ".", "--download-modules", "--require-modules")
    assert required.code == 2
    (line,) = required.err.splitlines()
    assert line.startswith("natpolicy: error: module.vpc (registry.acme.example/acme/vpc/aws) was not resolved: ")
    assert line.endswith("(--require-modules)") and TOKEN not in required.err + required.out


def test_the_config_key_turns_downloads_on(registry: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           cli: Callable[..., CliResult]) -> None:
    (tmp_path / "main.tf").write_text(private_tf(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli("check", ".", "-f", "json", "-c", "FLOW").json()["findings"] == []  # offline by default
    assert not any(s.path.startswith("/v1/") for s in registry.requests)
    (tmp_path / ".natpolicy.yaml").write_text("download-modules: true\n", encoding="utf-8")
    result = cli("check", ".", "-f", "json", "-c", "FLOW")
    assert [f["address"] for f in result.json()["findings"]] == ["module.vpc.aws_vpc.this[0]"]
