"""OPA's ``sprintf`` answers on regopy 1.5.2, by rewriting each call into ``concat`` in Rego.

regopy has no way to add a builtin, and its own ``sprintf`` differs from
OPA's wherever an argument's kind does not suit its verb (measured):
``%s`` of 22 is ``22`` (OPA: ``%!s(int=22)``), ``%d`` of 1.5 or "a" is
undefined (OPA: ``%!d(float64=1.5)``, ``%!d(string=a)``), ``%f`` of 22 is
``22.000000`` (OPA: ``%!f(int=22)``), a non-integer prints with 16 digits
(``742.0700000000001``) and never in exponent form from 1e6 up (OPA's Go prints
the shortest digits that read back, ``742.07``), and a string made by a function, formatted beside other
text, leaks its quotes into invalid JSON (rego-cpp#201).

So a call whose format is a literal string and whose arguments are a literal
array becomes a ``concat`` of the format's text and one piece per verb, each
given by a function appended to the module, chosen by the verb, that gives
OPA's text for the argument:

    sprintf("%s: %5d", [a, b])  ->  concat("", [__natpolicy_fmt_s(a), ": ", sprintf("%5d", [__natpolicy_fmt_int(b)])])

``%s``, ``%v`` and ``%d`` are answered for every kind of value, and a verb
with no argument left prints ``%!d(MISSING)`` as Go does; ``%d`` with flags or
a width keeps regopy's formatting for integers only; the float verbs
(``%.2f``, ``%e``, ``%.3g``) keep it for non-integers, and print an integer as
Go's bad verb (``%!f(int=05)``: the integer under the verb's flags, formatted by
regopy's ``%d``, which pads as Go's does); ``%q`` and a width on
``%s``/``%v`` (``%-40s``: padded with spaces) for a string of printable ASCII
without ``"`` or ``\\``, which Go quotes and counts as written (a string regopy
holds escaped, or a rune Go counts or quotes otherwise, stops). A value the functions
cannot print as OPA does (a non-integer regopy would print otherwise, an
integer past 2^53, a string given to a float verb, a string inside a collection
holding a rune Go's ``%v`` escapes, which regopy prints as it is: DEL,
U+00A0, U+200B) calls a function with two
different answers, so the query stops with regopy's "functions must not
produce multiple outputs" error, which the regopy engine words as a refusal.
Everything else (another verb, a computed format, arguments that are not a
literal array, more arguments than verbs) is refused before anything runs
(``guards``). The call keeps its line count, so later lines keep their numbers.
"""
from __future__ import annotations

import json
import re

from natpolicy.rego.go_printable import PRINTABLE_RANGES
from natpolicy.rego.number_texts import whole_float
from natpolicy.rego.number_texts_regopy import FLOAT_TEXT
from natpolicy.rego.numbers_opa import go_number
from natpolicy.rego.source import Token, matching_close
from natpolicy.rego.sprintf_go import GoFormatRefused
from natpolicy.rego.sprintf_opa import SprintfRefused, opa_sprintf

__all__ = ["REFUSE", "HELPERS", "sprintf_edits", "private_locals", "go_printable_rules", "order_helpers"]

REFUSE = "__natpolicy_fmt_refused"
_S, _V, _D, _INT, _FRAC = ("__natpolicy_fmt_s", "__natpolicy_fmt_v", "__natpolicy_fmt_d", "__natpolicy_fmt_int",
                           "__natpolicy_fmt_frac")
_Q, _PAD = "__natpolicy_fmt_q", "__natpolicy_fmt_pad"
# Integers regopy compares exactly (2^53); OPA's Go int covers int64, but past 2^53 regopy holds floats.
_LOCAL = re.compile(r'"(?:[^"\\]|\\.)*"|\b(?P<name>x|v|a|b|e|i|j|k|w|r|t|arr|by_rank)\b')


