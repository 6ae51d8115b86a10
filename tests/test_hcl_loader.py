"""checker/loaders/hcl/loader.py: resources, variables, modules, files, CLI flags."""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.loaders.hcl.loader import find_roots, load_hcl, parse_var_flags
from natpolicy.model import UNKNOWN, SourceLocation


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


VARS = '''\
variable "a" {
  default = "default"
}
variable "b" {
  default = "default"
}
variable "c" {
  default = "default"
}
variable "d" {
  default = "default"
}
variable "e" {
  default = "default"
}
variable "n" {
  type = number
}
variable "required" {}
resource "null_resource" "r" {
  triggers = { a = var.a, b = var.b, c = var.c, d = var.d, e = var.e, n = var.n, required = var.required }
}
'''


def _triggers(root: Path, **kw) -> dict:
    result = load_hcl([root], display_root=root, **kw)
    assert not result.errors, result.errors
    return result.resources[0].after["triggers"]


def test_variable_precedence(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": VARS,
        "terraform.tfvars": 'a = "tfvars"\nb = "tfvars"\nc = "tfvars"\nd = "tfvars"\n',
        "x.auto.tfvars": 'b = "auto"\nc = "auto"\nd = "auto"\n',
        "extra.tfvars": 'c = "file"\nd = "file"\nn = "42"\n',
    })
    got = _triggers(tmp_path, var_files=[tmp_path / "extra.tfvars"], variables={"d": "cli"})
    assert got["a"] == "tfvars" and got["b"] == "auto" and got["c"] == "file" and got["d"] == "cli"
    assert got["e"] == "default"
    assert got["n"] == 42  # converted to the declared type
    assert got["required"] is UNKNOWN  # no default, no value: unknown, never a guess


def test_cli_var_values_may_be_hcl_collections(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'variable "l" {}\nresource "x" "y" {\n  v = var.l\n}\n'})
    after = load_hcl([tmp_path], variables={"l": '["a", "b"]'}).resources[0].after
    assert after["v"] == ["a", "b"]


def test_parse_var_flags() -> None:
    assert parse_var_flags(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    from natpolicy.errors import UsageError

    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_var_flags(["novalue"])


def test_addresses_keys_and_locations(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '''\
resource "aws_s3_bucket" "counted" {
  count  = 2
  bucket = "b-${count.index}"
}

resource "aws_s3_bucket" "keyed" {
  for_each = toset(["x", "a"])
  bucket   = each.key
}

resource "aws_s3_bucket" "none" {
  for_each = {}
}

data "aws_vpc" "default" {
  default = true
}
'''})
    result = load_hcl([tmp_path], display_root=tmp_path)
    got = {r.address: (r.index, r.after, r.location, r.mode, r.actions) for r in result.resources}
    assert got['aws_s3_bucket.counted[1]'] == (1, {"bucket": "b-1"}, SourceLocation("main.tf", 1, 4), "managed", ("create",))
    assert got['aws_s3_bucket.keyed["a"]'][:2] == ("a", {"bucket": "a"})
    assert 'aws_s3_bucket.keyed["x"]' in got
    assert not any(a.startswith("aws_s3_bucket.none") for a in got)
    assert got["data.aws_vpc.default"][3:] == ("data", ("read",))
    assert result.blocks[(".", "aws_s3_bucket.none")] == SourceLocation("main.tf", 11, 13)


def test_unknown_count_keeps_one_instance_of_known_settings(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'variable "n" {}\nresource "aws_ebs_volume" "v" {\n  count = var.n\n  encrypted = false\n}\n'})
    result = load_hcl([tmp_path])
    (res,) = result.resources
    assert res.address == "aws_ebs_volume.v" and res.after == {"encrypted": False}
    assert res.unknown_expansion is True
    assert result.verbose_notes == ["aws_ebs_volume.v: its count/for_each is not known statically; "
                                    "checked once, on the settings that are known"]


