"""A partial object rule queried on regopy: two keys of one text, one of them no string, stop with the rule's line.

OPA keeps the keys ``1`` and ``"1"`` apart (v1/ast/term.go compares a key's kind first), and writes a rule's value as
JSON by its keys' text, the later key in its order winning (``ast.JSON``: each key's JSON text into one Go map, keys
iterated in ``ast.Compare`` order: null < boolean < number < string < array < object < set). So
``q[k] := k if some k in [1, "1"]`` is ``{"1": "1"}``. regopy 1.5.2 holds both keys (``count(q)`` is 2) but its
answer writes one per text, the first defined (``{"1": 1}``; ``some k in ["1", 1]`` gives ``{"1": "1"}``), and
merges a number, boolean, null, array, object or set with the string of its text, and an array with a set of the
same elements (``[1]``, ``{1}``), likewise (measured on raw regopy).

A key that is no string can only come from the policy (JSON input and data hold string keys only). A rule read
whole elsewhere in its module stops on any such key already (``regopy_keys.STRING_KEY``); one only queried
(``x[i] := ... if input.rs[i]``, numbered keys regopy writes as OPA does) is checked here, cheaply: each queried
rule whose head holds a key that is not a string literal is queried through a hidden rule of a package of its own
(``CHECKED_PACKAGE``, which no policy reads: OPA refuses a rule that reads ``data`` whole as recursive), whose
value is the rule's value and the number of keys of its objects at each level of its head's keys, counted in
Rego, where the keys are apart. Where the answer's JSON holds fewer, regopy merged two keys, and the query stops
with the rule's line. The cost is a ``count`` per object at those levels (one for ``x[i] := ...``), the rule's
value is evaluated once.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from natpolicy.records import record
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.source import Token, char_line_col, matching_close, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["CHECKED_PACKAGE", "QueriedCheck", "checked_module", "queried_checks", "unmerged_value"]

CHECKED_PACKAGE = "__natpolicy_queried"


@record(frozen=True)
class QueriedCheck:
    """A queried rule answered through a hidden rule: its entrypoint there, the levels of head keys it counts,
    and where the rule is defined (its first definition with a key that may be no string)."""

    entrypoint: str
    depth: int
    module: str
    line: int
    rule: str


def queried_checks(modules: Mapping[str, str], entrypoints: Sequence[str]) -> dict[str, QueriedCheck]:
    """The check of each entrypoint whose rule is a partial object rule with a head key that is no string
    literal (a variable, a ref, a call, a number...), by entrypoint."""
    out: dict[str, QueriedCheck] = {}
    for entrypoint in entrypoints:
        package, _, rule = entrypoint.rpartition("/")
        found = _head_depth(modules, package.replace("/", "."), rule)
        if found is not None:
            depth, module, line = found
            out[entrypoint] = QueriedCheck(f"{CHECKED_PACKAGE}/q{len(out)}", depth, module, line, rule)
    return out


def checked_module(checks: Mapping[str, QueriedCheck]) -> str:
    """The hidden module: for each check, ``qN := [value, [count at level 0, 1, ...]] if value := data...``."""
    lines = [f"package {CHECKED_PACKAGE}", ""]
    for entrypoint, check in checks.items():
        ref = "data" + "".join(f"[{json.dumps(part)}]" for part in entrypoint.split("/"))
        counts = ["count(__v)"]
        for level in range(1, check.depth):
            # The objects at this level: each value under a key of the level above that is an object.
            path = "; ".join(f"some __k{n}; __o{n} := {'__v' if n == 1 else f'__o{n - 1}'}[__k{n}]; is_object(__o{n})"
                             for n in range(1, level + 1))
            counts.append(f"sum([count(__o{level}) | {path}])")
        name = check.entrypoint.rpartition("/")[2]
        lines.append(f"{name} := [__v, [{', '.join(counts)}]] if __v := {ref}")
    return "\n".join(lines) + "\n"


def unmerged_value(check: QueriedCheck, answer: Any) -> Any:
    """The rule's value from the hidden rule's ``answer``; stops where its JSON holds fewer keys at some level
    than Rego counted (regopy wrote two keys of one text as one)."""
    if not (isinstance(answer, list) and len(answer) == 2 and isinstance(answer[1], list)):
        raise EvaluationError(f"natpolicy's check of {check.rule} answered {answer!r}: a bug of natpolicy")
    value, counts = answer
    if _counts(value, len(counts)) != counts:
        raise EvaluationError(
            f"{check.module}:{check.line}:1: the value of {check.rule} holds two keys of one text, one of them no "
            "string (`1` and `\"1\"`, `true` and `\"true\"`, `[1]` and the set `{1}`): regopy 1.5.2 writes the first "
            "defined, OPA the later in its order of keys (a number before a string, a string before an array, an "
            "array before a set); run with --rego-engine regorus", "regopy_keys")
    return value


def _counts(value: Any, depth: int) -> list[int]:
    """The number of keys of the objects at each level of ``value``'s JSON, as the hidden rule counts them."""
    out, level = [], [value] if isinstance(value, dict) else []
    for _ in range(depth):
        out.append(sum(len(o) for o in level))
        level = [v for o in level for v in o.values() if isinstance(v, dict)]
    return out


def _head_depth(modules: Mapping[str, str], package: str, rule: str) -> tuple[int, str, int] | None:
    """(the most keys a head of ``rule`` in ``package`` holds, the module and line of the first head with a key
    that is no string literal) where there is one; else None."""
    depth, where = 0, None
    for name, source in modules.items():
        if scan_module(source).package != package:
            continue
        toks = tokens(source)
        for first, end in rule_statements(source, toks, rules_only=True):
            if toks[first].text != rule:
                continue
            keys, computed = _head_keys(toks, first, end)
            depth = max(depth, keys)
            if computed and where is None:
                where = (name, char_line_col(source, toks[first].offset)[0])
    return None if where is None else (depth, *where)


def _head_keys(toks: list[Token], first: int, end: int) -> tuple[int, bool]:
    """(the number of keys of the ref head at ``first``, whether one is no string literal): ``q[k].a`` is (2, True).
    A head that is no ref, or a function's, is (0, False)."""
    keys, computed, k = 0, False, first + 1
    while k < end and toks[k].text in ("[", "."):
        close = matching_close(toks, k) if toks[k].text == "[" else k + 1
        if close is None or close >= end:
            return 0, False
        if toks[k].text == "[":
            inner = toks[k + 1:close]
            computed = computed or not (len(inner) == 1 and inner[0].kind in ("string", "raw"))
        keys, k = keys + 1, close + 1
    if k >= end or toks[k].text not in (":=", "=", "if", "{", "contains"):
        return 0, False  # a call (`f(x)`), or no head this reads
    return keys, computed
