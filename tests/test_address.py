"""Terraform addresses, parsed and printed as Terraform prints them (natpolicy.address)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CliResult, PlanBuilder
from natpolicy.address import (
    Address,
    AddressError,
    ModuleStep,
    address_in_text,
    format_key,
    literal_key,
    logical_name,
    module_prefix,
    module_steps,
    parse,
    parse_key,
    quote,
    resource_type_of,
    unquote,
)

Cli = Callable[..., CliResult]


# -- keys: Terraform's toHCLQuotedString (internal/addrs/instance_key.go) ----------------------
@pytest.mark.parametrize(("key", "printed"), [
    ("café", '["café"]'),  # UTF-8 as it is, never \u00e9
    ("日本", '["日本"]'),
    ("😀", '["😀"]'),
    ("a.b", '["a.b"]'),
    ("a]b[c", '["a]b[c"]'),
    ('say "hi"', r'["say \"hi\""]'),
    ("back\\slash", r'["back\\slash"]'),
    ("two\nlines\r\ttab", r'["two\nlines\r\ttab"]'),
    ("bell\x07", r'["bell\u0007"]'),
    ("back\x08space", r'["back\u0008space"]'),  # not JSON's \b
    ("del\x7f", r'["del\u007f"]'),
    ("nbsp\xa0", r'["nbsp\u00a0"]'),  # a space other than ASCII's is not printable for Go
    ("line\u2028sep", r'["line\u2028sep"]'),
    ("tag\U000e0001", r'["tag\U000e0001"]'),  # beyond the BMP: eight digits
    ("${var.x}", '["$${var.x}"]'),  # doubled: it would start a template
    ("%{ if }", '["%%{ if }"]'),
    ("$5 and 100%", '["$5 and 100%"]'),  # not before "{": as it is
    ("$${", '["$$${"]'),
    ("", '[""]'),
    (0, "[0]"),
    (12, "[12]"),
    (None, ""),
])
def test_keys_are_printed_as_terraform_prints_them(key: Any, printed: str) -> None:
    assert format_key(key) == printed
    if key is not None:
        assert parse_key(printed) == key


@pytest.mark.parametrize("text", [
    "", "[", "[]", "[-1]", "[1.5]", '["a"', '["a"]x', '["${x}"]', '["%{x}"]', r'["\q"]', r'["\u00"]',
    r'["\U00110000"]', "[a]", '["a\\"]',
])
def test_bad_keys_are_refused_with_address_error(text: str) -> None:
    with pytest.raises(AddressError):
        parse_key(text)


def test_literal_key_normalises_or_says_computed() -> None:
    assert literal_key(" 007 ") == "[7]"
    assert literal_key('"caf\\u00e9"') == '["café"]'
    assert literal_key("count.index") is None
    assert literal_key("each.key") is None
    assert literal_key('"${each.key}"') is None  # a template is computed, not a literal key


# -- whole addresses ---------------------------------------------------------------------------
def test_parse_splits_module_path_resource_and_key() -> None:
    addr = parse('module.a["x"].module.b[0].aws_security_group.web["a.b"]')
    assert addr == Address((ModuleStep("a", "x"), ModuleStep("b", 0)), "aws_security_group", "web", "a.b")
    assert addr.module_address == 'module.a["x"].module.b[0]'
    assert addr.config_address == "module.a.module.b.aws_security_group.web"
    assert addr.logical_name == 'web["a.b"]'
    data = parse('module.m.data.aws_iam_policy_document.p["k"]')
    assert (data.mode, data.type, data.name, data.key) == ("data", "aws_iam_policy_document", "p", "k")
    assert data.config_address == "module.m.data.aws_iam_policy_document.p"
    assert str(data) == 'module.m.data.aws_iam_policy_document.p["k"]'


@pytest.mark.parametrize("text", [
    "", "aws_vpc", "aws_vpc.", ".x", "aws_vpc.main.id", "aws_vpc.main[0].id", "module.a", "module.a.aws_vpc",
    'aws_vpc.main["a"', "aws_vpc.main[x]", "plans/a json", "data.aws_x",
])
def test_parse_refuses_what_is_no_resource_address(text: str) -> None:
    with pytest.raises(AddressError):
        parse(text)


def test_module_prefix_and_steps_keep_keys_as_written() -> None:
    address = 'module.a["x.y"].module.b[0].aws_sg.c["module.d"]'
    assert module_prefix(address) == 'module.a["x.y"].module.b[0]'
    assert module_steps(address) == [("a", 'module.a["x.y"].'), ("b", "module.b[0].")]
    assert module_prefix("aws_sg.c") == ""
    assert module_prefix("plans/a.json") == ""


def test_logical_name_keeps_dots_inside_keys() -> None:
    assert logical_name('aws_security_group.x["a.b"]') == 'x["a.b"]'
    assert logical_name("module.m.aws_vpc.main[0]") == "main[0]"
    assert logical_name("plans/a.json") == "json"  # no address: what follows the last dot, as before


def test_resource_type_of_reads_what_policies_report() -> None:
    assert resource_type_of('module.a["x.y"].data.aws_ami.u["a]b"]') == "aws_ami"
    assert resource_type_of("aws_security_group.x.ingress") == "aws_security_group"
    assert resource_type_of("aws_vpc") == ""
    assert resource_type_of(None) == ""


def test_address_in_text_finds_addresses_with_keys() -> None:
    text = 'module.a["x y"].aws_sg.b[0] and data.aws_ami.c, not x.aws_sg.d'
    assert [m.group(0) for m in address_in_text().finditer(text)] == [
        'module.a["x y"].aws_sg.b[0]', "data.aws_ami.c", "x.aws_sg"]


# -- property: what Terraform prints, natpolicy reads back unchanged ---------------------------
_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True).filter(lambda n: n not in ("module", "data"))
_KEYS = st.one_of(st.none(), st.integers(min_value=0, max_value=10**6), st.text(max_size=12))
_ADDRESSES = st.builds(
    Address,
    module=st.lists(st.builds(ModuleStep, _NAMES, _KEYS), max_size=3).map(tuple),
    type=_NAMES,
    name=_NAMES,
    key=_KEYS,
    mode=st.sampled_from(["managed", "data"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(_ADDRESSES)
def test_format_of_parse_is_the_identity(addr: Address) -> None:
    text = str(addr)
    assert parse(text) == addr
    assert str(parse(text)) == text


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_any_string_key_round_trips(key: str) -> None:
    printed = format_key(key)
    assert parse_key(printed) == key
    assert unquote(quote(key)) == key
    assert literal_key(quote(key)) == printed  # the fast path and the walk agree
    assert "\n" not in printed and "${" not in printed.replace("$${", "")


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=40))
def test_parsing_hostile_text_fails_only_with_address_error(text: str) -> None:
    for call in (parse, parse_key, unquote):
        try:
            call(text)
        except AddressError:
            pass
    module_steps(text)
    logical_name(text)
    resource_type_of(text)


# -- the same instance in HCL and plan mode -----------------------------------------------------
_CAFE_TF = """\
resource "aws_security_group" "web" {
  for_each = toset(["café"])
  name     = each.key
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
_CAFE = 'aws_security_group.web["café"]'


def _cafe_plan(path: Path) -> Path:
    ingress = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
               "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False,
               "description": ""}
    return PlanBuilder().create(_CAFE, {"name": "café", "ingress": [ingress], "egress": []}).write(path)


