"""A rule at a path where ``--data`` gives a value: OPA refuses the policies, both engines answered.

OPA checks the rules against the base documents before it evaluates anything (v1/ast/conflicts.go
``CheckPathConflicts``, which ``opa eval -d``, ``opa test``, ``opa check --bundle`` and the server run with
``storage.NonEmpty``): each place of the rule tree that holds rules (a rule's package path and the constant,
string parts of its head's ref: ``limit := 2`` in package ``lib`` at ``lib/limit``, ``q.r.s contains v`` at
``lib/q/r/s``, ``by_name[k] := v`` at ``lib/by_name``) conflicts where the data holds a value at that path (an
object, even an empty one, too) or a value that is no object at a path above it ("conflicting rule for data path
lib/limit found", a compile error). Measured (rego_differential.py --packages): regorus 0.13.0 and regopy 1.5.2
answered ``data.lib.limit`` as the data's value, merged the data into a rule's object, or (regopy) answered the
data's value for one query and the rule's for another, each silently. natpolicy refuses such a set on every engine,
at the rule's line. A data document beside a package's rules (``data.lib.extra`` beside ``limit``) is no conflict:
both documents are merged, as OPA merges them (topdown's ``evalTree``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from natpolicy.errors import InputError
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import Token, char_line_col, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["data_conflicts", "refuse_data_conflicts", "rule_places"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def refuse_data_conflicts(policies: Sequence[PolicyFile], data: Mapping[str, Any] | None) -> None:
    """Raise ``InputError`` at the first rule (in file order) whose path the data gives a value at."""
    for policy, offset, message in data_conflicts(policies, data):
        line, col = char_line_col(policy.source, offset)
        raise InputError(f"{policy.display}:{line}:{col}", message)


def data_conflicts(policies: Sequence[PolicyFile], data: Mapping[str, Any] | None
                   ) -> Iterator[tuple[PolicyFile, int, str]]:
    """(policy, character offset, message) of the first rule at each place whose path the data fills."""
    if not data:
        return
    reported: set[tuple[str, ...]] = set()
    for policy in policies:
        package = policy.package.split(".")
        for offset, place, text in rule_places(policy.source):
            path = (*package, *place)
            if path in reported or not _non_empty(data, path):
                continue
            reported.add(path)
            shown = "/".join(path)
            yield policy, offset, (
                f"rule `{text}` is at data.{'.'.join(path)}, where the --data documents give a value (at it, or a "
                f"value that is no object above it): OPA refuses the policies (conflicting rule for data path {shown} "
                "found), and the engines would answer one of the two; natpolicy refuses it: rename the rule or move "
                "the data")


def rule_places(source: str) -> Iterator[tuple[int, tuple[str, ...], str]]:
    """(offset, place, head as written) of each rule: its head's ref up to its first part that is not a constant
    string (OPA's rule tree: ``deny contains msg`` at ``deny``, ``q.b[k] := v`` at ``q.b``, ``q["b"].c := 1`` at
    ``q.b.c``); a rule whose ref holds a constant that is no string (``p[1] := 2``) has none (OPA checks only
    string keys against data)."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        h = start + 1 if toks[start].text == "default" else start
        if h >= end or toks[h].kind != "ident":
            continue
        place, k, string_keys = [toks[h].text], h + 1, True
        while k < end and toks[k].text in (".", "["):
            if toks[k].text == ".":
                if k + 1 >= end or toks[k + 1].kind != "ident":
                    break
                place.append(toks[k + 1].text)
                k += 2
                continue
            key = _string_key(toks, k, end)
            if key is None:
                string_keys = _string_or_var(toks, k, end)
                break
            place.append(key)
            k += 3
        if string_keys:
            head = source[toks[h].offset:toks[k - 1].offset + len(toks[k - 1].text)]
            yield toks[start].offset, tuple(place), head


def _string_key(toks: list[Token], k: int, end: int) -> str | None:
    """The string in ``["b"]`` at ``toks[k]`` (a bracket of one string literal), or None."""
    if k + 2 < end and toks[k + 2].text == "]" and toks[k + 1].kind == "string":
        text = toks[k + 1].text
        value = json.loads(text) if text.startswith('"') else text[1:-1]
        return value if isinstance(value, str) else None
    return None


def _string_or_var(toks: list[Token], k: int, end: int) -> bool:
    """A bracket that is no string literal: a constant of another kind (a number, true, false, null) puts the rule
    under a key OPA does not check against data; anything else (a var, an expression) ends the rule's place there."""
    if k + 2 < end and toks[k + 2].text == "]":
        tok = toks[k + 1]
        return not (tok.kind == "number" or tok.text in ("true", "false", "null"))
    return True


def _non_empty(data: Mapping[str, Any], path: Sequence[str]) -> bool:
    """OPA's ``storage.NonEmpty``: the data holds a value at ``path``, or, at the longest prefix of it that it
    holds, a value that is no object."""
    for size in range(len(path), 0, -1):
        found, value = _read(data, path[:size])
        if found:
            return size == len(path) or not isinstance(value, dict)
    return False


def _read(data: Any, path: Sequence[str]) -> tuple[bool, Any]:
    """(found, value) at ``path``, read as OPA's in-memory store reads it (an array by its decimal index)."""
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node) and (part == "0" or part[0] != "0"):
            node = node[int(part)]
        else:
            return False, None
    return True, node
