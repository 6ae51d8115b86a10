"""What a reviewer of a pull request must not miss: the PR loosening its own gate.

Two things, put at the top of the job summary and in one warning annotation:

- the settings of the PR's config that relax the gate (see action_trust), and
  whether they were ignored (the default) or honoured (``trust-pr-config``);
- the findings suppressed by the PR itself: by a ``natpolicy:skip`` comment, or a
  Checkov/tfsec/Trivy one natpolicy honours (``checkov:skip=``, ``tfsec:ignore:``,
  ``trivy:ignore:``), on a line the PR adds (``git diff`` against the base commit,
  so the comment is the PR's), or, when the PR's config is trusted, by an exception the base
  branch's config does not have. A finding counts when such a skip covers its
  rule with the reason the finding was suppressed with.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from natpolicy.action_gate import exception_key
from natpolicy.action_trust import BaseTree, Trusted
from natpolicy.foreign_skips import ForeignSkip, parse_foreign
from natpolicy.loaders.gitrepo import GitError
from natpolicy.loaders.paths import TERRAFORM_CODE_SUFFIXES
from natpolicy.outputs.markdown import code, plain
from natpolicy.suppressions import Skip, parse_skip

__all__ = ["PrSuppression", "added_foreign_skips", "added_skips", "annotation", "summary_section",
           "suppressed_by_pr"]

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
# How a honoured foreign comment ends the suppression reason (natpolicy.foreign_skips.foreign_reason).
_FOREIGN_WHERE = re.compile(r"\((?P<spelling>\S+) at (?P<path>.+):(?P<line>\d+)\)$")
_SOURCE_SUFFIXES = TERRAFORM_CODE_SUFFIXES  # files whose added lines may hold skip comments
LISTED = 50  # suppressions named in the summary; the count is always complete


@dataclass(frozen=True)
class PrSuppression:
    rule_id: str
    address: str
    how: str  # "`natpolicy:skip` at main.tf:12" or "exception `.natpolicy.yaml: exceptions[1]`"
    reason: str


def added_skips(base: BaseTree) -> list[Skip]:
    """The ``natpolicy:skip`` comments on lines the work tree adds to the base commit."""
    found = (parse_skip(text, path, line) for path, line, text in _added_lines(base))
    return [skip for skip in found if skip is not None and skip.reason]


def added_foreign_skips(base: BaseTree) -> list[ForeignSkip]:
    """The Checkov/tfsec/Trivy suppressions on lines the work tree adds: natpolicy honours them too."""
    return [skip for path, line, text in _added_lines(base) for skip in parse_foreign(text, path, line)]


def _added_lines(base: BaseTree) -> list[tuple[str, int, str]]:
    """(path, line, text) of every line of a Terraform source file that the work tree adds to the base commit."""
    try:
        out = base.git.run("-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff",
                           "--no-textconv", "-M", base.commit, "--")
    except GitError:
        return []
    added: list[tuple[str, int, str]] = []
    path, line = "", 0
    for raw in out.split(b"\n"):
        if raw.startswith(b"+++ "):
            # git ends a name holding a blank with a tab, and quotes one holding a quote or a control character.
            name = _unquote(raw[4:].rstrip(b"\t"))
            path = name[2:] if name.startswith("b/") else ""
        elif (m := _HUNK.match(raw)) is not None:
            line = int(m.group(1))
        elif raw.startswith(b"+") and path.endswith(_SOURCE_SUFFIXES):
            added.append((path, line, raw[1:].decode("utf-8", "replace")))
            line += 1
    return added


def _unquote(name: bytes) -> str:
    if name.startswith(b'"') and name.endswith(b'"'):
        # C-style escapes, octal for bytes: decode the escapes, then the bytes as UTF-8.
        name = name[1:-1].decode("unicode_escape").encode("latin-1")
    return name.decode("utf-8", "surrogateescape")


def suppressed_by_pr(findings: Iterable[Mapping[str, Any]], trusted: Trusted) -> list[PrSuppression]:
    """The suppressed findings of the report that the pull request's own lines or config suppress."""
    if trusted.base is None:
        return []
    skips = added_skips(trusted.base)
    foreign = added_foreign_skips(trusted.base)
    exceptions = []
    if trusted.trust_pr and trusted.pr_config is not None:
        exceptions = [e for e in trusted.pr_config.exceptions if exception_key(e) not in trusted.base_exceptions]
    out = []
    for f in findings:
        if not f.get("suppressed"):
            continue
        rule, address, reason = str(f.get("rule_id")), str(f.get("address")), str(f.get("suppression_reason"))
        skip = next((s for s in skips if s.covers(rule) and s.reason == reason), None)
        if skip is not None:
            out.append(PrSuppression(rule, address, f"`natpolicy:skip` at {skip.path}:{skip.line}", reason))
            continue
        by_foreign = _added_foreign(reason, foreign)
        if by_foreign is not None:
            out.append(PrSuppression(rule, address, f"`{by_foreign.spelling}` at {by_foreign.path}:{by_foreign.line}",
                                     reason))
            continue
        exc = next((e for e in exceptions if e.covers(rule, address) and e.reason == reason), None)
        if exc is not None:
            out.append(PrSuppression(rule, address, f"exception `{exc.where}`", reason))
    return out