def private_locals(helpers: str) -> str:
    """The helper functions' arguments and locals renamed ``__natpolicy_*``: on regopy a local variable named
    like a rule of the module (a rule `x` or `i`) reads the rule instead."""
    return _LOCAL.sub(lambda m: f"__natpolicy_{m.group('name')}" if m.group("name") else m.group(), helpers)


# A non-integer is printed with C's %.15g, whose digits, trailing zeros dropped, are the shortest that read back
# (Go's %v) wherever those are 15 or fewer, and placed as Go's %v places them below 1e6: regopy's own %v prints
# 16 digits (742.07 as 742.0700000000001, which reads back as the same float64, so the exactness test passed it).
# Shortest digits past 15 do not read back from 15 and stop (REFUSE). Inside a collection OPA prints a number as
# written (the term's text), which no engine keeps: regopy's own text stands where it is the shortest digits in
# plain form (1.5), and a collection holding another non-integer (742.07, which regopy writes with 16 digits; 1e-07)
# or an integer past 2^53 stops.
# REFUSE itself is defined by regopy_rewrite's helpers, appended with these. A collection's text holding `\u00`
# holds a control character regopy printed JSON-escaped (Go: `\x01`), or that text itself: refused either way.
# Any other rune Go's strconv.IsPrint rejects (DEL, U+00A0, U+200B) regopy prints as it is, where Go writes an
# escape: refused too (go_printable_rules). So is an object keyed by anything but strings: regopy prints its keys
# quoted (`{"1": "a"}`; OPA `{1: "a"}`). So is a set holding an array, object or set, which regopy lists by the
# elements' text (`{[10], [9]}`, OPA `{[9], [10]}`), and one it orders otherwise (order_helpers). (REFUSE([x, 0]),
# not REFUSE(x): regopy 1.5.2 evaluated the latter whatever the body for a constant x, measured.)
def order_helpers(prefix: str, quoted: bool) -> str:
    """``{prefix}misordered(v)``: ``v`` is an object or set whose keys or elements regopy 1.5.2 lists in
    another order than OPA (Go's order of the strings' bytes), measured in its `json.marshal` and `sprintf`:

    * it orders strings by their escaped form, where `"` and a control character start with `\\` (0x5c):
      ``{"a#": 1, "a\\"": 2}`` came out with ``a#`` first (OPA: ``a"``, 0x22, first);
    * with ``quoted`` (sets everywhere, objects in ``sprintf``), quoted: a string that another one continues
      with a space or ``!`` (below the closing quote, 0x22) came after it (``{"a b", "a"}``; OPA: ``a`` first).
    A backslash alone (held as two) keeps the order. Only an object or set of two keys or more is read, and a
    string is split into its characters only where it holds a space or ``!`` (a plan's keys seldom do: the split
    of every key of a whole plan given to ``sprintf`` met rego-cpp's statement limit, measured).
    """
    objects = f"{prefix}misordered(v) if {{ is_object(v); some k; v[k] = w; {prefix}low_key(k, v) }}\n"
    return private_locals(f"""
{prefix}misordered(v) if {{ is_object(v); count(v) > 1; some k; v[k] = w; {prefix}escaped(k) }}
{prefix}misordered(v) if {{ is_set(v); count(v) > 1; some k in v; {prefix}escaped(k) }}
{prefix}misordered(v) if {{ is_set(v); some k in v; {prefix}low_element(k, v) }}
{objects if quoted else ""}{prefix}escaped(k) if {{
  is_string(k); contains(replace(k, "\\\\", ""), substring("\\\\", 0, 1))
}}
{prefix}low_key(k, v) if {{
  is_string(k); regex.match("[ !]", k); some i, e in split(k, ""); e in {{" ", "!"}}; _ = v[substring(k, 0, i)]
}}
{prefix}low_element(k, v) if {{
  is_string(k); regex.match("[ !]", k); some i, e in split(k, ""); e in {{" ", "!"}}; substring(k, 0, i) in v
}}
""")


