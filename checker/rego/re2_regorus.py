"""regorus' ``regex.*`` calls handed each pattern as Go's RE2 reads it (``natpolicy.rego.re2_syntax``).

regorus 0.13.0 compiles patterns with Rust's ``regex``: ``\\d \\w \\s \\b`` are Unicode's there (Go: ASCII),
``[a[b]]``, ``\\<``, ``a{01}`` mean other things, and ``a**`` is taken where Go refuses it (measured; the
module docstring of ``re2_syntax`` lists them). So each pattern operand of ``regex.match``, ``regex.split``,
``regex.find_n``, ``regex.find_all_string_submatch_n``, ``regex.replace`` (its second) and
``regex.is_valid`` is written in the form Rust reads as Go reads the original:

* a literal (``"^\\\\d+$"``, a raw string) at rewrite time, in place (no run-time cost; a raw string stays
  raw, so its newlines stay and no line moves). One Go refuses is refused by line before anything runs
  (:func:`re2_refusals`, both engines); under ``regex.is_valid`` it becomes ``"("``, which regorus finds
  invalid too (OPA: false);
* any other operand (input, data, a variable, ``concat``/``sprintf``, builtin_errors'
  ``__natpolicy_if_string(...)``) wrapped, on its line, in a call of :func:`opa_re2_pattern`
  (``add_extension``), which writes a string the same way at run time and stops the query, at the
  policy's line, where Go refuses it; under ``regex.is_valid`` in :func:`opa_re2_valid_pattern`, which
  answers ``"("`` there instead. Any other value passes through, so the builtin reports it as before.

A builtin replaced with ``with regex.match as f`` would hand ``f`` the rewritten text: refused on regorus.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from natpolicy.rego.re2_syntax import Re2SyntaxError, rust_pattern
from natpolicy.rego.source import Token, call_arguments, tokens, with_targets

__all__ = ["PATTERN_EXTENSION", "VALID_EXTENSION", "PATTERN_OPERAND", "opa_re2_pattern", "opa_re2_valid_pattern",
           "re2_for_regorus", "re2_refusals", "re2_mock_refusals", "literal_text", "call_operands"]

PATTERN_EXTENSION = "__natpolicy_re2_pattern"
VALID_EXTENSION = "__natpolicy_re2_valid_pattern"
# The operand that is a regular expression, of each builtin reading one as RE2 (re_match: regex.match's old name).
PATTERN_OPERAND = {"regex.match": 0, "re_match": 0, "regex.split": 0, "regex.find_n": 0,
                   "regex.find_all_string_submatch_n": 0, "regex.replace": 1, "regex.is_valid": 0}
_INVALID = "("  # a pattern both Go and Rust refuse: regex.is_valid of a pattern Go refuses answers false


@functools.lru_cache(maxsize=1024)
def _rust_or_error(pattern: str) -> tuple[str, str]:
    """(the Rust form, "") or ("", Go's error without the pattern's text)."""
    try:
        return rust_pattern(pattern), ""
    except Re2SyntaxError as exc:
        return "", exc.code


def opa_re2_pattern(value: Any) -> Any:
    """A pattern string as Rust reads it the way Go reads it; a stop where Go refuses it; any other value as is."""
    if not isinstance(value, str):
        return value
    rust, error = _rust_or_error(value)
    if error:
        # The pattern is not echoed: it may be the input's own text.
        raise ValueError(f"error parsing regexp: {error} (a regular expression Go's RE2 refuses: OPA reports an "
                         "error, regorus 0.13.0 would read it; natpolicy stops)")
    return rust


def opa_re2_valid_pattern(value: Any) -> Any:
    """As :func:`opa_re2_pattern`, for ``regex.is_valid``: a pattern Go refuses becomes one regorus refuses too."""
    if not isinstance(value, str):
        return value
    rust, error = _rust_or_error(value)
    return _INVALID if error else rust


def literal_text(tok: Token) -> str | None:
    """The text of a string or raw string token, or None (not a literal, or no text Python holds as UTF-8)."""
    if tok.kind == "raw":
        return tok.text[1:-1]
    if tok.kind != "string":
        return None
    try:
        text = json.loads(tok.text)
        text.encode("utf-8")  # a lone surrogate escape (\ud800) is left to the engine as written
    except (ValueError, UnicodeEncodeError):
        return None
    return str(text)


def _call_name(toks: list[Token], i: int) -> str:
    """The builtin named at ``toks[i]`` when a call of one of PATTERN_OPERAND starts there, else ""."""
    tok = toks[i]
    if tok.kind != "ident" or (i > 0 and toks[i - 1].text == "."):
        return ""
    if tok.text == "re_match":
        name, open_at = "re_match", i + 1
    elif tok.text == "regex" and i + 3 < len(toks) and toks[i + 1].text == "." and toks[i + 2].kind == "ident":
        name, open_at = f"regex.{toks[i + 2].text}", i + 3
    else:
        return ""
    if name not in PATTERN_OPERAND or open_at >= len(toks) or toks[open_at].text != "(":
        return ""
    return name


def call_operands(toks: list[Token]) -> Iterator[tuple[str, int, int]]:
    """(builtin, first token, last token) of the pattern operand of each call reading a regular expression."""
    for i in range(len(toks)):
        name = _call_name(toks, i)
        if not name:
            continue
        operands = call_arguments(toks, i + 1 if name == "re_match" else i + 3)
        position = PATTERN_OPERAND[name]
        if position < len(operands) and operands[position][0] <= operands[position][1]:
            yield name, *operands[position]


def re2_refusals(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each literal pattern Go's RE2 refuses (OPA: an error), but under regex.is_valid."""
    for name, first, last in call_operands(toks):
        text = literal_text(toks[first]) if first == last else None
        if text is None or name == "regex.is_valid":
            continue
        try:
            rust_pattern(text)
        except Re2SyntaxError as exc:
            yield toks[first].offset, (f"{name}(...) with a regular expression Go's RE2 refuses ({exc}): OPA "
                                       "reports an error, where regorus 0.13.0 or regopy 1.5.2 may read it "
                                       "(`a**`, `a{2}{3}`); natpolicy refuses it")


