"""``# METADATA`` blocks OPA's parser refuses (conftest loads policies with annotations processed).

Only what every OPA version certainly refuses is refused, at the block's
``# METADATA`` line, on every engine; what go-yaml and PyYAML may read
differently passes (see ``natpolicy.rego.metadata_blocks``).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.guards import engine_refusals, refuse_for_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.metadata_blocks import metadata_refusals
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.twins import twin_files
from rego_compile_checks import PROBES


def _lines(source: str) -> list[tuple[int, str]]:
    return [(char_line_col(source, offset)[0], message) for offset, message in metadata_refusals(source)]


@pytest.mark.parametrize(("source", "line", "says"), [
    # Nothing in the block: only blanks, or no comment right below.
    ("package p\n\n# METADATA\nx := 1\n", 3, "expected METADATA block, found whitespace"),
    ("package p\n\n# METADATA\n#\n#   \nx := 1\n", 3, "found whitespace"),
    ("package p\n\n# METADATA\n\n# title: t\nx := 1\n", 3, "found whitespace"),
    # YAML that is no mapping, or that no YAML reader parses.
    ("package p\n\n# METADATA\n# This rule checks x\nx := 1\n", 3, "not a mapping of annotation fields"),
    ("package p\n\n# METADATA\n# - a\n# - b\nx := 1\n", 3, "its YAML is list"),
    ("package p\n\n# METADATA\n# title: [a, b\nx := 1\n", 3, "its YAML does not parse"),
    ("package p\n\n# METADATA\n# title: a: b\nx := 1\n", 3, "mapping values are not allowed"),
    # Scopes: unknown, on the wrong statement, above an import, above nothing.
    ("package p\n\n# METADATA\n# scope: rules\nx := 1\n", 3, "invalid annotation scope 'rules'"),
    ("package p\n\n# METADATA\n# scope: package\nx := 1\n", 3, "must be applied to package statement"),
    ("# METADATA\n# scope: document\npackage p\n", 1, "must be applied to rule statement"),
    ("package p\n\n# METADATA\n# title: t\nimport data.lib\n\nx := 1\n", 3, "invalid annotation scope 'import'"),
    ("package p\n\nx := 1\n\n# METADATA\n# title: t\n", 5, "invalid annotation scope ''"),
    # A schema given by a reference outside `schema`.
    ("package p\n\n# METADATA\n# schemas:\n#   - input: foo.bar\nx := 1\n", 3, "invalid schema reference"),
])
def test_a_block_opa_refuses_is_refused_at_its_line(source: str, line: int, says: str) -> None:
    found = _lines(source)
    assert found and found[0][0] == line and says in found[0][1], found
    assert "\n" not in found[0][1] and "OPA refuses the whole module" in found[0][1]


@pytest.mark.parametrize("source", [
    "package p\n\n# METADATA\n# title: Deny x\n# description: |\n#   two\n#   lines\n# custom:\n#   severity: high\n"
    "deny contains 1 if true\n",
    "# METADATA\n# title: the package\npackage p\n",
    "# METADATA\n# scope: subpackages\n# organizations: [acme]\npackage p\n",
    "package p\n\n# METADATA\n# scope: document\n# schemas:\n#   - input: schema.input\n#   - data.x: schema\n"
    "x := 1\n",
    "package p\n\n# METADATA\n# schemas:\n#   - input:\n#       type: object\nx := 1\n",
    # Not blocks: not at column 1, or METADATA only inside another comment's text.
    "package p\n\nx := 1 # METADATA\n",
    "package p\n\n  # METADATA\nx := 1\n",
    "package p\n\n# see METADATA below\nx := 1\n",
    # YAML that is a mapping (unknown keys are ignored), or empty.
    "package p\n\n# METADATA\n# This rule: checks x\nx := 1\n",
    "package p\n\n# METADATA\n# # only a YAML comment\nx := 1\n",
    # Where YAML readers or OPA versions differ, nothing is refused.
    "package p\n\n# METADATA\n# METADATA\n# title: t\nx := 1\n",
    "package p\n\n# METADATA\n# scope: yes\nx := 1\n",
    "package p\n\n# METADATA\n# entrypoint: true\nx := 1\n",
    "package p\n\n# METADATA\n# scope: 'rule'\nx := 1\n",
    # A `#` inside a string is no comment.
    'package p\n\nx := "\\n# METADATA\\n"\n',
])
def test_a_block_opa_accepts_passes(source: str) -> None:
    assert _lines(source) == []


def test_the_twins_blocks_pass() -> None:
    for twin in twin_files(include_tests=True):
        assert _lines(twin.read_text(encoding="utf-8")) == [], twin.name


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_a_refused_block_stops_every_engine_before_it_runs(engine: str) -> None:
    source = "package main\n\n# METADATA\n# scope: rules\ndeny contains \"x\" if true\n"
    policies = [PolicyFile(Path("a.rego"), "a.rego", source, scan_module(source))]
    with pytest.raises(InputError) as caught:
        refuse_for_engine(policies, engine)
    assert caught.value.source == "a.rego:3:1" and "invalid annotation scope 'rules'" in caught.value.problem
    fine = source.replace("scope: rules", "scope: rule")
    refuse_for_engine([PolicyFile(Path("a.rego"), "a.rego", fine, scan_module(fine))], engine)




@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    for name in ("metadata-scope-unknown", "metadata-scope-on-wrong-statement", "metadata-block-empty",
                 "metadata-block-prose"):
        source = PROBES[name]["source"]
        assert PROBES[name].get("refused") is True, name
        refusals = engine_refusals(source, engine)
        assert refusals and char_line_col(source, refusals[0][0])[0] == 2, (name, refusals)
    for name in ("metadata-block-fields", "types-metadata-schema-ignored", "rego-metadata-rule"):
        assert engine_refusals(PROBES[name]["source"], engine) == [], name