HELPERS = private_locals(f"""
__natpolicy_fmt_is_int(x) if {{ is_number(x); x == floor(x); abs(x) <= 9007199254740992 }}
__natpolicy_fmt_is_big(x) if {{ is_number(x); x == floor(x); abs(x) > 9007199254740992 }}
__natpolicy_fmt_is_frac(x) if {{ is_number(x); x != floor(x) }}
__natpolicy_fmt_exact(x, t) if {{ to_number(t) == x; abs(x) < 1000000 }}
__natpolicy_fmt_float(x) := t if {{ t := sprintf("%.15g", [x]); __natpolicy_fmt_exact(x, t) }}
__natpolicy_fmt_float(x) := {REFUSE}(x) if {{ not __natpolicy_fmt_exact(x, sprintf("%.15g", [x])) }}
__natpolicy_fmt_text(x) := x if is_string(x)
__natpolicy_fmt_text(x) := t if {{
  not is_string(x); not is_number(x); t := sprintf("%v", [x]); __natpolicy_fmt_as_go(t); not __natpolicy_fmt_keyed(x)
  not __natpolicy_fmt_odd(x)
}}
__natpolicy_fmt_text(x) := {REFUSE}([x, 0]) if {{
  not is_string(x); not is_number(x); not __natpolicy_fmt_as_go(sprintf("%v", [x]))
}}
__natpolicy_fmt_text(x) := {REFUSE}([x, 0]) if {{ not is_string(x); not is_number(x); __natpolicy_fmt_keyed(x) }}
__natpolicy_fmt_text(x) := {REFUSE}([x, 0]) if {{ not is_string(x); not is_number(x); __natpolicy_fmt_odd(x) }}
__natpolicy_fmt_keyed(x) if {{ walk(x, [a, v]); is_object(v); some k; v[k] = w; not is_string(k) }}
__natpolicy_fmt_odd(x) if {{ walk(x, [a, v]); __natpolicy_fmt_odd_node(v) }}
__natpolicy_fmt_odd_node(x) if __natpolicy_fmt_is_big(x)
__natpolicy_fmt_odd_node(x) if {{ __natpolicy_fmt_is_frac(x); not __natpolicy_fmt_as_written(x) }}
__natpolicy_fmt_odd_node(x) if __natpolicy_fmt_misordered(x)
__natpolicy_fmt_odd_node(x) if {{ is_set(x); count(x) > 1; some e in x; not __natpolicy_fmt_scalar(e) }}
__natpolicy_fmt_scalar(e) if is_string(e)
__natpolicy_fmt_scalar(e) if is_number(e)
__natpolicy_fmt_scalar(e) if is_boolean(e)
__natpolicy_fmt_scalar(e) if is_null(e)
__natpolicy_fmt_as_written(x) if {{ abs(x) >= 0.0001; abs(x) < 1000000; sprintf("%v", [x]) == sprintf("%.15g", [x]) }}
__natpolicy_fmt_as_go(t) if {{ not contains(t, "\\\\u00"); regex.match("^[ -~]*$", t) }}
__natpolicy_fmt_as_go(t) if {{
  not contains(t, "\\\\u00"); not regex.match("^[ -~]*$", t)
  every e in {{e | some e in split(t, ""); not regex.match("^[ -~]$", e)}} {{ __natpolicy_fmt_go_prints(e) }}
}}
{_S}(x) := __natpolicy_fmt_text(x) if not is_number(x)
{_S}(x) := concat("", ["%!s(int=", format_int(x, 10), ")"]) if __natpolicy_fmt_is_int(x)
{_S}(x) := concat("", ["%!s(float64=", __natpolicy_fmt_float(x), ")"]) if __natpolicy_fmt_is_frac(x)
{_S}(x) := {REFUSE}(x) if __natpolicy_fmt_is_big(x)
{_V}(x) := __natpolicy_fmt_text(x) if not is_number(x)
{_V}(x) := format_int(x, 10) if __natpolicy_fmt_is_int(x)
{_V}(x) := __natpolicy_fmt_float(x) if __natpolicy_fmt_is_frac(x)
{_V}(x) := {REFUSE}(x) if __natpolicy_fmt_is_big(x)
{_D}(x) := format_int(x, 10) if __natpolicy_fmt_is_int(x)
{_D}(x) := concat("", ["%!d(float64=", __natpolicy_fmt_float(x), ")"]) if __natpolicy_fmt_is_frac(x)
{_D}(x) := concat("", ["%!d(string=", __natpolicy_fmt_text(x), ")"]) if not is_number(x)
{_D}(x) := {REFUSE}(x) if __natpolicy_fmt_is_big(x)
{_INT}(x) := x if __natpolicy_fmt_is_int(x)
{_INT}(x) := {REFUSE}(x) if not __natpolicy_fmt_is_int(x)
{_FRAC}(x, f, d, v) := sprintf(f, [x]) if __natpolicy_fmt_is_frac(x)
{_FRAC}(x, f, d, v) := concat("", ["%!", v, "(int=", sprintf(d, [x]), ")"]) if __natpolicy_fmt_is_int(x)
{_FRAC}(x, f, d, v) := {REFUSE}(x) if {{ not __natpolicy_fmt_is_frac(x); not __natpolicy_fmt_is_int(x) }}
__natpolicy_fmt_plain(x) if {{
  is_string(x); regex.match("^[ -~]*$", x); not contains(x, "\\""); not contains(x, "\\\\")
}}
{_Q}(x) := concat("", ["\\"", x, "\\""]) if __natpolicy_fmt_plain(x)
{_Q}(x) := {REFUSE}([x, 0]) if not __natpolicy_fmt_plain(x)
{_PAD}(x, w, k) := x if {{ __natpolicy_fmt_plain(x); count(x) >= w }}
{_PAD}(x, w, k) := concat("", [x, __natpolicy_fmt_spaces(w - count(x))]) if {{
  __natpolicy_fmt_plain(x); count(x) < w; k
}}
{_PAD}(x, w, k) := concat("", [__natpolicy_fmt_spaces(w - count(x)), x]) if {{
  __natpolicy_fmt_plain(x); count(x) < w; not k
}}
{_PAD}(x, w, k) := {REFUSE}([x, 0]) if not __natpolicy_fmt_plain(x)
__natpolicy_fmt_spaces(w) := concat("", [" " | some i in numbers.range(1, w)])
""") + order_helpers("__natpolicy_fmt_", quoted=True)


