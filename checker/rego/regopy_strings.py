"""Strings regopy 1.5.2 holds otherwise than OPA: rewrite what is exact, stop or refuse the rest.

rego-cpp keeps every string in its JSON-escaped form (``a"b`` is the four
characters ``a\\"b``; ``engine_regopy`` hands ``input`` and ``data`` over in
that form, so ``==``, ``startswith``, ``split``, ``replace``, ``concat`` and
``json.marshal`` agree with OPA). Measured on literals, ``input`` and ``data``
(tests/test_rego_regopy_strings.py):

* a string literal written with another escape than that form (``"\\u00e9"``,
  ``"\\/"``, ``"\\u0022"``) stays as written: ``"\\u00e9" == input.s`` is false
  where ``s`` is ``é``. Each literal is rewritten to the escaped form, which is
  exact (``canonical_literal_edits``).
* the builtins in ``ESCAPED_FORM`` read the escaped form of a string holding
  ``"``, ``\\`` or a control character: ``count("a\\"b")`` is 4 (OPA: 3),
  ``indexof`` and ``substring`` count its escapes, ``regex.match("a.b", s)`` is
  false, ``trim``, ``upper`` and ``strings.reverse`` break the result, the hashes
  and encodings digest the escapes. ``BYTEWISE`` ones also read non-ASCII text
  byte by byte (``regex.match("a.b", "aéb")``, ``glob.match("a?b", [], "aéb")``
  false; ``upper("é")`` is ``é``, ``lower("É")`` is ``É``; ``hex.encode`` sign-extends each byte).
  Each argument of such a call that is not a literal, nor surely a collection,
  is wrapped in a function that passes it on unless it is a string holding
  such a character, where it stops the query (``REFUSE``), worded by
  ``engine_regopy`` with the calls and the first such string's path in the
  input. A literal argument holding one is refused before anything runs
  (``literal_refusals``).
* ``split(s, "")`` splits the escaped form into its characters (``\\`` and ``n`` for a line break): ``s`` is
  wrapped as above. A separator that is no literal may be ``""`` when it runs: the call goes through ``SPLIT``,
  which checks ``s`` only then.
* a search of the escaped form may match inside an escape (``"a\\n"`` ends with ``n``, ``"\\u0001"`` holds
  ``00``): ``ALIGNED(s, t)`` holds where it cannot (``s`` holds no escape; or only `"`; or no control
  character and ``t`` no escape; or ``t`` no character an escape holds). ``split`` by a separator that is no
  literal, or a literal an escape may hold, goes through ``SPLIT``; ``contains``, ``endswith``, ``replace``,
  ``trim_suffix`` and ``strings.any_suffix_match`` are renamed (``regopy_builtins``); elsewhere they stop.
"""
from __future__ import annotations

import json
import re

from natpolicy.rego.operand_kinds import GUARD_PARAMETER
from natpolicy.rego.regopy_patterns import (
    PATTERN,
    PATTERN_ARGUMENT,
    PATTERN_HELPERS,
    SUBJECT_ARGUMENT,
    pattern_refusal,
    patterns_refused,
)
from natpolicy.rego.source import Token, dotted_name, matching_close

__all__ = ["ESCAPED_FORM", "BYTEWISE", "PLAIN", "SPLIT", "ALIGNED", "CHECKED", "ASCII", "STRING_HELPERS", "PATTERN",
           "PATTERN_HELPERS", "canonical_literal_edits", "string_call_edits", "exact_search", "literal_refusals",
           "string_calls", "patterns_refused"]