def test_nested_and_dynamic_blocks_are_lists_of_objects(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '''\
variable "ports" {
  default = { ssh = 22, web = 443 }
}
variable "unknown_rules" {}
resource "aws_security_group" "s" {
  ingress {
    from_port = 1
  }
  dynamic "ingress" {
    for_each = var.ports
    iterator = rule
    content {
      from_port   = rule.value
      description = rule.key
    }
  }
  dynamic "egress" {
    for_each = var.unknown_rules
    content {
      from_port = egress.value
    }
  }
  lifecycle {
    create_before_destroy = true
  }
}
resource "aws_instance" "i" {
  root_block_device {
    encrypted = null
    volume_size = 8
  }
}
'''})
    res = {r.address: r for r in load_hcl([tmp_path]).resources}
    sg = res["aws_security_group.s"].after
    assert sg["ingress"] == [{"from_port": 1}, {"from_port": 22, "description": "ssh"},
                             {"from_port": 443, "description": "web"}]
    assert sg["egress"] is UNKNOWN  # a dynamic block over unknown values
    assert "lifecycle" not in sg
    # null leaves the argument unset, as Terraform does.
    assert res["aws_instance.i"].after == {"root_block_device": [{"volume_size": 8}]}


def test_local_module_twice_with_outputs_and_references(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": '''\
module "a" {
  source = "./m"
  size   = 1
}
module "b" {
  for_each = { x = 2 }
  source   = "./m"
  size     = each.value
}
resource "aws_ebs_snapshot" "s" {
  volume_id = module.a.id
  tags      = { size = module.b["x"].size }
}
''',
        "m/main.tf": '''\
