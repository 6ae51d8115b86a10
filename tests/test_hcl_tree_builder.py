"""The cheaper tree builder (checker/loaders/hcl/tree_builder.py) gives python-hcl2's tree, exactly.

natpolicy reads, and caches, the slim tree: node names, token types and texts,
and the lines of ``block``/``attribute`` nodes (``encode_tree`` is that form).
Every text here is parsed both ways, by ``slim(hcl2.parses_to_tree(text))``
and by ``slim_tree(text)``, and the encoded trees (or the errors) must be
equal: every ``.tf`` file in the repository, every multi-line string in the
test suite (real configurations and deliberately broken ones), the benchmark
repository's modules, layouts chosen to move lines around (comments, blank
lines, heredocs, CRLF, operators continued on the next line), those files
with line breaks and comments dropped in at random places, and seeded random
expressions from the property tests' writer.
"""
from __future__ import annotations

import ast
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
from lark import Lark
from lark.exceptions import LarkError

from natpolicy.loaders.hcl import tree_builder
from natpolicy.loaders.hcl.parse import encode_tree, parse_text, slim, slim_tree
from test_hcl_expr import Writer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))


def _reference(text: str) -> Any:
    try:
        return encode_tree(slim(hcl2.parses_to_tree(text)))
    except (LarkError, RecursionError, ValueError) as exc:
        return ("error", type(exc).__name__, str(exc))


def _fast(text: str) -> Any:
    try:
        return encode_tree(slim_tree(text))
    except (LarkError, RecursionError, ValueError) as exc:
        return ("error", type(exc).__name__, str(exc))


