"""``# METADATA`` blocks OPA refuses when it parses a module, and regorus and regopy read as plain comments.

conftest loads policies with ``WithProcessAnnotation(true)`` (``Load`` in its
``policy/engine.go``), so OPA's parser reads the blocks and refuses the whole
module for one it cannot use. natpolicy reads them as OPA v1 does (the
reference is OPA v1.x as current conftest embeds it) and refuses each such
block at its ``# METADATA`` line:

* grouping (``parseAnnotations``, ``IsMetadataComment``, ``blockBuster`` in
  ``v1/ast/parser.go``): a block starts at a comment in column 1 whose text
  starts with ``METADATA`` and takes the column-1 comments on the rows right
  below it, up to the next such ``METADATA`` comment (two blocks may touch);
* its YAML, decoded into OPA's annotation fields as go-yaml v3 decodes it, and
  the fields OPA checks after (``natpolicy.rego.metadata_yaml`` and
  ``natpolicy.rego.metadata_fields``); a block with nothing but blanks ("expected
  METADATA block, found whitespace");
* its scope (``attachAnnotationsNodes``,
  ``validateAnnotationScopeAttachment``, ``validateAnnotationEntrypointAttachment``
  in ``v1/ast/annotations.go``): the block belongs to the first statement below
  its ``# METADATA`` row; with no ``scope`` it is ``rule`` above a rule
  (``document`` with ``entrypoint: true``), ``package`` above a package, and
  invalid above an import or nothing; ``entrypoint`` needs a document or
  package scope.

A target declared twice across the policies, which OPA's compiler refuses, is
``natpolicy.rego.metadata_redeclared``'s.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from natpolicy.records import record
from natpolicy.rego.source import comments, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["MetadataBlock", "metadata_blocks", "metadata_refusals", "one_line"]

_SCOPES = {"rule": "rule", "document": "rule", "package": "package", "subpackages": "package"}
_REFUSED = "OPA refuses the whole module when it parses it (conftest reads annotations), so natpolicy does too"


@record(frozen=True)
class MetadataBlock:
    """One block: where its ``#`` is, why OPA refuses it ("" when it does not), its scope and statement."""

    offset: int
    problem: str
    scope: str  # the scope OPA gives it (a default filled in), for a block it accepts
    statement: int  # index, in ``tokens(source)``, of the statement the block belongs to; -1 for none


def metadata_refusals(source: str) -> Iterator[tuple[int, str]]:
    """(offset of its ``#``, message) of each METADATA block of ``source`` OPA refuses when it parses it.

    A block declared twice across the policies is ``natpolicy.rego.metadata_redeclared``'s.
    """
    for block in metadata_blocks(source):
        if block.problem:  # one line, whatever the block's text holds
            yield block.offset, f"METADATA block: {one_line(block.problem)}; {_REFUSED}"


@functools.lru_cache(maxsize=512)
def metadata_blocks(source: str) -> tuple[MetadataBlock, ...]:
    """Every METADATA block of ``source``, read as OPA v1 reads it (a file's blocks are read once)."""
    found = [(offset, text, _row(source, offset), offset == 0 or source[offset - 1] == "\n")
             for offset, text in comments(source)]
    statements = _statement_rows(source)
    out: list[MetadataBlock] = []
    for n, (offset, text, row, column_one) in enumerate(found):
        if not (column_one and _is_metadata(text)):
            continue
        lines: list[str] = []
        for _, line, line_row, line_column_one in found[n + 1:]:
            if not line_column_one or line_row != row + len(lines) + 1 or _is_metadata(line):
                break  # OPA's blockBuster: another column, a gap, or the next block's first line
            lines.append(line.removeprefix(" ").rstrip("\r"))
        statement = next(((index, kind) for start, kind, index in statements if start > row), (-1, ""))
        problem, scope = _read("\n".join(lines) + "\n" if lines else "", statement[1])
        out.append(MetadataBlock(offset, problem, scope, statement[0]))
    return tuple(out)


def _read(text: str, node: str) -> tuple[str, str]:
    """(why OPA refuses the block or "", its scope) for a block above a ``node`` statement ("" for none)."""
    if not text.strip():
        return "nothing follows `# METADATA` on the comment lines right below it (OPA: expected METADATA block, " \
               "found whitespace)", ""
    # Imported here: they load PyYAML, which a run with no METADATA block never needs.
    from natpolicy.rego.metadata_fields import check_fields
    from natpolicy.rego.metadata_yaml import MetadataProblem, decode_annotation

    try:
        with _deep_enough():
            fields = decode_annotation(text)
            check_fields(fields)
    except MetadataProblem as exc:
        return str(exc), ""
    scope, entrypoint = fields.get("scope") or "", bool(fields.get("entrypoint"))
    if not scope:
        scope = {"rule": "document" if entrypoint else "rule", "package": "package", "import": "import"}.get(node, "")
    return _scope_problem(scope, fields.get("scope") or "", entrypoint, node) or "", scope


def _scope_problem(scope: str, given: str, entrypoint: bool, node: str) -> str | None:
    """OPA's ``attachAnnotationsNodes``: the block belongs to the first statement below its first line."""
    needs = _SCOPES.get(scope)
    if needs is None:
        below = "an import" if node == "import" else ("no statement" if not node else f"a {node}")
        what = f"scope `{given}` is none of rule, document, package, subpackages" if given else "it has no `scope:`"
        return f"{what}, and the block is above {below} (OPA: invalid annotation scope '{scope}')"
    if needs != node:
        return (f"scope `{scope}` must be applied to a {needs} statement, and the first statement below the block "
                f"is {'a ' + node if node else 'none'} (OPA: annotation scope '{scope}' must be applied to {needs} "
                "statement)")
    if entrypoint and scope not in ("document", "package"):
        return (f"`entrypoint: true` with scope `{scope}`, where OPA needs document or package (OPA: annotation "
                f"entrypoint applied to non-document or package scope '{scope}')")
    return None


@contextmanager
def _deep_enough() -> Iterator[None]:
    """Room for the decode's recursion: libyaml stops nesting at 1,000 levels, each takes a few frames here."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, 6000))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def one_line(text: str) -> str:
    """``text`` with what would break a line written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _is_metadata(text: str) -> bool:
    return text.strip().startswith("METADATA")


def _row(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _statement_rows(source: str) -> list[tuple[int, str, int]]:
    """(row, package | import | rule, token index) of each top-level statement, in order."""
    toks = tokens(source)
    out: list[tuple[int, str, int]] = []
    for start, _ in rule_statements(source, toks):
        word = toks[start].text
        out.append((_row(source, toks[start].offset), word if word in ("package", "import") else "rule", start))
    return out