variable "size" {}
resource "aws_ebs_volume" "v" {
  size = var.size
}
output "id" {
  value = aws_ebs_volume.v.id
}
output "size" {
  value = aws_ebs_volume.v.size
}
''',
    })
    result = load_hcl([tmp_path], display_root=tmp_path)
    res = {r.address: r for r in result.resources}
    assert res["module.a.aws_ebs_volume.v"].after == {"size": 1}
    assert res['module.b["x"].aws_ebs_volume.v'].after == {"size": 2}
    assert res['module.b["x"].aws_ebs_volume.v'].module == 'module.b["x"]'
    assert res['module.b["x"].aws_ebs_volume.v'].location == SourceLocation("m/main.tf", 2, 4)
    snap = res["aws_ebs_snapshot.s"]
    assert snap.after == {"volume_id": UNKNOWN, "tags": {"size": 2}}  # configured values flow; ids do not
    # The literal module key stays, as in a plan's references (natpolicy.model).
    assert snap.references == {"volume_id": ("module.a.aws_ebs_volume.v",), "tags": ('module.b["x"].aws_ebs_volume.v',)}
    assert result.blocks[(".", "module.b")] == SourceLocation("main.tf", 5, 9)


def test_remote_and_missing_modules_are_notes(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '''\
module "r" {
  source = "git::https://example.com/x.git?ref=v1"
}
module "gone" {
  source = "./not-there"
}
'''})
    result = load_hcl([tmp_path])
    assert result.notes == ["module.gone (./not-there) has no Terraform files and was not scanned",
                            "module.r (git::https://example.com/x.git?ref=v1) was not resolved: not in "
                            ".terraform/modules nor in the module cache (run terraform init, or natpolicy "
                            "--download-modules)"]
    assert result.resources == [] and result.errors == []


def test_recursive_modules_are_said_to_call_themselves(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'module "self" {\n  source = "./"\n}\nmodule "a" {\n  source = "./a"\n}\n',
                     "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
                     "b/main.tf": 'module "a" {\n  source = "../a"\n}\nresource "x" "y" {\n}\n'})
    result = load_hcl([tmp_path], display_root=tmp_path)
    assert result.notes == [
        "module.a.module.b.module.a (../a) calls itself (directly or through other modules), which Terraform "
        "cannot expand; not scanned",
        "module.self (./) calls itself (directly or through other modules), which Terraform cannot expand; "
        "not scanned"]
    assert [r.address for r in result.resources] == ["module.a.module.b.x.y"]


def test_text_overrides_and_revisions(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "a" "b" {\n  v = 1\n}\n', "old.tf": 'resource "a" "old" {\n}\n'})
    staged = load_hcl([tmp_path], text_overrides={tmp_path / "main.tf": 'resource "a" "b" {\n  v = 2\n}\n',
                                                  tmp_path / "old.tf": None})
    assert [(r.address, r.after) for r in staged.resources] == [("a.b", {"v": 2})]
    revision = load_hcl([tmp_path], only_overrides=True,
                        text_overrides={tmp_path / "other.tf": 'resource "a" "c" {\n}\n'})
    assert [r.address for r in revision.resources] == ["a.c"]


def test_tofu_files_replace_tf_files(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "a" "tf" {\n}\n', "main.tofu": 'resource "a" "tofu" {\n}\n'})
    assert [r.address for r in load_hcl([tmp_path]).resources] == ["a.tofu"]


def test_roots_skip_dot_terraform_and_called_modules(tmp_path: Path) -> None:
    write(tmp_path, {
        "live/prod/main.tf": 'module "m" {\n  source = "../../modules/m"\n}\n',
        "modules/m/main.tf": 'resource "a" "b" {\n}\n',
        "live/prod/.terraform/modules/x/main.tf": 'resource "a" "cached" {\n}\n',
    })
    assert find_roots(tmp_path) == [tmp_path / "live" / "prod"]
    result = load_hcl([tmp_path], display_root=tmp_path)
    assert [r.address for r in result.resources] == ["module.m.a.b"]
    assert result.roots == ["live/prod"]


def test_syntax_error_keeps_other_files(tmp_path: Path) -> None:
    write(tmp_path, {"bad.tf": 'resource "a" "b" {\n  x = \n}\n', "good.tf": 'resource "a" "c" {\n}\n'})
    result = load_hcl([tmp_path], display_root=tmp_path)
    assert [r.address for r in result.resources] == ["a.c"]
    assert len(result.errors) == 1 and result.errors[0].startswith("bad.tf:")


def test_module_cycle_and_reference_cycle_end(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '''\
module "self" {
  source = "./"
}
locals {
  a = local.b
  b = local.a
}
resource "x" "y" {
  v = local.a
}
'''})
    result = load_hcl([tmp_path])
    assert [(r.address, r.after) for r in result.resources] == [("x.y", {"v": UNKNOWN})]


def test_file_function_reads_only_what_git_tracks(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    write(tmp_path, {"policy.json": '{"a": 1}', "untracked.json": '{"b": 2}', "infra/main.tf": '''\
resource "x" "y" {
  inside    = jsondecode(file("${path.module}/../policy.json"))
  module    = path.module
  outside   = file("/etc/hostname")
  exists    = fileexists("../policy.json")
  untracked = file("../untracked.json")
  unknown   = fileexists("../untracked.json")
}
'''})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "policy.json", "infra/main.tf"], check=True)
    result = load_hcl([tmp_path / "infra"], display_root=tmp_path)
    (res,) = result.resources
    assert res.after == {"inside": {"a": 1}, "module": ".", "outside": UNKNOWN, "exists": True,
                         "untracked": UNKNOWN, "unknown": UNKNOWN}
    assert result.notes == [
        'infra/main.tf:4: file("/etc/hostname") is not read: outside the checked configuration',
        'infra/main.tf:6: file("../untracked.json") is not read: not tracked by git',
        'infra/main.tf:7: fileexists("../untracked.json") is not read: not tracked by git']


def test_cli_flags(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"main.tf": '''\
variable "cidr" {}
resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
''', "open.tfvars": 'cidr = "0.0.0.0/0"\n'})
    monkeypatch.chdir(tmp_path)
    assert cli("check", ".").code == 0  # unknown source: no finding
    assert cli("check", ".", "--var", "cidr=0.0.0.0/0").code == 1
    assert cli("check", "main.tf", "--var-file", "open.tfvars").code == 1
    assert cli("check", ".", "--var", "cidr=10.0.0.0/8").code == 0
    bad = cli("check", ".", "--var", "cidr")
    assert bad.code == 2 and "NAME=VALUE" in bad.err


def test_directory_without_plans_or_tf_is_an_error(cli, tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    result = cli("check", str(tmp_path))
    assert result.code == 2 and "no Terraform .tf files" in result.err


ODD = [
    'resource "only_one_label" {\n}\n',
    'resource {\n}\n',
    'module "nosource" {\n}\n',
    'module "numeric" {\n  source = 5\n}\n',
    'variable "t" {\n  type = object({ a = optional() })\n  default = { a = 1 }\n}\nresource "x" "y" {\n  v = var.t\n}\n',
    'resource "x" "y" {\n  count = "abc"\n}\n',
    'resource "x" "y" {\n  count = -1\n}\n',
    'resource "x" "y" {\n  for_each = [1, 2]\n}\n',
    'resource "x" "y" {\n  for_each = "s"\n}\n',
    'resource "x" "y" {\n  dynamic "d" {\n    for_each = [1]\n  }\n  dynamic {\n  }\n}\n',
    'resource "x" "y" {\n  v = x.y.v\n}\n',
    'resource "x" "y" {\n  v = module.none.out\n}\n',
    'output "o" {\n}\nlocals {\n}\nterraform {\n  required_version = ">= 1.0"\n}\n',
    'resource "x" "y" {\n  v = "${' + "[" * 60 + "1" + "]" * 60 + '}"\n}\n',
    'moved {\n  from = a.b\n  to = a.c\n}\nremoved {\n  from = a.d\n  lifecycle {\n    destroy = false\n  }\n}\n',
]


@pytest.mark.parametrize("text", ODD)
def test_odd_configurations_never_crash(tmp_path: Path, text: str) -> None:
    write(tmp_path, {"main.tf": text})
    result = load_hcl([tmp_path], display_root=tmp_path, cache_dir=None)
    assert isinstance(result.resources, list)


from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_hcl_expr import _REFS, expressions  # noqa: E402

EXPRESSIONS = expressions("var.x", _REFS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(EXPRESSIONS, min_size=5, max_size=5), st.sampled_from(["count", "for_each", None]))
# Found by CI: a whole argument's conditional converting the fraction 10 / 3 to text (not evaluated) escaped.
@example(exprs=["var.x", "var.x", "var.x", '(true ? (10 / 3 + 0) : "a")', "var.x"], meta="count")
def test_any_expressions_in_any_place_never_crash(tmp_path: Path, exprs: list[str], meta: str | None) -> None:
    a, b, c, d, e = exprs
    text = f'''\