def _files() -> Iterator[tuple[str, str]]:
    for folder in ("fixtures", "tests", "policies", "docs", "action"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in (".tf", ".tofu", ".tfvars", ".hcl") and path.is_file():
                try:
                    yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError:
                    continue  # deliberately unreadable fixtures: never parsed


def _strings_in_tests() -> Iterator[tuple[str, str]]:
    """Multi-line string constants with an ``=`` in the test suite: configurations, broken or not."""
    for path in sorted((REPO / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "=" in node.value \
                    and "\n" in node.value:
                yield f"{path.name}:{node.lineno}", node.value


def test_fast_builder_is_used_here() -> None:
    """The pinned lark and python-hcl2 fit the builder (else every test below compares the old path with itself)."""
    assert tree_builder.fast_parser() is not None and tree_builder.drivers() is not None


def _driven(text: str) -> Any:
    """The one-frame loop alone, without the fallback to lark's loop (which would hide a failure)."""
    parts = tree_builder.drivers()
    assert parts is not None
    return encode_tree(slim(parts[0].parse(text + "\n")))


def test_every_file_in_the_repository_gives_the_same_tree() -> None:
    files = list(_files())
    assert len(files) >= 30
    differ = [name for name, text in files if _reference(text) != _fast(text)]
    assert differ == []
    assert [name for name, text in files if _reference(text)[0] != "error" and _driven(text) != _reference(text)] == []


def test_every_configuration_in_the_test_suite_gives_the_same_tree_or_error() -> None:
    texts = list(_strings_in_tests())
    results = [(name, _reference(text), _fast(text)) for name, text in texts]
    parsed = [r for r in results if r[1][0] != "error"]
    broken = [r for r in results if r[1][0] == "error"]
    assert len(parsed) >= 100 and len(broken) >= 50  # both kinds are really exercised
    assert [name for name, ref, fast in results if ref != fast] == []
    assert [name for (name, text), (_, ref, _) in zip(texts, results, strict=True)
            if ref[0] != "error" and _driven(text) != ref] == []


def test_the_benchmark_modules_give_the_same_tree() -> None:
    import hcl_parse

    for text in (hcl_parse.MODULE_VARIABLES, hcl_parse.MODULE_MAIN, hcl_parse.ROOT_HEAD + hcl_parse.ROOT_CALL):
        assert _reference(text) == _fast(text)


LAYOUTS = [
    # Lines that only position propagation gets right: first and last tokens of blocks and attributes.
    'resource "a" "b" {{\n  x = {e}\n}}\n',
    '# lead\n\n\nresource "a" "b"\n{{\n  # c\n  x = {e} # trailing\n\n  inner {{ y = {e} }}\n}}\n',
    'locals {{\n  x = (\n    {e}\n  )\n  y = [\n    {e},\n  ]\n  z = {{\n    k = {e}\n  }}\n}}\n',
    'locals {{\n  x = 1\n    + 2\n    * 3\n  y = true\n    ? {e}\n    : null\n  z = a\n    && b\n    || c\n}}\n',
    'locals {{\n  h = <<EOT\nline ${{var.x}}\n  two\nEOT\n  t = <<-EOT\n    indented\n    EOT\n  after = {e}\n}}\n',
    'locals {{\r\n  x = {e}\r\n  y = "a"\r\n}}\r\n',
    'a = {e}\nb {{}}\nc "l" {{\n}}\nin = 1\nfor {{ x = 2 }}\n',
    'x = f(\n  1,\n  2, # two\n  [3]...\n)\n/* block\ncomment */\ny = z[*].a.b[0]\nw = q.*.id\n',
    'x = {{ for k, v in m : k => v... if v != null }}\ny = [for i, v in l : "${{i}}-%{{if v}}y%{{else}}n%{{endif}}"]\n',
    'x = "%{{for a in b~}}${{a}}%{{~endfor}}"\ny = "$${{not}} %%{{not}}"\nz = -1.5e3\n',
]


def test_layouts_that_move_lines_give_the_same_tree() -> None:
    rng = random.Random(20)
    writer = Writer(rng, "var.u", ["var.a", "local.b", "each.value"])
    for layout in LAYOUTS:
        for _ in range(12):
            text = layout.format(e=rng.choice(Writer.FORMS)(writer, 3))
            assert _reference(text) == _fast(text) == _driven(text), text


def test_random_expressions_give_the_same_tree_or_error() -> None:
    rng = random.Random(7)
    writer = Writer(rng, "var.u", ["var.a", "local.b", "count.index"])
    for _ in range(300):
        expression = rng.choice(Writer.FORMS)(writer, 4)
        if rng.random() < 0.2:  # a truncated one: the same syntax error, at the same place
            expression = expression[:rng.randrange(1, len(expression))]
        text = f'resource "r" "n" {{\n  v = {expression}\n}}\n'
        assert _reference(text) == _fast(text), text


def test_comments_and_newlines_inserted_anywhere_give_the_same_tree_or_error() -> None:
    """Real files with line breaks and comments dropped in at random places: lines move, or it stops parsing."""
    import hcl_parse

    rng = random.Random(11)
    bases = [hcl_parse.MODULE_VARIABLES, hcl_parse.MODULE_MAIN, *(text for _, text in _files())]
    inserts = ["\n", "\n\n", " # note\n", " // note\n", " /* note */ ", "/* two\nlines */", "\r\n", " "]
    outcomes = {"parsed": 0, "error": 0}
    for _ in range(300):
        text = rng.choice(bases)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(inserts) + text[at:]
        reference = _reference(text)
        assert _fast(text) == reference, text
        outcomes["error" if reference[0] == "error" else "parsed"] += 1
    assert outcomes["parsed"] >= 50 and outcomes["error"] >= 50  # both sides of the line are exercised


@pytest.mark.parametrize("text", [
    'resource "a" "b" {\n  x = \n}\n',
    'x = [1, 2\n',
    'resource "a" {\n  y = "unterminated\n}\n',
    'x = 1 +\n',
    '}\n',
    'x = "${"\n',
])
def test_syntax_errors_are_reported_the_same(text: str) -> None:
    reference = parse_text(text, "f.tf")
    assert reference.error is not None and _reference(text)[0] == "error"
    assert _fast(text) == _reference(text)
    with pytest.raises(Exception):  # noqa: B017 - the one-frame loop stops, whatever the error; lark's reports it
        _driven(text)


def test_a_deep_chain_of_conditionals_gives_the_same_lines() -> None:
    """The last token of an attribute is found without recursion: 3,000 nested conditionals parse as before."""
    chain = " : ".join(f"var.c{i} ? {i}" for i in range(3000)) + " : -1"
    text = f'locals {{\n  x = {chain}\n\n  y = 2\n}}\n'
    reference, fast = hcl2.parses_to_tree(text), slim_tree(text)
    ref_attrs = list(reference.find_data("attribute"))
    fast_attrs = list(fast.find_data("attribute"))
    assert [(a.meta.line, a.meta.end_line) for a in fast_attrs] == \
        [(a.meta.line, a.meta.end_line) for a in ref_attrs] == [(2, 2), (4, 4)]


# -- the guard: a grammar or lark set up otherwise is never built by these callbacks


def _callbacks_for(grammar: str, **options: Any) -> Any:
    return tree_builder._callbacks(Lark(grammar, parser="lalr", propagate_positions=True, **options))


def test_the_callbacks_cover_a_grammar_like_python_hcl2s() -> None:
    assert _callbacks_for('start: NAME "=" NAME\nNAME: /[a-z]+/\n%ignore " "\n') is None  # "=" is filtered
    assert _callbacks_for("start: NAME EQ NAME\nNAME: /[a-z]+/\nEQ: \"=\"\n%ignore \" \"\n") is not None


@pytest.mark.parametrize(("grammar", "options"), [
    ('start: NAME "=" NAME\nNAME: /[a-z]+/\n', {}),  # an anonymous token lark would drop
    ("start: NAME [EQ] NAME\nNAME: /[a-z]+/\nEQ: \"=\"\n", {"maybe_placeholders": True}),  # None placeholders
    ("start: NAME EQ NAME\nNAME: /[a-z]+/\nEQ: \"=\"\n", {"keep_all_tokens": True}),
    ("start: NAME EQ NAME\nNAME: /[a-z]+/\nEQ: \"=\"\n", {"lexer_callbacks": {"NAME": lambda t: t}}),
])
def test_anything_the_callbacks_do_not_mirror_falls_back(grammar: str, options: dict[str, Any]) -> None:
    assert _callbacks_for(grammar, **options) is None


def test_without_position_propagation_it_falls_back() -> None:
    parser = Lark("start: NAME EQ NAME\nNAME: /[a-z]+/\nEQ: \"=\"\n", parser="lalr")
    assert tree_builder._callbacks(parser) is None