PLAIN = "__natpolicy_plain"
SPLIT = "__natpolicy_split"
ALIGNED = "__natpolicy_aligned"
CHECKED = "__natpolicy_checked"
ASCII = "__natpolicy_ascii"
CASEABLE = "__natpolicy_caseable"
# Read the escaped form of a string holding `"`, `\` or a control character (measured on regopy 1.5.2).
ESCAPED_FORM = frozenset({
    "count", "indexof", "indexof_n", "substring", "trim", "trim_left", "trim_right", "trim_prefix", "trim_suffix",
    "trim_space", "strings.reverse", "base64.encode", "base64url.encode", "base64url.encode_no_pad",
    "urlquery.encode", "crypto.md5", "crypto.sha1", "crypto.sha256", "crypto.hmac.md5", "crypto.hmac.sha1",
    "crypto.hmac.sha256", "crypto.hmac.sha512",
})
# The same, and non-ASCII text read byte by byte (or, for upper and lower, left as it is: lower("ÉÜ") is "ÉÜ").
BYTEWISE = frozenset({
    "upper", "lower", "hex.encode", "glob.match", "regex.match", "regex.find_n", "regex.replace", "regex.split",
    "regex.find_all_string_submatch_n", "regex.template_match", "regex.globs_match",
})
# Patterns are read decoded by regopy (regex.match("\\\\", s) finds a backslash): their literals are not refused.
_PATTERN_CALLS = frozenset(n for n in BYTEWISE if n.startswith(("regex.", "glob.")))
# trim_prefix(s, p) and trim_suffix(s, p) are exact on the escaped form of `s` when `p` holds nothing to escape
# (an escape starts with `\`, which such a `p` never holds): only `p` is checked.
_AFFIX_CALLS = frozenset({"trim_prefix", "trim_suffix"})
_CONTROL_OR_ESCAPED = re.compile(r'["\\\x00-\x1f]')
# What a search may match inside an escape of the held form (`\"`, `\\`, `\n`, `\u001f`): see ALIGNED.
_IN_ESCAPES = re.compile(r'["\\\x00-\x1fbfnrtu0-9a-fA-F]')

# A one-character string holding a backslash: every literal holds it escaped (`"\\"` is two characters on
# regopy), the first character of that is one. The escaped form of a string holds a backslash exactly when the
# string holds `"`, `\` or a control character. regex.match on the escaped form is exact for printable ASCII.
STRING_HELPERS = r"""
__natpolicy_plain(__natpolicy_x) := __natpolicy_x if not is_string(__natpolicy_x)
__natpolicy_plain(__natpolicy_x) := __natpolicy_x if {
  is_string(__natpolicy_x); not contains(__natpolicy_x, substring("\\", 0, 1))
}
__natpolicy_plain(__natpolicy_x) := __natpolicy_fmt_refused([__natpolicy_x, 0]) if {
  is_string(__natpolicy_x); contains(__natpolicy_x, substring("\\", 0, 1))
}
__natpolicy_split(__natpolicy_x, __natpolicy_y) := __natpolicy_checked(
  split(__natpolicy_x, __natpolicy_y), __natpolicy_aligned(__natpolicy_x, __natpolicy_y)) if __natpolicy_y != ""
__natpolicy_aligned(__natpolicy_x, __natpolicy_y) := true if not is_string(__natpolicy_x)
else := true if not is_string(__natpolicy_y)
else := true if not contains(__natpolicy_x, substring("\\", 0, 1))
else := true if {
  not contains(__natpolicy_y, substring("\\", 0, 1))
  not contains(replace(replace(__natpolicy_x, "\\", ""), "\"", ""), substring("\\", 0, 1))
}
else := true if not contains(replace(__natpolicy_x, "\"", ""), substring("\\", 0, 1))
else := true if not regex.match(`[\\bfnrtu0-9a-fA-F]`, __natpolicy_y)
else := false
__natpolicy_checked(__natpolicy_v, __natpolicy_a) := __natpolicy_v if __natpolicy_a
else := __natpolicy_fmt_refused([__natpolicy_v, 0])
__natpolicy_split(__natpolicy_x, __natpolicy_y) := split(__natpolicy_plain(__natpolicy_x), "") if __natpolicy_y == ""
__natpolicy_ascii(__natpolicy_x) := __natpolicy_x if not is_string(__natpolicy_x)
__natpolicy_ascii(__natpolicy_x) := __natpolicy_x if { is_string(__natpolicy_x); __natpolicy_printable(__natpolicy_x) }
__natpolicy_ascii(__natpolicy_x) := __natpolicy_fmt_refused([__natpolicy_x, 0]) if {
  is_string(__natpolicy_x); not __natpolicy_printable(__natpolicy_x)
}
__natpolicy_caseable(__natpolicy_x) := __natpolicy_x if not is_string(__natpolicy_x)
__natpolicy_caseable(__natpolicy_x) := __natpolicy_x if {
  is_string(__natpolicy_x); regex.match(`^([ -\[\]-~]|\\[\\"])*$`, __natpolicy_x)
}
__natpolicy_caseable(__natpolicy_x) := __natpolicy_fmt_refused([__natpolicy_x, 0]) if {
  is_string(__natpolicy_x); not regex.match(`^([ -\[\]-~]|\\[\\"])*$`, __natpolicy_x)
}
__natpolicy_printable(__natpolicy_x) if {
  regex.match("^[ -~]*$", __natpolicy_x); not contains(__natpolicy_x, substring("\\", 0, 1))
}
"""