def _findings(result: CliResult) -> list[tuple[str, str, str, bool]]:
    return [(f["rule_id"], f["address"], f["fingerprint"], f["suppressed"]) for f in result.json()["findings"]]


def test_utf8_for_each_key_is_one_address_in_hcl_and_plan_mode(cli: Cli, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.tf").write_text(_CAFE_TF, encoding="utf-8")
    plan = _cafe_plan(tmp_path / "plan.json")
    monkeypatch.chdir(tmp_path)
    hcl = cli("check", str(code), "--format", "json")
    planned = cli("check", str(plan), "--format", "json")
    assert hcl.code == planned.code == 1, hcl.err + planned.err
    assert _findings(hcl) == _findings(planned)
    assert [f[1] for f in _findings(hcl)] == [_CAFE]

    # Baseline entries are the same but for their origin (the plan, the Terraform root); without
    # one, the entry written from the plan silences the finding in the code.
    entries = []
    for target in (plan, code):
        baseline = tmp_path / f"{target.name}.baseline.json"
        assert cli("check", str(target), "--create-baseline", str(baseline)).code == 0
        [entry] = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
        entries.append({k: v for k, v in entry.items() if k != "origin"})
    assert entries[0] == entries[1] and entries[0]["address"] == _CAFE
    anywhere = tmp_path / "anywhere.json"
    anywhere.write_text(json.dumps({"natpolicy_baseline": 1, "findings": [entries[0]]}), encoding="utf-8")
    assert cli("check", str(code), "--baseline", str(anywhere)).code == 0

    # An exception naming the address as Terraform prints it covers both.
    (tmp_path / ".natpolicy.yaml").write_text(
        f"exceptions:\n  - rule: SG002\n    address: '{_CAFE}'\n    reason: lab group\n", encoding="utf-8")
    for target in (code, plan):
        result = cli("check", str(target), "--format", "json", "--config", str(tmp_path / ".natpolicy.yaml"))
        assert [f[3] for f in _findings(result)] == [True], result.out


def test_sarif_logical_name_keeps_a_dotted_key(cli: Cli, tmp_path: Path) -> None:
    ingress = {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
    plan = PlanBuilder().create('aws_security_group.x["a.b"]', {"name": "x", "ingress": [ingress], "egress": []})
    path = plan.write(tmp_path / "plan.json")
    log = json.loads(cli("check", str(path), "--format", "sarif").out)
    [location] = [loc for r in log["runs"][0]["results"] for loc in r["locations"][0]["logicalLocations"]]
    assert location == {"fullyQualifiedName": 'aws_security_group.x["a.b"]', "name": 'x["a.b"]', "kind": "resource"}


def _parsed_logical_name(address: str) -> str:
    """``logical_name`` without its shortcut: the parse, else what follows the last dot."""
    try:
        return parse(address).logical_name
    except AddressError:
        return address.rsplit(".", 1)[-1]


@pytest.mark.parametrize("address", [
    "aws_vpc.main", "data.aws_vpc.main", "module.a.module.b.aws_x.y", "module.a.aws_x", "aws_x.", ".y", "",
    "no_dot", "a.b.c", "module..aws_x.y", "module.a.data.aws_x.y", "aws_x.y\x0bz", "aws_x.y[0]", 'aws_x.y["a.b"]',
    "aws_x.y z", "aws_x.y\tz", "module.a[1].aws_x.y", 'aws_x."y"', "aws_x.y]",
])
def test_logical_name_is_the_parsed_name_with_or_without_the_shortcut(address: str) -> None:
    assert logical_name(address) == _parsed_logical_name(address)


@settings(max_examples=300, database=None, deadline=None)
@given(st.text(alphabet="ab_.-[]\"0 \tmoduleta\x0b", max_size=24))
def test_logical_name_of_any_text_is_the_parsed_name(address: str) -> None:
    assert logical_name(address) == _parsed_logical_name(address)
