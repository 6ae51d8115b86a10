"""Rules whose heads are refs of two or more parts that conflict (OPA's ``checkRuleConflicts``), which both engines
answered.

OPA places each rule in its rule tree at the constant part of its head's ref (``q.b.c := 1`` at ``q.b.c``,
``q.b[k] := v`` at ``q.b``, ``q.b contains 1`` at ``q.b``) and refuses at compile time (ast/compile.go
``checkRuleConflicts``): a rule whose whole ref is constant beside rules under it ("rule data.p.q.b conflicts with
[data.p.q.b.c]": ``q.b := {1}``, ``q.b contains 1`` or ``q.b(x) := x`` beside ``q.b.c := 1``), and, at one
place, rules of two kinds or a rule of one constant value beside entries ("conflicting rules data.p.q.b found":
``q.b := 1`` or ``q.b contains 1`` beside ``q.b[k] := v``; compile_test.go TestCompilerCheckRuleConflicts).
Measured (``rego_differential.py --rules``): regorus 0.13.0 answered ``q.b`` as ``{"c": 1}`` and regopy 1.5.2 as
undefined, both where OPA refuses the module. ``rule_conflicts`` checks the first part of a ref (the rule's name);
this module the places below it, reading every file of the package. ``q.b[k] := v`` beside ``q.b.c := 1`` is
allowed (the var's rule is not constant) and left alone.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence

from natpolicy.records import record
from natpolicy.rego.source import Token, scan_module, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["keyed_extent_refusals", "ref_head_conflicts"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONSTANT_WORDS = {"true", "false", "null"}
_SINGLE_VALUE_AFTER = {":=", "=", "if", "{", "else"}


@record(frozen=True)
class _Head:
    place: tuple[str, ...]  # the constant parts of the ref, up to its first part that is not constant
    constant: bool  # every part of the ref is constant
    kind: str  # "single" (one value, or an object's entry), "multi" (`contains`) or "function" (OPA's kinds)
    text: str  # the ref as written, for the message
    offset: int
    own: bool  # defined in the module being checked (not in another file of its package)


def ref_head_conflicts(source: str, package_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of the first rule of ``source`` in each conflict at a place two or more parts deep."""
    package = scan_module(source).package
    heads = list(_heads(source, True))
    for other in package_sources:
        heads.extend(_heads(other, False))
    reported: set[tuple[str, ...]] = set()
    for head in heads:
        if len(head.place) < 2 or head.place in reported:
            continue  # one part: the rule's name, rule_conflicts' check
        here = [h for h in heads if h.place == head.place]
        under = sorted({"".join(h.place) for h in heads if h.place[:len(head.place)] == head.place
                        and len(h.place) > len(head.place)})
        whole = f"data.{package}.{''.join(head.place)}"
        said = ""
        singles = [h.constant for h in here if h.kind == "single"]
        if len({h.kind for h in here}) > 1 or (True in singles and False in singles):
            said = f"conflicting rules {whole} found"  # kinds or arities differ, or one value beside entries
        elif under and any(h.constant for h in here):
            listed = " ".join(f"data.{package}.{u}" for u in under)
            said = f"rule {whole} conflicts with [{listed}]"
        mine = [h for h in heads if h.own and (h.place == head.place or (said.startswith("rule ") and
                                                                         h.place[:len(head.place)] == head.place))]
        if said and mine:
            reported.add(head.place)
            first = min(mine, key=lambda h: h.offset)
            yield first.offset, (f"rule `{first.text}`: its ref's definitions conflict (OPA refuses the module: "
                                 f"{said}); natpolicy refuses it on every engine: give one of them another name")


def _heads(source: str, own: bool) -> Iterator[_Head]:
    """Each rule's head that is a ref (``q.b``, ``q["b"][k]``, ``q.b(x)``)."""
    toks = tokens(source)
    for start, end in rule_statements(source, toks, rules_only=True):
        h = start + 1 if toks[start].text == "default" else start
        if h >= end or toks[h].kind != "ident":
            continue
        place, constant, k = [toks[h].text], True, h + 1
        while k < end and toks[k].text in (".", "["):
            if toks[k].text == ".":
                if k + 1 >= end or toks[k + 1].kind != "ident":
                    break
                part: str | None = "." + toks[k + 1].text
                k += 2
            else:
                close = k + 2 if k + 2 < end and toks[k + 2].text == "]" else None
                part = _constant(toks[k + 1]) if close is not None else None
                k = close + 1 if close is not None else _past_bracket(toks, k, end)
            if part is None:
                constant = False
            elif constant:
                place.append(part)
        after = toks[k].text if k < end else ""
        if len(place) + (not constant) < 2:
            continue  # a plain name: rule_conflicts' check (a function's: undefined_functions')
        kind = "function" if after == "(" else "multi" if after == "contains" else "single"
        if after in _SINGLE_VALUE_AFTER or after in ("contains", "", "("):
            yield _Head(tuple(place), constant, kind,
                        source[toks[h].offset:toks[k - 1].offset + len(toks[k - 1].text)], toks[h].offset, own)


def _constant(tok: Token) -> str | None:
    """The part a single token in brackets stands for, written as OPA prints it (``["b"]`` as ``.b``), or None (a
    var or an expression)."""
    if tok.kind == "string":
        text = json.loads(tok.text) if tok.text.startswith('"') else tok.text[1:-1]
        return f".{text}" if _IDENT.fullmatch(text) else f"[{json.dumps(text)}]"
    if tok.kind == "number" or tok.text in _CONSTANT_WORDS:
        return f"[{tok.text}]"
    return None


def _past_bracket(toks: list[Token], k: int, end: int) -> int:
    depth = toks[k].depth
    return next((j + 1 for j in range(k + 1, end) if toks[j].depth == depth and toks[j].text == "]"), end)


def keyed_extent_refusals(source: str, package_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each rule of ``source`` at a constant place inside the extent of a rule with a var
    (``q.k := 1`` beside ``q[k] := v``; either may be the one in ``source``), refused on regorus.

    OPA allows the pair (compile_test.go: "single-value rule with known and unknown key") and reads ``q.k`` from
    both: the value either gives, or "object keys must be unique" where both give one. regorus 0.13.0 read ``q.k``
    from ``q.k``'s rules alone: undefined where only ``q[k]`` gives it, ``3`` where ``q.k := 3`` and ``q[k]`` gives
    1 (measured; ``q`` read whole, or ``q[y]`` with ``y`` bound, was right). regopy 1.5.2 answered as OPA.
    """
    heads = list(_heads(source, True))
    for other in package_sources:
        heads.extend(_heads(other, False))
    seen: set[int] = set()
    for wide in (h for h in heads if not h.constant):
        for head in heads:
            inside = len(head.place) > len(wide.place) and head.place[:len(wide.place)] == wide.place
            at = head.offset if head.own else wide.offset if wide.own else None
            if not inside or at is None or at in seen:
                continue
            seen.add(at)
            yield at, (f"rule `{head.text}` lies inside `{wide.text}`, whose ref holds a var: OPA reads "
                       f"`{''.join(head.place)}` from both (or stops: object keys must be unique), regorus 0.13.0 "
                       f"from `{head.text}` alone; natpolicy refuses it on regorus: give one of them another name")