def canonical_literal_edits(toks: list[Token]) -> list[tuple[int, int, str]]:
    """Each string literal rewritten in the escaped form regopy holds input strings in (``"\\u00e9"`` -> ``"é"``)."""
    edits: list[tuple[int, int, str]] = []
    for tok in toks:
        if tok.kind != "string":
            continue
        try:
            text = json.loads(tok.text)
            canonical = json.dumps(text, ensure_ascii=False)
            canonical.encode("utf-8")  # a lone surrogate (\ud800) has no UTF-8 form: left as written
        except (ValueError, UnicodeEncodeError):
            continue
        if canonical != tok.text:
            edits.append((tok.offset, tok.offset + len(tok.text), canonical))
    return edits


def string_calls(toks: list[Token]) -> list[tuple[int, str, list[tuple[int, int]]]]:
    """(token index, builtin name, [(first, last) token index of each argument]) of each affected call."""
    out = []
    for i in range(len(toks)):
        name = _call_name(toks, i)
        if name not in ESCAPED_FORM and name not in BYTEWISE and name != "split" and name not in PATTERN_ARGUMENT:
            continue
        open_at = i + 2 * name.count(".") + 1
        close = matching_close(toks, open_at)
        if close is None:
            continue
        args, start = [], open_at + 1
        for k in range(open_at + 1, close + 1):
            if k == close or (toks[k].text == "," and toks[k].depth == toks[open_at].depth + 1):
                if k > start:
                    args.append((start, k - 1))
                start = k + 1
        out.append((i, name, args))
    return out