def go_printable_rules(side: int = 27) -> str:
    """``__natpolicy_fmt_go_prints(e)``: the one-rune string ``e`` past ASCII is a rune Go prints as it is.

    Runes are compared as strings, which regopy orders by their UTF-8 bytes, that is by rune (its regex reads
    text byte by byte and its `\\x` escapes fail, measured). The table is one string literal, split when first
    needed (an array literal of its 1,420 bounds cost 13 ms of CPU in every compile of a module that formats),
    of `side` blocks of `side` ranges, so a rune is compared with the bounds of each block, then of one block's
    ranges; the last range is repeated to fill the square."""
    ranges = list(PRINTABLE_RANGES)
    if len(ranges) > side * side:
        raise ValueError(f"{len(ranges)} printable ranges: more than {side} blocks of {side}")
    ranges += [ranges[-1]] * (side * side - len(ranges))
    bounds = " ".join(chr(lo) + " " + chr(hi) for lo, hi in ranges)
    last = side - 1
    return (f"__natpolicy_fmt_go_runes := split({json.dumps(bounds, ensure_ascii=False)}, \" \")\n"
            "__natpolicy_fmt_go_prints(__natpolicy_e) if {\n"
            "  __natpolicy_r := __natpolicy_fmt_go_runes\n"
            f"  some __natpolicy_k in numbers.range(0, {last})\n"
            f"  __natpolicy_r[{2 * side} * __natpolicy_k] <= __natpolicy_e\n"
            f"  __natpolicy_e <= __natpolicy_r[{2 * side} * __natpolicy_k + {2 * side - 1}]\n"
            f"  some __natpolicy_j in numbers.range({side} * __natpolicy_k, {side} * __natpolicy_k + {last})\n"
            "  __natpolicy_r[2 * __natpolicy_j] <= __natpolicy_e\n"
            "  __natpolicy_e <= __natpolicy_r[2 * __natpolicy_j + 1]\n"
            "}\n")


