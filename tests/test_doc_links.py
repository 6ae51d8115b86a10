"""Documentation links: every relative link and #anchor in the user and contributor docs resolves.

The README was split into docs/ (issue 18); a moved section must not leave a dead link behind.
Anchors are computed the way GitHub renders headings, so `docs/hcl.md#plan-findings-on-the-tf-line`
is checked against the heading it names.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

# [text](target) and ![alt](target); the target ends at whitespace or ')' (no titles are used).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
EXTERNAL = ("http://", "https://", "mailto:")


def documents(root: Path) -> list[Path]:
    found = [root / "README.md", root / "CONTRIBUTING.md"]
    found += sorted((root / "docs").glob("*.md"))
    found += sorted((root / "policies").rglob("*.md"))
    return [path for path in found if path.is_file()]


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks, with inline code removed (links there are examples)."""
    lines, fence = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if not fence:
            lines.append((number, INLINE_CODE.sub("", line)))
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # a link in a heading keeps its text
    text = text.lower().replace("`", "")
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result, fence = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        match = None if fence else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slug = github_slug(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            result.add(slug if count == 0 else f"{slug}-{count}")  # GitHub numbers repeated headings
    return result


def broken_links(path: Path, root: Path) -> list[str]:
    problems = []
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if target.startswith(EXTERNAL):
                continue
            where = f"{path.relative_to(root)}:{number}: {target}"
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            if root.resolve() not in linked.parents and linked != root.resolve():
                problems.append(f"{where}: leaves the repository")
            elif not linked.exists():
                problems.append(f"{where}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{where}: no heading with anchor #{anchor}")
    return problems


@pytest.mark.parametrize("doc", [str(p.relative_to(ROOT)) for p in documents(ROOT)])
def test_every_relative_link_resolves(doc: str) -> None:
    assert broken_links(ROOT / doc, ROOT) == []


def test_the_documents_are_found() -> None:
    names = {str(p.relative_to(ROOT)) for p in documents(ROOT)}
    assert {"README.md", "CONTRIBUTING.md", "docs/hcl.md", "docs/github-action.md"} <= names
    assert any(name.startswith("policies/nat/") for name in names)


def test_a_dead_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## Plan findings on the `.tf` line\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "[ok](docs/guide.md#plan-findings-on-the-tf-line) [self](#top-title)\n"
        "# Top title\n"
        "[gone](docs/missing.md) [bad anchor](docs/guide.md#no-such-heading) [out](../elsewhere.md)\n"
        "`[in code](docs/missing.md)` [web](https://example.invalid/x)\n"
        "```\n[fenced](docs/missing.md)\n```\n",
        encoding="utf-8")
    assert broken_links(tmp_path / "README.md", tmp_path) == [
        "README.md:3: docs/missing.md: no such file",
        "README.md:3: docs/guide.md#no-such-heading: no heading with anchor #no-such-heading",
        "README.md:3: ../elsewhere.md: leaves the repository",
    ]


@pytest.mark.parametrize(("heading", "slug"), [
    ("Plan findings on the `.tf` line", "plan-findings-on-the-tf-line"),
    ("What natpolicy already computed: `data.natpolicy`", "what-natpolicy-already-computed-datanatpolicy"),
    ("Baselines: adopt the gate without fixing everything first",
     "baselines-adopt-the-gate-without-fixing-everything-first"),
    ("Checkov: parity and adapter", "checkov-parity-and-adapter"),
])
def test_github_slugs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug
