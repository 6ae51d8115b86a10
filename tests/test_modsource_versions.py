"""Version constraints with Terraform's module semantics (hashicorp/go-version, plus exact-only pre-releases)."""
from __future__ import annotations

import pytest

from natpolicy.loaders.modsource import newest_matching, parse_constraints, parse_version
from natpolicy.loaders.modsource.versions import VersionError


@pytest.mark.parametrize(("constraint", "version", "allowed"), [
    # bare version and "=" are the same
    ("1.2.0", "1.2.0", True),
    ("1.2", "1.2.0", True),
    ("= 1.2.0", "1.2.1", False),
    ("=1.2.0", "1.2.0", True),
    ("v1.2.0", "1.2.0", True),
    ("1.2.0", "1.2.0+build.5", True),  # metadata never counts
    # comparisons
    ("!= 1.2.0", "1.2.0", False),
    ("!= 1.2.0", "1.2.1", True),
    ("> 1.2.0", "1.2.0", False),
    ("> 1.2.0", "1.2.1", True),
    (">= 1.2.0", "1.2.0", True),
    (">= 1.2.0", "1.1.9", False),
    ("< 2.0.0", "1.99.99", True),
    ("< 2.0.0", "2.0.0", False),
    ("<= 2.0.0", "2.0.0", True),
    ("<= 2.0.0", "2.0.1", False),
    # pessimistic: the last given segment may grow, those before it are fixed
    ("~> 1.2", "1.2.0", True),
    ("~> 1.2", "1.9.7", True),
    ("~> 1.2", "2.0.0", False),
    ("~> 1.2", "1.1.9", False),
    ("~> 1.2.3", "1.2.3", True),
    ("~> 1.2.3", "1.2.10", True),
    ("~> 1.2.3", "1.3.0", False),
    ("~> 1.2.3", "1.2.2", False),
    ("~> 1.0.0", "1.0.5", True),
    ("~> 1.0.0", "1.1.0", False),
    ("~> 5.0", "5.16.0", True),
    ("~> 5.0", "6.0.0", False),
    ("~> 1", "1.5.0", True),
    ("~> 1", "2.0.0", True),  # go-version: one segment fixes nothing, it is ">= 1"
    ("~> 1", "0.9.0", False),
    # comma lists: all must hold
    (">= 1.2.0, < 2.0.0", "1.5.0", True),
    (">= 1.2.0, < 2.0.0", "2.0.0", False),
    (">= 1.2.0,< 2.0.0,!= 1.5.0", "1.5.0", False),
    ("~> 5.0, != 5.2.0", "5.2.0", False),
    (" >= 1.0 , <= 1.0 ", "1.0.0", True),
    # pre-releases: only when a "=" constraint names that exact pre-release
    (">= 1.0.0", "2.0.0-rc1", False),
    ("~> 2.0", "2.1.0-beta", False),
    ("2.0.0-rc1", "2.0.0-rc1", True),
    ("= 2.0.0-rc1", "2.0.0-rc2", False),
    (">= 2.0.0-rc1", "2.0.0-rc2", False),
    (">= 2.0.0-rc1", "2.0.0", True),
    ("2.0.0-rc1, >= 1.0", "2.0.0-rc1", False),  # named exactly, but ">= 1.0" never admits a pre-release
    ("2.0.0-rc1, >= 2.0.0-beta", "2.0.0-rc1", True),
    ("~> 2.0.0-beta", "2.0.0", False),  # go-version: a pessimistic pre-release constraint wants pre-releases
    ("", "1.0.0", True),
    ("", "1.0.0-alpha", False),
])
def test_constraint_table(constraint: str, version: str, allowed: bool) -> None:
    assert parse_constraints(constraint).allows(parse_version(version)) is allowed


@pytest.mark.parametrize(("a", "b", "order"), [
    ("1.2.3", "1.2.3", 0),
    ("1.2", "1.2.0", 0),
    ("1.2.3", "1.10.0", -1),
    ("1.0.0-alpha", "1.0.0", -1),
    ("1.0.0-alpha", "1.0.0-alpha.1", -1),
    ("1.0.0-alpha.1", "1.0.0-alpha.beta", -1),
    ("1.0.0-beta.2", "1.0.0-beta.11", -1),
    ("1.0.0-rc.1", "1.0.0-beta.11", 1),
    ("1.0.0+a", "1.0.0+b", 0),
    ("1.2.3.4", "1.2.3", 1),
])
def test_ordering(a: str, b: str, order: int) -> None:
    assert parse_version(a).compare(parse_version(b)) == order


@pytest.mark.parametrize(("available", "constraint", "chosen"), [
    (["5.0.0", "5.1.0", "5.16.0", "6.0.0"], "~> 5.0", "5.16.0"),
    (["6.0.0", "5.16.0", "5.1.0"], "~> 5.0", "5.16.0"),  # the registry's order does not matter
    (["1.0.0", "2.0.0-rc1"], "", "1.0.0"),
    (["1.0.0", "2.0.0-rc1"], "2.0.0-rc1", "2.0.0-rc1"),
    (["1.0.0", "1.1.0", "1.2.0"], ">= 1.0, != 1.2.0", "1.1.0"),
    (["v1.0.0", "not-a-version", "1.0.1"], "1.0.0", "v1.0.0"),
    (["1.0.0"], "> 1.0.0", None),
    ([], "", None),
])
def test_newest_matching(available: list[str], constraint: str, chosen: str | None) -> None:
    assert newest_matching(available, parse_constraints(constraint)) == chosen


@pytest.mark.parametrize("bad", ["~> ", ">= one", "1.2.x", "=> 1.0", ">= 1.0,", "latest"])
def test_malformed_constraints_are_refused(bad: str) -> None:
    with pytest.raises(VersionError):
        parse_constraints(bad)
