"""The evaluation budget (checker/loaders/hcl/budget.py): hostile HCL ends in seconds, never in a MemoryError.

Each bomb below took gigabytes or minutes before the budget. The tests set
small limits (``budget.configured``) so they stay fast; a few also run with
the defaults, to show those end quickly too. Past a limit the value is
unknown and one note names the expression and its line.
The tests count the work a load did (the budget's steps, granted and refused),
never the time it took, so they pass or fail the same on a loaded machine.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from natpolicy.loaders.hcl import budget
from natpolicy.loaders.hcl.budget import Budget, Limits
from natpolicy.loaders.hcl.loader import HclResult, load_hcl
from natpolicy.model import UNKNOWN

SMALL = Limits(steps=20_000, size=200_000, instances=200)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@dataclass
class Work:
    """What a load did, counted rather than timed. The evaluator charges a step per expression node and
    per element walked: ``steps`` counts those granted, ``refused`` the charges refused past the limit."""

    limits: Limits
    steps: int = 0
    refused: int = 0

    @property
    def bounded(self) -> bool:
        # One root module, so one budget. Past its limit each further charge is refused at once and the
        # evaluation unwinds: a few refusals per expression left (at most about a thousand here). An
        # evaluator that went on past the limit would be refused once per element: a million here.
        return self.steps <= self.limits.steps and self.refused <= REFUSALS


REFUSALS = 10_000


@contextmanager
def counting(limits: Limits) -> Iterator[Work]:
    work = Work(limits)
    original = Budget.step

    def step(self: Budget, n: int = 1) -> None:
        try:
            original(self, n)
        except budget.BudgetExceeded:
            work.refused += 1
            raise
        work.steps += n

    setattr(Budget, "step", step)  # noqa: B010 - counts the real budget's charges; restored below
    try:
        yield work
    finally:
        setattr(Budget, "step", original)  # noqa: B010


def load(root: Path, limits: Limits | None = SMALL) -> tuple[HclResult, Work]:
    with counting(limits or budget.DEFAULT_LIMITS) as work:
        if limits is None:
            result = load_hcl([root], display_root=root, cache_dir=None)
        else:
            with budget.configured(limits):
                result = load_hcl([root], display_root=root, cache_dir=None)
    return result, work


def budget_notes(result: HclResult) -> list[str]:
    return [n for n in result.notes if "evaluation budget" in n]


def doubling(kind: str, levels: int = 30) -> str:
    first = 'a0 = "xxxxxxxxxxxxxxxx"' if kind == "string" else "a0 = [1, 2, 3, 4]"
    step = '"${{local.a{0}}}${{local.a{0}}}"' if kind == "string" else "concat(local.a{0}, local.a{0})"
    if kind == "nested":
        step = "[local.a{0}, local.a{0}]"
    body = "\n".join(f"  a{i} = {step.format(i - 1)}" for i in range(1, levels + 1))
    return f"""locals {{
  {first}
{body}
}}
resource "aws_security_group" "sg" {{
  name = "sg"
  description = length(jsonencode(local.a{levels}))
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""


@pytest.mark.parametrize("kind", ["string", "list", "nested"])
def test_doubling_through_thirty_locals_is_unknown_with_a_note(tmp_path: Path, kind: str) -> None:
    write(tmp_path, {"main.tf": doubling(kind)})
    result, work = load(tmp_path)
    assert work.bounded, work
    [sg] = result.resources
    assert sg.after["description"] is UNKNOWN
    [note] = budget_notes(result)
    # The note names the file and line of the local that went past the budget.
    assert re.match(r"main\.tf:\d+: ", note) and "hcl-budget." in note, note


def test_doubling_with_the_default_budget_ends_in_seconds(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": doubling("string")})
    result, work = load(tmp_path, limits=None)
    assert work.bounded, work
    assert result.resources[0].after["description"] is UNKNOWN
    assert budget_notes(result)


def test_a_value_within_the_budget_is_still_evaluated(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": doubling("string", levels=4)})
    result, _ = load(tmp_path)
    assert result.resources[0].after["description"] == 16 * 16 + 2  # the JSON string's quotes
    assert budget_notes(result) == []


def test_setproduct_of_three_ranges_is_refused_before_it_is_built(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
resource "null_resource" "r" {
  triggers = { n = length(setproduct(range(1000), range(1000), range(1000))), kept = "yes" }
}
"""})
    result, work = load(tmp_path, limits=None)  # the default budget: a billion tuples are far past it
    assert work.bounded, work
    triggers = result.resources[0].after["triggers"]
    assert triggers == {"n": UNKNOWN, "kept": "yes"}  # refused before it was built: the rest is evaluated
    [note] = budget_notes(result)
    assert note.startswith("main.tf:3: setproduct() is past the evaluation budget (hcl-budget.size"), note


def test_nested_module_counts_stop_at_the_instance_budget(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": 'module "outer" {\n  source = "./outer"\n  count  = 10000\n}\n',
        "outer/main.tf": 'module "inner" {\n  source = "./inner"\n  count  = 10000\n}\n',
        "outer/inner/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n',
    })
    result, work = load(tmp_path)
    assert work.bounded, work
    assert result.resources == []  # the call was not expanded: nothing inside is made up
    [note] = budget_notes(result)
    assert note.startswith("main.tf:3: count = 10,000 is past the evaluation budget (hcl-budget.instances: 200 "), note
    assert "not expanded" in note


def test_thirty_nested_modules_with_two_instances_each(tmp_path: Path) -> None:
    files = {}
    folder = ""
    for level in range(30):
        files[f"{folder}main.tf"] = f'module "m" {{\n  source = "./m"\n  count  = 2\n}}\nresource "aws_vpc" "v{level}" {{}}\n'
        folder += "m/"
    files[f"{folder}main.tf"] = 'resource "aws_vpc" "leaf" {}\n'
    write(tmp_path, files)
    result, work = load(tmp_path)
    assert work.bounded, work
    assert len(result.resources) <= 2 * SMALL.instances  # each call left unexpanded still shows its own resources once
    assert any("hcl-budget.instances" in n for n in budget_notes(result))


def test_a_dynamic_block_of_a_million_items(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
locals {
  ports = flatten([for i in range(1000) : [for j in range(1000) : i * 1000 + j]])
}
resource "aws_security_group" "sg" {
  name = "sg"
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
"""})
    result, work = load(tmp_path, limits=Limits(steps=200_000, size=2_000_000, instances=1_000))
    assert work.bounded, work
    [sg] = result.resources
    assert sg.after.get("ingress", UNKNOWN) is UNKNOWN
    assert budget_notes(result)


def test_a_small_dynamic_block_is_expanded(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = [22, 443]
    content {
      from_port = ingress.value
    }
  }
}
"""})
    result, _ = load(tmp_path)
    assert [b["from_port"] for b in result.resources[0].after["ingress"]] == [22, 443]


def test_count_past_the_budget_is_noted_not_cut(tmp_path: Path) -> None:
    # Today's cap cut count to 10,000 in silence: instances (and deletions) past it vanished.
    write(tmp_path, {"main.tf": 'resource "aws_vpc" "v" {\n  count = 300\n  cidr_block = "10.0.0.0/16"\n}\n'})
    result, _ = load(tmp_path)
    [vpc] = result.resources
    assert vpc.unknown_expansion is True  # checked once, on what is known
    assert vpc.after["cidr_block"] == "10.0.0.0/16"
    [note] = budget_notes(result)
    assert note.startswith("main.tf:2: count = 300 is past the evaluation budget (hcl-budget.instances: 200 "), note


def test_count_within_the_budget_is_not_cut(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_vpc" "v" {\n  count = 12000\n}\n'})
    result, _ = load(tmp_path, limits=Limits(instances=20_000))
    assert len(result.resources) == 12_000
    assert result.resources[-1].address == "aws_vpc.v[11999]"


def value_of_v(result: HclResult) -> object:
    triggers = result.resources[0].after["triggers"]
    return triggers if triggers is UNKNOWN else triggers["v"]  # a Terraform error makes the whole object unknown


@pytest.mark.parametrize("expression", ['format("%0999999999d", 1)', "pow(10, 10000000)", "range(1e9)"])
def test_what_already_ended_quickly_still_does(tmp_path: Path, expression: str) -> None:
    write(tmp_path, {"main.tf": f'resource "null_resource" "r" {{\n  triggers = {{ v = {expression} }}\n}}\n'})
    result, work = load(tmp_path, limits=None)
    assert work.bounded, (expression, work)
    assert value_of_v(result) is UNKNOWN


BUILT_ONCE = """
locals {
  text = join("", [for i in range(100) : "aaaaaaaaaa"]) # 1,000 characters
  many = [for i in range(1000) : local.text]           # one string, referred to 1,000 times
}
"""


@pytest.mark.parametrize("expression", [
    'replace(local.text, "", local.text)',  # 1,000 x 1,000 characters
    'replace(local.text, "/a/", local.text)',
    'indent(10000, replace(local.text, "a", "\\n"))',
    'join(",", local.many)',
    'formatlist("%s", local.many)',
    'format("%s", join("", local.many))',
    'jsonencode(local.many)',
    '"%{for t in local.many}${t}%{endfor}"',
    'length(setproduct(local.many, local.many))',
])
def test_results_larger_than_the_budget_are_refused_before_they_are_built(tmp_path: Path, expression: str) -> None:
    write(tmp_path, {"main.tf": BUILT_ONCE + f'resource "null_resource" "r" {{\n  triggers = {{ v = {expression} }}\n}}\n'})
    result, work = load(tmp_path)
    assert not result.errors
    assert work.bounded, (expression, work)
    assert value_of_v(result) is UNKNOWN
    [note] = budget_notes(result)
    assert "(hcl-budget.size: 200,000 per root module)" in note, note


def test_quadratic_set_building_is_charged_as_such(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "null_resource" "r" {\n'
                                '  triggers = { v = toset(flatten([for i in range(30) : range(100)])) }\n}\n'})
    result, work = load(tmp_path, limits=Limits(steps=100_000, size=200_000, instances=10))
    assert work.bounded, work
    assert value_of_v(result) is UNKNOWN
    [note] = budget_notes(result)
    assert "toset() is past the evaluation budget (hcl-budget.steps" in note, note


def test_a_billion_laughs_in_yamldecode(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}]" for i in range(1, 10)]
    doc = "\\n".join(lines)
    write(tmp_path, {"main.tf": f'resource "null_resource" "r" {{\n  triggers = {{ v = yamldecode("{doc}"), k = 1 }}\n}}\n'})
    result, work = load(tmp_path, limits=None)
    assert not result.errors
    assert work.bounded, work
    triggers = result.resources[0].after["triggers"]
    assert triggers["v"] is UNKNOWN and triggers["k"] == 1
    [note] = budget_notes(result)
    assert note.startswith("main.tf:2: yamldecode() is past the evaluation budget"), note


def test_yamldecode_with_a_few_aliases_is_still_read(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "null_resource" "r" {\n'
                                '  triggers = { v = yamldecode("a: &x [1, 2]\\nb: *x") }\n}\n'})
    result, _ = load(tmp_path)
    assert result.resources[0].after["triggers"]["v"] == {"a": [1, 2], "b": [1, 2]}


def test_the_budget_is_per_root_and_does_not_leak_into_the_next_load(tmp_path: Path) -> None:
    write(tmp_path / "bomb", {"main.tf": doubling("string")})
    write(tmp_path / "fine", {"main.tf": doubling("string", levels=4)})
    with budget.configured(SMALL):
        bomb = load_hcl([tmp_path / "bomb"], display_root=tmp_path, cache_dir=None)
        fine = load_hcl([tmp_path / "fine"], display_root=tmp_path, cache_dir=None)
    assert bomb.resources[0].after["description"] is UNKNOWN
    assert fine.resources[0].after["description"] == 258
    assert budget.current() is None


@pytest.fixture(autouse=True)
def _no_budget_left_behind() -> Iterator[None]:
    yield
    assert budget.current() is None
    assert budget.limits() == budget.DEFAULT_LIMITS