variable "x" {{}}
locals {{
  z = {a}
}}
module "m" {{
  source = "./m"
  input  = {b}
}}
resource "aws_security_group" "s" {{
  {f"{meta} = {c}" if meta else ""}
  name = {d}
  dynamic "ingress" {{
    for_each = {e}
    content {{
      from_port = ingress.value
    }}
  }}
}}
'''
    files = {"main.tf": text, "m/main.tf": f'variable "input" {{}}\nresource "aws_ebs_volume" "v" {{\n  size = {a}\n}}\noutput "out" {{\n  value = {b}\n}}\n'}
    root = tmp_path / "prop"
    write(root, files)
    load_hcl([root], display_root=root, cache_dir=None)  # returns; never raises


def test_sensitive_values_are_masked_and_never_shown(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {
        "main.tf": '''\
variable "office" {
  type      = string
  default   = "0.0.0.0/0"
  sensitive = true
}
locals {
  cidrs = [var.office]
}
module "sg" {
  source = "./sg"
  cidrs  = local.cidrs
}
''',
        "sg/main.tf": '''\
variable "cidrs" {}
resource "aws_security_group" "s" {
  name = "s"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = var.cidrs
  }
}
''',
    })
    (res,) = load_hcl([tmp_path]).resources
    assert res.after_sensitive == {"ingress": True}
    monkeypatch.chdir(tmp_path)
    result = cli("check", ".", "-f", "json")
    assert result.code == 1
    (finding,) = result.json()["findings"]
    assert "0.0.0.0/0" not in finding["message"] and "(sensitive value)" in finding["message"]


def test_routes_reference_nat_gateways_through_modules(tmp_path: Path) -> None:
    from natpolicy.model import ResourceModel

    write(tmp_path, {
        "main.tf": '''\