def string_call_edits(toks: list[Token]) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Edits wrapping each argument that may be a string in ``PLAIN(...)`` / ``ASCII(...)``; (offset, name) of
    each call wrapped."""
    edits: list[tuple[int, int, str]] = []
    sites: list[tuple[int, str]] = []
    for i, name, args in string_calls(toks):
        if name == "split":
            # split(s, "") splits the escaped form into its characters; a literal separator that holds nothing
            # an escape does (`\`, `"`, a letter of \n or \u001f) finds the same places in the escaped form.
            if len(args) != 2 or _literal(toks, args[1]) and not _IN_ESCAPES.search(_text(toks[args[1][0]])) \
                    and toks[args[1][0]].text != '""':
                continue
            if toks[args[1][0]].text != '""' or args[1][0] != args[1][1]:
                # split through SPLIT, which checks `s` where the separator is "" when it runs, or may match
                # inside an escape (rego_differential --strings: split(t, u) of a `u` that was "" was silent)
                edits.append((toks[i].offset, toks[i].offset + len(toks[i].text), SPLIT))
                sites.append((toks[i].offset, name))
                continue
            args = args[:1]
        # upper and lower read `"` and `\` right (`\"` is its own case), not a control character (`\n` -> `\N`).
        wrapper = CASEABLE if name in ("upper", "lower") else ASCII if name in BYTEWISE else PLAIN
        wrapped = False
        for position, (first, last) in enumerate(args):
            if name in _AFFIX_CALLS and position == 0:
                continue  # the escaped form starts (ends) with a plain affix exactly when the string does
            if name == "regex.is_valid" and position != PATTERN_ARGUMENT[name]:
                continue  # only its pattern is read
            if first == last and toks[first].kind in ("string", "raw", "number"):
                continue  # a literal: refused before anything runs when it holds such a character
            if first == last and toks[first].text == GUARD_PARAMETER:
                continue  # a guard of builtin_errors, which reads the escaped form knowingly (operand_kinds)
            if toks[first].text in ("[", "{") and matching_close(toks, first) == last:
                continue  # an array, set or object literal or comprehension: never a string
            if any(t.text == "_" for t in toks[first:last + 1]):
                continue  # regopy refuses `_` inside a call's argument on its own (guards name it first)
            end = toks[last].offset + len(toks[last].text)
            wrap = PATTERN if position == PATTERN_ARGUMENT.get(name) else wrapper
            edits += [(end, end, ")"), (toks[first].offset, toks[first].offset, f"{wrap}(")]
            wrapped = True
        if wrapped:
            sites.append((toks[i].offset, name))
    return edits, sites


def exact_search(literal: Token) -> bool:
    """Whether a string literal searched for in the escaped form finds exactly what the text holds: it holds
    nothing an escape does (`"`, `\\`, a control character, a letter of \\n or a hex digit of \\u001f)."""
    # (not "": replace with an empty pattern never ends on regopy, regopy_builtins stops it)
    return literal.kind in ("string", "raw") and _text(literal) != "" and not _IN_ESCAPES.search(_text(literal))


def _literal(toks: list[Token], arg: tuple[int, int]) -> bool:
    return arg[0] == arg[1] and toks[arg[0]].kind in ("string", "raw")


def literal_refusals(toks: list[Token]) -> list[tuple[int, str]]:
    """(offset, message) of each literal argument regopy would read in its escaped form or byte by byte."""
    out = []
    for i, tok in enumerate(toks):
        # A literal compared with <, <=, > or >=: regopy compares its escaped form (`"a\"" < "a#"` is false).
        if tok.kind == "op" and tok.text in ("<", "<=", ">", ">="):
            for side in (toks[i - 1] if i else None, toks[i + 1] if i + 1 < len(toks) else None):
                if side is not None and side.kind in ("string", "raw") and _CONTROL_OR_ESCAPED.search(_text(side)):
                    out.append((side.offset, f"a string holding `\"`, `\\` or a control character compared with "
                                             f"{tok.text}: regopy 1.5.2 compares its JSON-escaped form; natpolicy "
                                             "refuses it: run with --rego-engine regorus"))
    for _, name, args in string_calls(toks):
        if name == "split":
            continue
        for position, (first, last) in enumerate(args):
            tok = toks[first]
            if first != last or tok.kind not in ("string", "raw"):
                continue
            text = _text(tok)
            if position == PATTERN_ARGUMENT.get(name):
                refusal = pattern_refusal(name, text)
                if refusal:
                    out.append((tok.offset, refusal))
                    break
                continue
            if (name in _PATTERN_CALLS or name in PATTERN_ARGUMENT) and position != SUBJECT_ARGUMENT.get(name):
                continue  # a pattern (read decoded), a count, delimiters
            nonascii = name in BYTEWISE and not text.isascii()
            if _CONTROL_OR_ESCAPED.search(text) or nonascii:
                what = "a non-ASCII character" if nonascii and not _CONTROL_OR_ESCAPED.search(text) \
                    else "`\"`, `\\` or a control character"
                out.append((tok.offset, f"{name}(...) of a string holding {what}: regopy 1.5.2 reads such a "
                                        f"string in its JSON-escaped form or byte by byte (count(\"a\\\"b\") is 4 "
                                        "there, 3 in OPA); natpolicy refuses it: run with --rego-engine regorus"))
                break
    return out


def _text(tok: Token) -> str:
    return tok.text[1:-1] if tok.kind == "raw" else _decoded(tok.text)


def _decoded(literal: str) -> str:
    try:
        value = json.loads(literal)
    except ValueError:
        return literal
    return value if isinstance(value, str) else literal


def _call_name(toks: list[Token], i: int) -> str:
    """``a.b.c`` when a call of that dotted name starts at ``i``, else ""."""
    if toks[i].kind != "ident" or (i > 0 and toks[i - 1].text == "."):
        return ""
    name, j = dotted_name(toks, i, len(toks))
    return name if j + 1 < len(toks) and toks[j + 1].text == "(" else ""