def _added_foreign(reason: str, added: Sequence[ForeignSkip]) -> ForeignSkip | None:
    """The added foreign comment a suppression reason names, if the PR added it.

    The reason names the comment's place as a display path, which may be
    shown from a subfolder: the PR's repository-relative path ends it.
    """
    m = _FOREIGN_WHERE.search(reason)
    if m is None:
        return None
    shown, line = m.group("path"), int(m.group("line"))
    for skip in added:
        if skip.spelling == m.group("spelling") and skip.line == line and (
                shown == skip.path or shown.endswith("/" + skip.path)):
            return skip
    return None


def summary_section(trusted: Trusted, suppressed: Sequence[PrSuppression]) -> str:
    """Markdown for the top of the job summary; "" when the PR changes nothing of the gate."""
    parts = []
    if trusted.relaxed:
        short = trusted.base.short if trusted.base else "?"
        if trusted.trust_pr:
            head = (f"**This pull request relaxes natpolicy's gate**, and `trust-pr-config` is `true`, so its "
                    f"settings were used. The base branch (`{short}`) says otherwise on:")
        else:
            head = (f"**This pull request tries to relax natpolicy's gate.** These settings of its config were "
                    f"ignored; the gate used the base branch's (`{short}`). A workflow that trusts the pull "
                    "request's config sets `trust-pr-config: true`.")
        lines = ["> [!WARNING]", f"> {head}", ">"]
        lines += [f"> - {code(r.setting)}: {plain_markdown(r.what)}" for r in trusted.relaxed]
        parts.append("\n".join(lines))
    if suppressed:
        n = len(suppressed)
        count = f"**{n} finding{'s' if n != 1 else ''} suppressed by this PR**"
        lines = ["> [!CAUTION]", f"> {count}: the pull request adds the suppression itself. Review each one:", ">"]
        for s in suppressed[:LISTED]:
            lines.append(f"> - {plain(s.rule_id)} {code(s.address)}, by {plain_markdown(s.how)}: {plain(s.reason)}")
        if n > LISTED:
            lines.append(f"> - … and {n - LISTED} more (the JSON report lists every suppressed finding)")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n" if parts else ""


def annotation(trusted: Trusted, suppressed: Sequence[PrSuppression]) -> str:
    """One line for a ``::warning`` annotation; "" when there is nothing to say."""
    said = []
    if trusted.relaxed:
        settings = ", ".join(dict.fromkeys(r.setting for r in trusted.relaxed))
        said.append(f"this pull request relaxes {settings} in its config "
                    f"({'used: trust-pr-config is true' if trusted.trust_pr else 'ignored'})")
    if suppressed:
        n = len(suppressed)
        said.append(f"{n} finding{'s' if n != 1 else ''} suppressed by this PR")
    return "; ".join(said) + ("; see the job summary" if said else "")


def plain_markdown(text: str) -> str:
    """Text with `code` spans of our own making: escape what lies between them, keep the spans."""
    def escaped(piece: str) -> str:
        if len(piece) > 1 and piece.startswith("`") and piece.endswith("`"):
            return code(piece[1:-1])
        # plain() trims; the blanks around a code span are part of the sentence.
        lead, trail = piece[:len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
        return lead + plain(piece) + trail if piece.strip() else piece

    return "".join(escaped(p) for p in re.split(r"(`[^`]*`)", text))