module "nat" {
  count  = 2
  source = "./nat"
}
resource "aws_route" "private" {
  count                  = 2
  route_table_id         = "rtb-1"
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = module.nat[count.index].id
}
''',
        "nat/main.tf": 'resource "aws_nat_gateway" "this" {\n  subnet_id = "subnet-1"\n}\noutput "id" {\n  value = aws_nat_gateway.this.id\n}\n',
    })
    model = ResourceModel(load_hcl([tmp_path]).resources)
    route = model.get("aws_route.private[1]")
    assert route is not None and route.references["nat_gateway_id"] == ("module.nat.aws_nat_gateway.this",)
    assert [r.address for r in model.referenced(route, "nat_gateway_id")] == [
        "module.nat[0].aws_nat_gateway.this", "module.nat[1].aws_nat_gateway.this"]
    nat = model.get("module.nat[1].aws_nat_gateway.this")
    assert nat is not None and nat.module == "module.nat[1]"
    assert {r.address for r in model.references_to(nat, types=("aws_route",))} == {"aws_route.private[0]", "aws_route.private[1]"}
    assert route.expressions["nat_gateway_id"] == {"references": ["module.nat.id", "module.nat", "count.index"]}


def test_counts_from_other_resources_and_configured_values(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": '''\
variable "azs" {
  default = ["a", "b", "c"]
}
resource "aws_subnet" "private" {
  count      = length(var.azs)
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}
resource "aws_nat_gateway" "this" {
  count     = length(aws_subnet.private)
  subnet_id = aws_subnet.private[count.index].id
}
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = aws_subnet.private[*].cidr_block
  }
}
'''})
    res = {r.address: r for r in load_hcl([tmp_path]).resources}
    assert [a for a in res if a.startswith("aws_nat_gateway")] == [
        "aws_nat_gateway.this[0]", "aws_nat_gateway.this[1]", "aws_nat_gateway.this[2]"]
    assert res["aws_nat_gateway.this[2]"].after == {"subnet_id": UNKNOWN}
    # Configured values of other resources are known, as they are in a plan.
    assert res["aws_security_group.db"].after["ingress"][0]["cidr_blocks"] == [
        "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]


def test_missing_or_unreadable_files_are_errors_not_tracebacks(cli, tmp_path: Path) -> None:
    missing = cli("check", str(tmp_path / "nope.tf"))
    assert missing.code == 2 and "nope.tf: no such file" in missing.err
    (tmp_path / "binary.tf").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "ok.tf").write_text('resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    result = load_hcl([tmp_path], display_root=tmp_path)
    assert result.errors == ["binary.tf:1: cannot read file: Terraform files must be UTF-8, and byte 0xff on this "
                             "line is not; the file looks like UTF-16 (it starts with a UTF-16 byte order mark)"]
    assert [r.address for r in result.resources] == ["aws_vpc.v"]


@pytest.mark.parametrize("encoding,expected", [
    ("latin-1", "main.tf:2: cannot read file: Terraform files must be UTF-8, and byte 0xe9 on this line is not; "
                "the file looks like Latin-1 (ISO-8859-1) or Windows-1252"),
    ("utf-16", "main.tf:1: cannot read file: Terraform files must be UTF-8, and byte 0xff on this line is not; "
               "the file looks like UTF-16 (it starts with a UTF-16 byte order mark)"),
    ("utf-16-le", "main.tf:1: cannot read file: Terraform files must be UTF-8, and byte 0xe9 on this line is not; "
                  "the file looks like UTF-16 without a byte order mark (every other byte is zero)"),
    ("utf-16-le-ascii", "main.tf:1: cannot read file: Terraform files must be UTF-8, and this one looks like "
                        "UTF-16 without a byte order mark (every other byte is zero)"),
])
def test_files_not_in_utf8_say_which_encoding_was_expected(tmp_path: Path, encoding: str, expected: str) -> None:
    text = 'resource "aws_vpc" "v" {\n  tags = { Name = "r\u00e9seau" }\n}\n'
    if encoding == "utf-16-le":
        text = "\u00e9" + text  # a non-ASCII first character: the bytes are not valid UTF-8 at once
    if encoding == "utf-16-le-ascii":
        text, encoding = text.replace("\u00e9", "e"), "utf-16-le"
    (tmp_path / "main.tf").write_bytes(text.encode(encoding))
    assert load_hcl([tmp_path], display_root=tmp_path).errors == [expected]


def test_registry_style_vpc_module_expands_like_terraform() -> None:
    from conftest import FIXTURES

    root = FIXTURES / "hcl" / "vpc_module"
    result = load_hcl([root], display_root=root, cache_dir=None)
    assert result.errors == [] and result.notes == [] and result.verbose_notes == []
    res = {r.address: r for r in result.resources}
    assert [a for a in res if ".aws_nat_gateway." in a] == [f"module.vpc.aws_nat_gateway.this[{i}]" for i in range(3)]
    assert res["module.vpc.aws_nat_gateway.this[1]"].after["tags"] == {"Name": "main-eu-west-1b", "Env": "dev"}
    assert res["module.vpc.aws_subnet.public[2]"].after["availability_zone"] == "eu-west-1c"
    assert res["module.vpc.aws_route.private_nat_gateway[0]"].references == {
        "route_table_id": ("module.vpc.aws_route_table.private",),
        "nat_gateway_id": ("module.vpc.aws_nat_gateway.this",)}
    # The module's output is `aws_vpc.this[0].id`: the literal key is kept, as in a plan.
    assert res["aws_flow_log.vpc"].references == {"vpc_id": ("module.vpc.aws_vpc.this[0]",)}
    assert not any("aws_vpc_ipv4_cidr_block_association" in a for a in res)  # count = 0


SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG"
OPEN_SG = 'resource "aws_security_group" "s" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n' \
          '    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'


@pytest.mark.parametrize("in_git", [True, False])
def test_symlinks_out_of_the_repository_are_not_read(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     in_git: bool) -> None:
    """A `.tf` link to a file elsewhere (an env file, say) is skipped: never parsed, never quoted."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".env").write_text(SECRET + "\n", encoding="utf-8")
    repo = write(tmp_path / "repo", {"infra/main.tf": OPEN_SG, "infra/vpc.txt": 'resource "aws_vpc" "v" {\n}\n',
                                     "common/tags.tf": 'resource "aws_vpc" "shared" {\n}\n'})
    if in_git:
        (repo / ".git").mkdir()
    (repo / "infra" / "evil.tf").symlink_to(tmp_path / "home" / ".env")
    (repo / "infra" / "vpc.tf").symlink_to(repo / "infra" / "vpc.txt")  # inside the folder: read
    (repo / "infra" / "shared.tf").symlink_to(repo / "common" / "tags.tf")  # inside the repository only
    monkeypatch.chdir(repo)
    result = cli("check", "infra", "-f", "sarif")
    assert result.code == 1, result.err  # SG002 and FLOW001; no syntax error from the link
    assert "wJalr" not in result.out + result.err and "AWS_SECRET" not in result.out
    log = result.json()
    notes = [n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    escaping = "a symbolic link leading out of the repository (or the scanned folder); not read"
    # Outside git the scanned folder is the boundary, and common/ is outside it.
    assert notes == [f"infra/evil.tf: {escaping}", *([] if in_git else [f"infra/shared.tf: {escaping}"])]
    flagged = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in log["runs"][0]["results"]}
    assert flagged == {"aws_security_group.s", "aws_vpc.v", *(["aws_vpc.shared"] if in_git else [])}


def test_paths_are_relative_to_the_repository_top(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From envs/dev, SARIF URIs are envs/dev/main.tf and modules/sg/main.tf (as GitHub resolves them), not
    main.tf and ../../modules/sg/main.tf; the terminal shows them from where the user stands."""
    repo = write(tmp_path, {"modules/sg/main.tf": OPEN_SG,
                            "envs/dev/main.tf": 'module "sg" {\n  source = "../../modules/sg"\n}\n'})
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo / "envs" / "dev")
    log = cli("check", ".", "-f", "sarif").json()
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "envs/dev/main.tf"
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "modules/sg/main.tf"
    text = cli("check", ".").out
    assert "at main.tf:1  [" in text and "is declared at ../../modules/sg/main.tf:1" in text
    doc = cli("check", ".", "-f", "json").json()
    assert [f["origin"] for f in doc["findings"]] == ["envs/dev"]


def _every_expression(body: object) -> list[object]:
    from natpolicy.loaders.hcl.parse import Body

    assert isinstance(body, Body)
    nodes: list[object] = [attr.expr for attr in body.attributes.values()]
    for block in body.blocks:
        nodes.extend(_every_expression(block.body))
    return nodes


def test_fixture_modules_declare_every_variable_they_use() -> None:
    """What `terraform validate` checks first: a fixture must be Terraform, not just HCL natpolicy reads."""
    from conftest import FIXTURES
    from natpolicy.loaders.hcl.parse import parse_text
    from natpolicy.loaders.hcl.traversal import traversals

    folders = sorted({p.parent for p in (FIXTURES / "hcl").rglob("*.tf")})
    assert len(folders) > 10
    missing = []
    for folder in folders:
        parsed = [parse_text(p.read_text(encoding="utf-8"), p.name) for p in sorted(folder.glob("*.tf"))]
        bodies = [f.body for f in parsed if f.body is not None]  # syntax_error/broken.tf is broken on purpose
        declared = {b.labels[0] for body in bodies for b in body.blocks if b.type == "variable" and b.labels}
        used = {chain[1] for body in bodies for node in _every_expression(body) for chain in traversals(node)
                if len(chain) >= 2 and chain[0] == "var"}
        missing += [f"{folder.relative_to(FIXTURES)}: var.{name}" for name in sorted(used - declared)]
    assert missing == []


def test_literal_instance_keys_in_references_name_one_instance(cli, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`aws_vpc.x[0].id` and `module.vpcs["a"].vpc_id` cover that instance only, as in a plan."""
    write(tmp_path, {
        "main.tf": '''\