HELPERS += go_printable_rules()

_VERB = re.compile(r"%(?:%|(?P<spec>[-+# 0]*\d*(?:\.\d*)?)(?P<verb>.?))", re.DOTALL)
# verb (without its `%`) -> the function that prints its argument as OPA does; measured on regopy 1.5.2.
_PLAIN = {"s": _S, "v": _V, "d": _D}
_INT_SPEC = re.compile(r"[-+ 0]*\d*d$")
# A string in a width (`%-40s`, `%8v`): padded with spaces by the helper, for text of printable ASCII.
_PAD_SPEC = re.compile(r"(?P<left>-?)(?P<width>[1-9]\d{0,3})[sv]$")
_FRAC_SPEC = re.compile(r"[-+ #0]*\d*(?:\.\d+)?[fe]$|[-+ #0]*\d*\.\d+g$")
HINT = ("%s, %v, %d (also with flags and a width), %q and %Ns or %-Ns of text, and %e, %f, %.Ng (format_int(n, 16) "
        "or (n, 8) for hex, octal)")


def sprintf_edits(source: str, toks: list[Token], i: int) -> tuple[list[tuple[int, int, str]], str | None]:
    """The edit that makes the ``sprintf`` call at token ``i`` answer as OPA on regopy, or why it cannot be."""
    if i + 3 >= len(toks) or toks[i + 2].kind not in ("string", "raw") or toks[i + 3].text != ",":
        return [], ("sprintf with a computed format: natpolicy rewrites each verb for regopy 1.5.2, "
                    "so the format must be a literal string")
    fmt = toks[i + 2]
    if (fmt.kind == "string" and "\\u" in fmt.text) or "\n" in fmt.text:
        return [], ("sprintf format with a \\u escape or a line break: natpolicy reads the verbs of the format "
                    "as written")
    open_at = i + 4
    close = matching_close(toks, open_at) if open_at < len(toks) and toks[open_at].text == "[" else None
    call_close = matching_close(toks, i + 1)
    # The arguments end the call, maybe with a trailing comma (`sprintf(\n  "%s",\n  [a],\n)`, as opa fmt and
    # many policies write a call spread over lines).
    ends_call = close is not None and call_close is not None and (
        close + 1 == call_close or (close + 2 == call_close and toks[close + 1].text == ","))
    if close is None or call_close is None or not ends_call or _is_comprehension(toks, open_at, close):
        return [], ("sprintf arguments that are not a literal array [a, b, ...]: natpolicy rewrites each "
                    "argument for regopy 1.5.2 by its verb")
    elements = [source[first.offset:last.offset + len(last.text)] for first, last in _elements(toks, open_at, close)]
    if len(elements) == 1 and elements[0].startswith(f"{_INT}("):
        return [], None  # a call this rewrite wrote: done
    quote = fmt.text[0]
    inner = fmt.text[1:-1]
    pieces: list[str] = []
    text = ""  # the format's own text since the last verb, `%%` read as `%`
    at = used = 0
    for match in _VERB.finditer(inner):
        text += inner[at:match.start()]
        at = match.end()
        if match.group() == "%%":
            text += "%"
            continue
        if not match.group("verb"):  # the format ends inside a verb
            text += "%!(NOVERB)"
            continue
        if used >= len(elements):  # Go's text; no argument is read
            text += f"%!{match.group('verb')}(MISSING)"
            continue
        if text:
            pieces.append(quote + text + quote)
            text = ""
        spec = (match.group("spec") or "") + match.group("verb")
        argument = elements[used]
        used += 1
        pad = _PAD_SPEC.match(spec)
        number = _whole_float_text(argument)
        if number is not None:
            piece, why = _formatted_float(spec, number)
            if piece is None:
                return [], f"{why} (the number {number}, for regopy 1.5.2); write it as an integer"
            pieces.append(piece)
        elif spec in _PLAIN:
            pieces.append(f"{_PLAIN[spec]}({argument})")
        elif spec == "q":
            pieces.append(f"{_Q}({argument})")
        elif pad:
            pieces.append(f"{_PAD}({argument}, {pad.group('width')}, {'true' if pad.group('left') else 'false'})")
        elif _INT_SPEC.match(spec):
            pieces.append(f'sprintf("%{spec}", [{_INT}({argument})])')
        elif _FRAC_SPEC.match(spec):
            # Go prints an integer given to a float verb as `%!f(int=05)`: the verb's flags, width and precision
            # format the integer as %d would (Go ignores `#` there), which regopy's %d does as Go (measured).
            as_int = spec[:-1].replace("#", "") + "d"
            pieces.append(f'{_FRAC}({argument}, "%{spec}", "%{as_int}", "{spec[-1]}")')
        else:
            return [], (f"sprintf verb {match.group()!r}: regopy 1.5.2 formats it differently from OPA, so natpolicy "
                        f"refuses it; use {HINT}")
    text += inner[at:]
    if text:
        pieces.append(quote + text + quote)
    if used < len(elements):
        return [], ("sprintf with more arguments than verbs: OPA prints %!(EXTRA ...) there, which natpolicy "
                    "does not reproduce on regopy 1.5.2; remove the extra arguments")
    start, end = toks[i].offset, toks[call_close].offset + 1
    replacement = 'concat("", [' + ", ".join(pieces) + "])"
    # Keep the call's line count: the lines after it keep their numbers.
    replacement += "\n" * (source.count("\n", start, end) - replacement.count("\n"))
    if replacement.count("\n") != source.count("\n", start, end):
        return [], "sprintf whose rewrite for regopy 1.5.2 would move lines: write its arguments on fewer lines"
    return [(start, end, replacement)], None


