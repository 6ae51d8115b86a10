"""``# METADATA`` blocks OPA refuses when it parses a module, and regorus and regopy read as plain comments.

conftest loads policies with ``WithProcessAnnotation(true)`` (``Load`` in its
``policy/engine.go``), so OPA's parser reads each ``# METADATA`` comment at
column 1 and the comments on the rows right below it (column 1 too) as a YAML
document, and refuses the whole module for a block it cannot use
(``parseAnnotations``, ``metadataParser.Parse`` in ``v1/ast/parser.go``,
``attachAnnotationsNodes`` in ``v1/ast/annotations.go``). natpolicy refuses,
at the block's ``# METADATA`` line, what every OPA version certainly refuses:

* a block with nothing but blanks ("expected METADATA block, found
  whitespace");
* a block whose YAML is no mapping (prose: ``# This rule checks x``), which
  OPA cannot decode into its annotation fields, or has an unclosed ``[``/``{``
  or ``a: b: c`` (a YAML error in every dialect);
* a ``scope`` other than ``rule``, ``document``, ``package`` and
  ``subpackages``, a rule scope on a package or the reverse, a block above an
  import with no scope, or a block no statement follows;
* a ``schemas`` entry whose value is a dotted name outside ``schema``
  (``input: foo.bar``: "invalid schema reference").

Where OPA's YAML (go-yaml) and PyYAML may read a block differently (``yes``,
tags, types of other fields, duplicate keys, two blocks on adjacent rows,
``entrypoint``), nothing is refused: only what both certainly refuse is.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from natpolicy.rego.source import comments, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["metadata_refusals"]

_SCOPES = {"rule": "rule", "document": "rule", "package": "package", "subpackages": "package"}
_REFUSED = "OPA refuses the whole module when it parses it (conftest reads annotations), so natpolicy does too"
# YAML problems go-yaml reports too, whatever its version: an unclosed flow collection or a mapping value
# where none may start. Worded as libyaml words them (go-yaml is a port of it; PyYAML uses it when built with
# it, which is also faster) and as PyYAML's own reader does.
_CERTAIN_YAML_ERRORS = ("mapping values are not allowed", "did not find expected ',' or ", "expected ',' or ']'",
                        "expected ',' or '}'")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def metadata_refusals(source: str) -> Iterator[tuple[int, str]]:
    """(offset of its ``#``, message) of each METADATA block of ``source`` OPA refuses."""
    found = [(offset, text, _row(source, offset)) for offset, text in comments(source)
             if offset == 0 or source[offset - 1] == "\n"]  # column 1 only: OPA's blocks are made of those
    statements = _statement_rows(source)
    for n, (offset, text, row) in enumerate(found):
        if not _is_metadata(text) or (n > 0 and found[n - 1][2] == row - 1):
            continue  # not a block, or one right below other comments, which OPA versions group differently
        lines: list[str] = []
        last, adjacent_block = row, False
        for _, line, line_row in found[n + 1:]:
            if line_row != last + 1:
                break
            if _is_metadata(line):
                adjacent_block = True  # another block right below: OPA versions group them differently
                break
            lines.append(line.removeprefix(" ").rstrip("\r"))
            last = line_row
        if adjacent_block:
            continue
        problem = _problem("\n".join(lines) + "\n", row, statements)
        if problem is not None:
            yield offset, f"METADATA block: {problem}; {_REFUSED}"


def _problem(text: str, row: int, statements: list[tuple[int, str]]) -> str | None:
    if not text.strip():
        return "nothing follows `# METADATA` on the comment lines right below it (OPA: expected METADATA block, " \
               "found whitespace)"
    import yaml

    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or ""
        if any(problem.startswith(certain) for certain in _CERTAIN_YAML_ERRORS):
            return f"its YAML does not parse ({problem})"
        return None  # a YAML error go-yaml may not share
    except yaml.YAMLError:
        return None
    if document is None:
        return _scope_problem("", row, statements)
    if not isinstance(document, dict):
        return (f"its YAML is {type(document).__name__ if isinstance(document, list) else 'a plain value'}, "
                "not a mapping of annotation fields (`title: ...`); OPA cannot decode it")
    if "entrypoint" in document:
        return None  # changes the default scope; YAML dialects read its value differently
    scope = document.get("scope")
    if scope is None:
        scope = ""
    elif not isinstance(scope, str) or not re.search(rf"^scope:[ \t]+{re.escape(scope)}[ \t]*$", text, re.M):
        return None  # not a plain scalar: go-yaml may read it otherwise
    return _scope_problem(scope, row, statements) or _schema_problem(document.get("schemas"))


def _scope_problem(scope: str, row: int, statements: list[tuple[int, str]]) -> str | None:
    """OPA's ``attachAnnotationsNodes``: the block belongs to the first statement below it."""
    node = next((kind for start, kind in statements if start > row), "")
    given = scope
    if not scope:
        scope = {"rule": "rule", "package": "package", "import": "import"}.get(node, "")
    needs = _SCOPES.get(scope)
    if needs is None:
        below = "an import" if node == "import" else ("no statement" if not node else f"a {node}")
        what = f"scope `{given}` is none of rule, document, package, subpackages" if given else "it has no `scope:`"
        return f"{what}, and the block is above {below} (OPA: invalid annotation scope '{scope}')"
    if needs != node:
        return (f"scope `{scope}` must be applied to a {needs} statement, and the first statement below the block "
                f"is {'a ' + node if node else 'none'} (OPA: annotation scope '{scope}' must be applied to {needs} "
                "statement)")
    return None


def _schema_problem(schemas: object) -> str | None:
    """OPA's ``ParseSchemaRef``: a schema given by reference must be ``schema`` or a ref under it."""
    if not isinstance(schemas, list):
        return None
    for entry in schemas:
        if isinstance(entry, dict) and len(entry) == 1:
            (path, value), = entry.items()
            if isinstance(value, str) and _DOTTED.fullmatch(value) and value.split(".")[0] != "schema":
                return (f"the schema of `{path}` is `{value}`, which is no reference under `schema` (OPA: invalid "
                        "schema reference)")
    return None


def _is_metadata(text: str) -> bool:
    return text.strip().startswith("METADATA")


def _row(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _statement_rows(source: str) -> list[tuple[int, str]]:
    """(row, package | import | rule) of each top-level statement, in order."""
    toks = tokens(source)
    out: list[tuple[int, str]] = []
    for start, _ in rule_statements(source, toks):
        word = toks[start].text
        out.append((_row(source, toks[start].offset), word if word in ("package", "import") else "rule"))
    return out