module "vpcs" {
  for_each = { a = "10.0.0.0/16", b = "10.1.0.0/16" }
  source   = "./vpc"
  cidr     = each.value
}
resource "aws_flow_log" "a" {
  vpc_id       = module.vpcs["a"].vpc_id
  traffic_type = "ALL"
}
resource "aws_vpc" "x" {
  count      = 2
  cidr_block = "10.${count.index}.0.0/16"
}
resource "aws_flow_log" "x0" {
  vpc_id       = aws_vpc.x[0].id
  traffic_type = "ALL"
}
resource "aws_flow_log" "each" {
  count        = 2
  vpc_id       = aws_vpc.x[count.index].id
  traffic_type = "ALL"
}
''',
        "vpc/main.tf": '''\
variable "cidr" {}
resource "aws_vpc" "this" {
  count      = 1
  cidr_block = var.cidr
}
output "vpc_id" {
  value = aws_vpc.this[0].id
}
''',
    })
    result = load_hcl([tmp_path], display_root=tmp_path)
    res = {r.address: r for r in result.resources}
    assert res["aws_flow_log.a"].references == {"vpc_id": ('module.vpcs["a"].aws_vpc.this[0]',)}
    assert res["aws_flow_log.x0"].references == {"vpc_id": ("aws_vpc.x[0]",)}
    assert res["aws_flow_log.each[1]"].references["vpc_id"] == ("aws_vpc.x",)  # computed key: every instance
    monkeypatch.chdir(tmp_path)
    run = cli("check", ".", "--check", "FLOW", "-f", "json")
    # The count.index flow logs cover both aws_vpc.x; nothing covers module.vpcs["b"].
    assert [f["address"] for f in run.json()["findings"]] == ['module.vpcs["b"].aws_vpc.this[0]'], run.err
    text = (tmp_path / "main.tf").read_text().replace('''resource "aws_flow_log" "each" {
  count        = 2''', '''resource "aws_flow_log" "each" {
  count        = 0''')
    (tmp_path / "main.tf").write_text(text)
    run = cli("check", ".", "--check", "FLOW", "-f", "json")
    assert run.code == 1
    assert sorted(f["address"] for f in run.json()["findings"]) == ["aws_vpc.x[1]", 'module.vpcs["b"].aws_vpc.this[0]']
