"""OPA's ``count`` of a string on regorus: its characters (runes), not its UTF-16 code units.

regorus 0.13.0 counts a string's UTF-16 code units, measured: ``count("😀")`` and
``count("𝄞")`` are 2 there, ``count("中")`` and ``count("é")`` 1. OPA
(``builtinCount`` in ``v1/topdown/aggregates.go``) counts runes: 1 for each.
Every other builtin regorus answers that counts or indexes text by character
(``substring``, ``indexof``, ``indexof_n``, ``strings.reverse``, the ``trim``
family, ``split(s, "")``, ``regex.*``, ``sprintf``'s width and precision, which
is natpolicy's own) already counts runes, measured with text outside the Basic
Multilingual Plane (docs/rego.md).

Replacing ``count`` itself would hand every array, set and object counted to
Python (a plan's ``resource_changes`` on each call), so only its first argument
is wrapped, on its line: ``count(X)`` becomes ``count(__natpolicy_count_arg(X))``,
a function that hands a string to :func:`opa_rune_text` and anything else back
untouched, so ``count`` still reports a wrong argument at the policy's call.
"""
from __future__ import annotations

from typing import Any

from natpolicy.rego.source import matching_close, tokens, with_targets

__all__ = ["RUNES_EXTENSION", "CHECKED_EXTENSION", "COUNT_SITE", "opa_rune_text", "opa_rune_text_checked",
           "mocks_count", "count_for_regorus"]

RUNES_EXTENSION = "__natpolicy_rune_text"
# Where a loaded module replaces count with `with count as f`, f would be handed the stand-in text: the wrapper
# hands the text over untouched instead, and stops where it holds a character regorus counts as two.
CHECKED_EXTENSION = "__natpolicy_rune_text_checked"
COUNT_SITE = "count call at line "
_WRAPPER = "__natpolicy_count_arg"


def _helper(v0: bool, count_mocked: bool) -> str:
    assign, body_if, other = ("=", "", "= ") if v0 else (":=", "if ", ":= ")
    line, call = (", __natpolicy_line", f"{CHECKED_EXTENSION}(__natpolicy_x, __natpolicy_line)") if count_mocked \
        else ("", f"{RUNES_EXTENSION}(__natpolicy_x)")
    return (f"{_WRAPPER}(__natpolicy_x{line}) {assign} __natpolicy_r {body_if}{{ is_string(__natpolicy_x); "
            f"__natpolicy_r := {call} }} else {other}__natpolicy_x\n")


_FIRST_PAST_BMP = "\U00010000"
# A stand-in of one UTF-16 code unit, never read: the text only goes to `count`.
_ONE_UNIT = "\ufffd"


def opa_rune_text(text: Any) -> str:
    """``text`` with each character outside the Basic Multilingual Plane as one code unit: regorus' count is OPA's."""
    if not isinstance(text, str):
        raise TypeError("count: operand 1 must be string")
    if text.isascii() or max(text) < _FIRST_PAST_BMP:
        return text
    return "".join(_ONE_UNIT if char >= _FIRST_PAST_BMP else char for char in text)


def opa_rune_text_checked(text: Any, line: Any) -> str:
    """``text`` untouched where regorus counts it as OPA does; else a stop naming the call's ``line``
    (``count`` is replaced by ``with``), which engine_regorus puts in place of the wrapper's (COUNT_SITE)."""
    if not isinstance(text, str):
        raise TypeError("count: operand 1 must be string")
    if text.isascii() or max(text) < _FIRST_PAST_BMP:
        return text
    raise ValueError(f"{COUNT_SITE}{line}: count of text holding a character outside the Basic Multilingual "
                     "Plane (an emoji) while a loaded policy replaces count with `with`: regorus 0.13.0 counts such "
                     "a character as two, OPA as one; natpolicy refuses it: run with --rego-engine opa")


def mocks_count(source: str) -> bool:
    """Does ``source`` replace ``count`` with ``with count as ...``?"""
    return "count" in source and any(name == "count" for _, name in with_targets(tokens(source)))


def count_for_regorus(source: str, v0: bool = False, count_mocked: bool = False) -> str:
    """``source`` with the first argument of each ``count(`` call wrapped (no line moves), and the wrapper appended.

    An argument that is surely no string (an array, set or object literal or comprehension) is left alone.
    """
    if "count" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int]] = []  # (offset of the argument's first character, offset past its last)
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "count" or (i and toks[i - 1].text == "."):
            continue
        if i + 2 >= len(toks) or toks[i + 1].text != "(" or toks[i + 2].text in ("[", "{", ")"):
            continue
        close = matching_close(toks, i + 1)
        if close is None:
            continue
        inner = toks[i + 1].depth + 1
        end = next((j for j in range(i + 2, close) if toks[j].depth == inner and toks[j].text == ","), close)
        if toks[i + 2].text == "set" and end == i + 5:  # set(): the empty set
            continue
        last = toks[end - 1]
        edits.append((toks[i + 2].offset, last.offset + len(last.text)))
    if not edits:
        return source
    # Point insertions, so a count inside another's argument is wrapped too; at one offset a `)` goes first.
    def closing(start: int) -> str:  # with the call's line where the wrapper may stop
        return f", {source.count(chr(10), 0, start) + 1})" if count_mocked else ")"

    inserts = sorted([(start, 1, f"{_WRAPPER}(") for start, _ in edits]
                     + [(stop, 0, closing(start)) for start, stop in edits])
    pieces, at = [], 0
    for offset, _, text in inserts:
        pieces += [source[at:offset], text]
        at = offset
    out = "".join(pieces) + source[at:]
    return out + ("" if out.endswith("\n") else "\n") + _helper(v0, count_mocked)
