"""``# METADATA`` blocks OPA's parser refuses (conftest loads policies with annotations processed).

Read as OPA v1 reads them (``natpolicy.rego.metadata_blocks``): its block
grouping, go-yaml v3 decoding into its annotation fields, the checks on the
fields, the scope. A refused block is refused at its ``# METADATA`` line on
every engine; what OPA accepts passes.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from natpolicy.errors import InputError
from natpolicy.rego.guards import engine_refusals, refuse_for_engine
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.metadata_blocks import metadata_refusals
from natpolicy.rego.metadata_fields import go_url_problem
from natpolicy.rego.source import char_line_col, scan_module
from natpolicy.rego.twins import twin_files
from rego_compile_checks import PROBES, refusal


def _lines(source: str) -> list[tuple[int, str]]:
    return [(char_line_col(source, offset)[0], message) for offset, message in metadata_refusals(source)]


@pytest.mark.parametrize(("source", "line", "says"), [
    # Nothing in the block: only blanks, or no comment right below.
    ("package p\n\n# METADATA\nx := 1\n", 3, "expected METADATA block, found whitespace"),
    ("package p\n\n# METADATA\n#\n#   \nx := 1\n", 3, "found whitespace"),
    ("package p\n\n# METADATA\n\n# title: t\nx := 1\n", 3, "found whitespace"),
    # YAML that is no mapping, or that no YAML reader parses.
    ("package p\n\n# METADATA\n# This rule checks x\nx := 1\n", 3, "not a mapping of annotation fields"),
    ("package p\n\n# METADATA\n# - a\n# - b\nx := 1\n", 3, "its YAML is a list"),
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
    # go-yaml v3 reading: a plain yes is the string "yes", a quoted true no bool, a tag that does not fit.
    ("package p\n\n# METADATA\n# scope: yes\nx := 1\n", 3, "invalid annotation scope 'yes'"),
    ("package p\n\n# METADATA\n# scope: true\nx := 1\n", 3, "invalid annotation scope 'true'"),
    ("package p\n\n# METADATA\n# entrypoint: 'true'\nx := 1\n", 3, "cannot unmarshal !!str `true` into bool"),
    ("package p\n\n# METADATA\n# entrypoint: maybe\nx := 1\n", 3, "cannot unmarshal !!str `maybe` into bool"),
    ("package p\n\n# METADATA\n# scope: !!int rule\nx := 1\n", 3, "cannot decode !!str `rule` as a !!int"),
    ("package p\n\n# METADATA\n# scope: !!binary cnVsZXM=\nx := 1\n", 3, "invalid annotation scope 'rules'"),
    # Duplicate keys, in the block and in a map inside a known field.
    ("package p\n\n# METADATA\n# title: a\n# title: b\nx := 1\n", 3, "mapping key \"title\" already defined"),
    ("package p\n\n# METADATA\n# zz: a\n# zz: b\nx := 1\n", 3, "mapping key \"zz\" already defined"),
    ("package p\n\n# METADATA\n# custom:\n#   a: 1\n#   'a': 2\nx := 1\n", 3, "mapping key \"a\" already"),
    # Fields of the wrong type.
    ("package p\n\n# METADATA\n# title: [a]\nx := 1\n", 3, "cannot unmarshal !!seq into string"),
    ("package p\n\n# METADATA\n# description: {a: b}\nx := 1\n", 3, "cannot unmarshal !!map into string"),
    ("package p\n\n# METADATA\n# organizations: acme\nx := 1\n", 3, "cannot unmarshal !!str `acme` into []string"),
    ("package p\n\n# METADATA\n# custom: [a]\nx := 1\n", 3, "cannot unmarshal !!seq into map[string]interface {}"),
    ("package p\n\n# METADATA\n# schemas: {input: schema}\nx := 1\n", 3, "cannot unmarshal !!map into []map"),
    ("package p\n\n# METADATA\n# <<: [a]\nx := 1\n", 3, "map merge requires map"),
    # The fields OPA checks after decoding.
    ("package p\n\n# METADATA\n# related_resources: ['']\nx := 1\n", 3, "ref URL may not be empty string"),
    ("package p\n\n# METADATA\n# related_resources: ['%zz']\nx := 1\n", 3, 'invalid URL escape "%zz"'),
    ("package p\n\n# METADATA\n# related_resources: [{description: d}]\nx := 1\n", 3, "'ref' value required"),
    ("package p\n\n# METADATA\n# related_resources: [1]\nx := 1\n", 3, "must be string or map"),
    ("package p\n\n# METADATA\n# authors: [' ']\nx := 1\n", 3, "author is an empty string"),
    ("package p\n\n# METADATA\n# authors: [{team: x}]\nx := 1\n", 3, "'name' and/or 'email' values required"),
    ("package p\n\n# METADATA\n# authors: [2024-01-02]\nx := 1\n", 3, "must be string or map"),
    ("package p\n\n# METADATA\n# schemas:\n#   - input: 1\nx := 1\n", 3, "invalid schema declaration for path"),
    ("package p\n\n# METADATA\n# schemas:\n#   - ~\nx := 1\n", 3, "invalid document reference"),
    ("package p\n\n# METADATA\n# custom: {a: {1: b}}\nx := 1\n", 3, "invalid map key type(s)"),
    ("package p\n\n# METADATA\n# labels: {a: {true: b}}\nx := 1\n", 3, "invalid map key type(s)"),
    # Entrypoint needs a document or package scope.
    ("package p\n\n# METADATA\n# scope: rule\n# entrypoint: true\nx := 1\n", 3, "entrypoint applied to non-document"),
    # Grouping: touching blocks are two (the first here is empty), a block after other comments is a block.
    ("package p\n\n# METADATA\n# METADATA\n# title: t\nx := 1\n", 3, "found whitespace"),
    ("package p\n\n# METADATA\n# title: t\n# METADATA\n# scope: rules\nx := 1\n", 5, "scope 'rules'"),
    ("package p\n\n# note\n# METADATA\n# scope: rules\nx := 1\n", 4, "invalid annotation scope 'rules'"),
    # YAML no reader of libyaml's family parses, and YAML natpolicy cannot place: refused, saying which.
    ("package p\n\n# METADATA\n# title: \"\\q\"\nx := 1\n", 3, "found unknown escape character"),
    ("package p\n\n# METADATA\n# schemas:\n#   - foo: schema\nx := 1\n", 3, "natpolicy cannot tell"),
    # go-yaml takes `%YAML 1.1` only (parserc.go); PyYAML took 1.2, silently.
    ("package p\n\n# METADATA\n# %YAML 1.2\n# ---\n# title: t\nx := 1\n", 3, "found incompatible YAML document"),
    # go-yaml v3 ends a plain scalar in a flow collection at any `?` after its first character, then reads a key
    # indicator no flow collection takes there (scannerc.go, gopkg.in/yaml.v3 v3.0.1 and go.yaml.in/yaml/v3 v3.0.x
    # alike); libyaml 0.2.5 reads it on (PyYAML took them silently).
    ("package p\n\n# METADATA\n# organizations: [b ? c]\nx := 1\n", 3, "does not parse for OPA's YAML reader"),
    ("package p\n\n# METADATA\n# custom: {a? : 1}\nx := 1\n", 3, "reads that `?` as a key indicator"),
    ("package p\n\n# METADATA\n# organizations: [acme?\n#   ]\nx := 1\n", 3, "reads that `?` as a key indicator"),
    # ... and at any other `?` there: only yaml/go-yaml's v4 line reads `a?b` as text, no OPA pins it.
    ("package p\n\n# METADATA\n# custom: {a?b: 1}\nx := 1\n", 3, "does not parse for OPA's YAML reader"),
    ("package p\n\n# METADATA\n# organizations: [acme?x, b]\nx := 1\n", 3, "reads that `?` as a key indicator"),
    # go-yaml takes `,` `[` `]` into a tag, libyaml ends it there: ["y"] to go-yaml, ["", "y"] to libyaml.
    ("package p\n\n# METADATA\n# organizations: [!x, y]\nx := 1\n", 3, "tag followed by `,`"),
    ("package p\n\n# METADATA\n# title: !x,y t\nx := 1\n", 3, "tag followed by `,`"),
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
    # go-yaml v3 (not YAML 1.1): a quoted scope, `yes` into the bool entrypoint, a number into a string field,
    # an explicit !!str or a local tag, a null scope (the default), a second YAML document (never read).
    "package p\n\n# METADATA\n# scope: 'rule'\nx := 1\n",
    "package p\n\n# METADATA\n# entrypoint: yes\nx := 1\n",
    "package p\n\n# METADATA\n# entrypoint: Off\n# scope: rule\nx := 1\n",
    "package p\n\n# METADATA\n# title: 1\n# description: 2024-01-02\n# organizations: [acme, 2, ~]\nx := 1\n",
    "package p\n\n# METADATA\n# scope: !!str rule\nx := 1\n",
    "package p\n\n# METADATA\n# scope: !local rule\nx := 1\n",
    "package p\n\n# METADATA\n# scope: ~\nx := 1\n",
    "package p\n\n# METADATA\n# title: t\n# ---\n# [unclosed\nx := 1\n",
    # Entrypoint: a rule's default scope becomes document; a package scope takes it.
    "package p\n\n# METADATA\n# entrypoint: true\nx := 1\n",
    "# METADATA\n# entrypoint: true\npackage p\n",
    "package p\n\n# METADATA\n# scope: document\n# entrypoint: true\nx := 1\n",
    # A field OPA does not know is never decoded: a duplicate key inside it is not checked.
    "package p\n\n# METADATA\n# notes: {a: 1, a: 2}\nx := 1\n",
    # Blocks: two touching ones, each fine; comments above a block; a block cut by a comment not at column 1
    # (the rest is no part of it).
    "package p\n\n# METADATA\n# title: a\n# METADATA\n# title: b\nx := 1\n",
    "package p\n\n# a note\n# METADATA\n# title: a\nx := 1\n",
    "package p\n\n# METADATA\n# title: a\n  # title: a\n# title: [\nx := 1\n",
    # Fields OPA checks after decoding, in forms it accepts.
    "package p\n\n# METADATA\n# related_resources:\n#   - https://example.com/a?b=c#d\n#   - ref: /docs/x\n"
    "#     description: d\n# authors:\n#   - Jane Doe <jane@example.com>\n#   - name: J\n"
    "# custom: {severity: high, tags: {a: [1, 2]}}\n# labels: {team: net}\nx := 1\n",
    "package p\n\n# METADATA\n# schemas:\n#   - input.a: schema.b\n#   - data.x: schema[\"c\"]\nx := 1\n",
    "package p\n\n# METADATA\n# custom:\n#   1: numbers as keys of the custom map itself are strings\nx := 1\n",
    "package p\n\n# METADATA\n# <<: {title: merged}\n# description: d\nx := 1\n",
    # The one %YAML directive go-yaml takes.
    "package p\n\n# METADATA\n# %YAML 1.1\n# ---\n# title: t\nx := 1\n",
    # `?` that both scanners read alike: in a block scalar, in a quoted one, first in a flow entry (a key to both),
    # and a tag with a blank after it.
    "package p\n\n# METADATA\n# title: what? a?b\n# organizations: [\"a?\", 'b? c']\nx := 1\n",
    "package p\n\n# METADATA\n# custom: {? a}\n# organizations: [!x ,y]\nx := 1\n",
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
@pytest.mark.parametrize(("block", "says"), [
    ("# scope: yes\n", "invalid annotation scope 'yes'"),
    ("# title: a\n# title: b\n", "already defined"),
    ("# title: [a]\n", "cannot unmarshal !!seq into string"),
    ("# scope: rule\n# entrypoint: on\n", "entrypoint applied to non-document"),
    ("# authors: ['']\n", "author is an empty string"),
    ("# METADATA\n# title: t\n", "found whitespace"),
])
def test_each_kind_of_refusal_stops_the_engine_before_any_query(engine: str, block: str, says: str) -> None:
    source = f"package main\n\n# METADATA\n{block}deny contains \"x\" if true\n"
    refused = refusal({"a.rego": source}, engine)
    assert refused.startswith("a.rego:3:1: METADATA block: ") and says in refused, refused
    fine = "package main\n\n# METADATA\n# title: t\ndeny contains \"x\" if true\n"
    assert refusal({"a.rego": fine}, engine) == ""


@pytest.mark.parametrize(("url", "says"), [
    ("https://example.com/a b?c#d", ""),
    ("mailto:someone@example.com", ""),
    ("/relative/path", ""),
    ("http://[::1]:8080/x", ""),
    ("http://a b/", "invalid character \" \" in host name"),
    ("http://host:port/", "invalid port \":port\" after host"),
    ("http://[::1/", "missing ']' in host"),
    (":no-scheme", "missing protocol scheme"),
    ("a:b/c", ""),  # a scheme, then an opaque part
    ("1a:b", "first path segment in URL cannot contain colon"),
    ("x/%4", 'invalid URL escape "%4"'),
    ("x#%g0", 'invalid URL escape "%g0"'),
    ("x\ty", "invalid control character in URL"),
])
def test_related_resource_urls_are_read_as_gos_net_url_reads_them(url: str, says: str) -> None:
    assert go_url_problem(url) == says


@pytest.mark.parametrize(("value", "refused"), [
    # go-yaml v3 resolves these plain scalars to a timestamp or a number: no author string.
    ("2024-01-02", True), ("2024-1-2T3:04:05Z", True), ("2024-01-02 10:00:00", True), ("0x1F", True),
    ("017", True), ("1_000", True), ("+.5e3", True), (".5", True), ("true", True),
    ("~", True),  # null: parseAuthor reads no type in it either
    # ... and these it leaves strings: dates out of range or of another layout, YAML 1.1 words, overflows.
    ("2024-02-30", False), ("2024-01-02T10:00:00", False), ("2024-01-02 10:00:00Z", False), ("yes", False),
    ("on", False), ("0x", False), ("1e999", False), ("1:20", False), ("0b102", False),
])
def test_authors_read_plain_scalars_as_go_yaml_v3_resolves_them(value: str, refused: bool) -> None:
    source = f"package p\n\n# METADATA\n# authors: [{value}]\nx := 1\n"
    found = _lines(source)
    assert bool(found) == refused, found
    if refused:
        assert "must be string or map" in found[0][1], found


@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_the_probes_are_refused_by_natpolicy_itself_on_their_line(engine: str) -> None:
    for name in ("metadata-scope-unknown", "metadata-scope-on-wrong-statement", "metadata-block-empty",
                 "metadata-block-prose", "metadata-scope-yes", "metadata-duplicate-key", "metadata-adjacent-blocks",
                 "metadata-field-wrong-type", "metadata-entrypoint-rule-scope"):
        source = PROBES[name]["source"]
        assert PROBES[name].get("refused") is True, name
        refusals = engine_refusals(source, engine)
        assert refusals and char_line_col(source, refusals[0][0])[0] == 2, (name, refusals)
    for name in ("metadata-block-fields", "types-metadata-schema-ignored", "rego-metadata-rule",
                 "metadata-go-yaml-reading"):
        assert engine_refusals(PROBES[name]["source"], engine) == [], name


@pytest.mark.parametrize(("files", "where", "says"), [
    # One file: the later block of two for one target (blocks above one package both belong to it).
    ({"a.rego": "# METADATA\n# title: a\n\n# METADATA\n# title: b\npackage p\n"}, "a.rego:4:1",
     "package annotation redeclared"),
    ({"a.rego": "package p\n\n# METADATA\n# scope: document\nx := 1 if input.a\n\n# METADATA\n# scope: document\n"
                "x := 2 if input.b\n"}, "a.rego:7:1", "document annotation redeclared"),
    ({"a.rego": "package p\n\n# METADATA\n# entrypoint: true\nx := 1 if input.a\n\n# METADATA\n# scope: document\n"
                "x := 2 if input.b\n"}, "a.rego:7:1", "document annotation redeclared"),
    # A document block whose path is a step on the way to one filed before it (OPA checks x != nil).
    ({"a.rego": "package p\n\n# METADATA\n# scope: document\na.b := 1\n\n# METADATA\n# scope: document\na := {}\n"},
     "a.rego:7:1", "document annotation redeclared"),
    # Two files: a package block each for one package; a document block where a subpackages block is filed.
    ({"a.rego": "# METADATA\n# title: a\npackage p\n", "b.rego": "# METADATA\n# title: b\npackage p\n"}, "a.rego:1:1",
     "package annotation redeclared"),
    ({"a.rego": "package p\n\n# METADATA\n# scope: document\nx := 1\n",
      "b.rego": "# METADATA\n# scope: subpackages\npackage p.x\n"}, "a.rego:3:1", "document annotation redeclared"),
    # ... and one OPA refuses in one order of the files only: refused, saying natpolicy cannot tell.
    ({"a.rego": "package p\n\n# METADATA\n# scope: document\nx := 1\n",
      "b.rego": "# METADATA\n# scope: subpackages\npackage p.x.y\n"}, "a.rego:3:1", "natpolicy cannot tell"),
])
@pytest.mark.parametrize("engine", ["regorus", "regopy"])
def test_a_target_declared_twice_is_refused(files: dict[str, str], where: str, says: str, engine: str) -> None:
    refused = refusal(files, engine)
    assert refused.startswith(f"{where}: METADATA block: ") and says in refused, refused
    assert "\n" not in refused and "OPA refuses the policies when it compiles them" in refused


@pytest.mark.parametrize("files", [
    # Rule-scope blocks stack; the later document block's path only extends the earlier one's (x != nil is false).
    {"a.rego": "package p\n\n# METADATA\n# title: a\nx := 1 if input.a\n\n# METADATA\n# title: b\nx := 2 if input.b\n"},
    # (`a[k]`, not `a := {}`: a whole value beside `a.b := 1` is OPA's rule conflict, refused by rule_conflicts)
    {"a.rego": "package p\n\n# METADATA\n# scope: document\na[k] := 1 if some k in [\"c\"]\n\n# METADATA\n"
               "# scope: document\na.b := 1\n"},
    # Different targets: packages, rules, a subpackages block above its own package and one above a subpackage.
    {"a.rego": "# METADATA\n# title: a\npackage p\n", "b.rego": "# METADATA\n# title: b\npackage q\n"},
    {"a.rego": "package p\n\n# METADATA\n# scope: document\nx := 1\n\n# METADATA\n# scope: document\ny := 2\n"},
    {"a.rego": "# METADATA\n# scope: subpackages\npackage p\n", "b.rego": "# METADATA\n# scope: subpackages\n"
                                                                              "package p.x\n"},
    {"a.rego": "# METADATA\n# scope: package\npackage p\n", "b.rego": "# METADATA\n# scope: subpackages\npackage p\n"},
])
def test_targets_declared_once_pass(files: dict[str, str]) -> None:
    # regorus refuses `a.b := 1` inside `a[k]`'s extent, which it misreads (ref_head_conflicts): not a METADATA one
    assert refusal(files, "regopy") == "" and "METADATA" not in refusal(files)