_FLOAT_TEXT_CALL = re.compile(rf'{FLOAT_TEXT}\("(?P<text>[^"]*)"\)')
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _whole_float_text(argument: str) -> str | None:
    """The literal text of an element written as a whole number with a point or an exponent (``10.0``), or
    marked as one (number_texts_regopy); None for any other element."""
    marked = _FLOAT_TEXT_CALL.fullmatch(argument)
    text = marked.group("text") if marked else argument
    return text if _NUMBER.fullmatch(text) and whole_float(text) else None


def _formatted_float(spec: str, number: str) -> tuple[str | None, str]:
    """The Rego string literal of OPA's text for ``%{spec}`` of the number ``number``: a float64 there
    (topdown/strings.go hands fmt a float64 for text that is no integer); or None and why not: a verb natpolicy's
    Go formatter does not reproduce, or text that is no plain ASCII without quotes or backslashes, which regopy
    would hold escaped."""
    try:
        text = opa_sprintf(f"%{spec}", [go_number(number)])
    except (GoFormatRefused, SprintfRefused) as exc:
        return None, str(exc)
    if not all(" " <= c <= "~" and c not in '"\\' for c in text):
        return None, f"sprintf verb '%{spec}': OPA's text {text!r} is no plain ASCII, which regopy holds escaped"
    return json.dumps(text), ""


def _elements(toks: list[Token], open_at: int, close: int) -> list[tuple[Token, Token]]:
    """(first token, last token) of each element of the array literal ``toks[open_at..close]``."""
    depth = toks[open_at].depth + 1
    out: list[tuple[Token, Token]] = []
    start = open_at + 1
    for k in range(open_at + 1, close + 1):
        if k == close or (toks[k].text == "," and toks[k].depth == depth):
            if k > start:
                out.append((toks[start], toks[k - 1]))
            start = k + 1
    return out


def _is_comprehension(toks: list[Token], open_at: int, close: int) -> bool:
    return any(t.text == "|" and t.depth == toks[open_at].depth + 1 for t in toks[open_at + 1:close])