def re2_mock_refusals(toks: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``with regex.X as`` replacing a builtin whose pattern natpolicy rewrites."""
    for offset, name in with_targets(toks):
        if name in PATTERN_OPERAND:
            yield offset, (f"{name} replaced with `with`: on regorus 0.13.0 natpolicy hands the builtin each pattern "
                           "rewritten for Rust's regex (as Go's RE2 reads it), which the stand-in would be handed; "
                           "natpolicy refuses it: run with --rego-engine regopy")


def re2_for_regorus(source: str) -> str:
    """``source`` with each pattern operand written as Rust reads it the way Go does (no line moves)."""
    if "regex" not in source and "re_match" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for name, first, last in call_operands(toks):
        start, end = toks[first].offset, toks[last].offset + len(toks[last].text)
        text = literal_text(toks[first]) if first == last else None
        if text is not None:
            rust, error = _rust_or_error(text)
            if not error:
                edits.append((start, end, _literal(rust, toks[first].kind == "raw")))
                continue
            if name == "regex.is_valid":
                edits.append((start, end, json.dumps(_INVALID)))
                continue
        wrapper = VALID_EXTENSION if name == "regex.is_valid" else PATTERN_EXTENSION
        edits += [(start, start, f"{wrapper}("), (end, end, ")")]
    if not edits:
        return source
    # Point insertions and replacements, last first; at one offset a `)` before an opening.
    out = source
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1], e[2] != ")"), reverse=True):
        out = out[:start] + text + out[end:]
    return out


def _literal(pattern: str, raw: bool) -> str:
    """A Rego string literal of ``pattern``: raw where the original was (its newlines stay), else JSON."""
    if raw and "`" not in pattern:
        return f"`{pattern}`"
    return json.dumps(pattern, ensure_ascii=False)
