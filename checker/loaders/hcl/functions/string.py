"""Terraform's string functions, regexes included, with Go's semantics where Python's differ.

``upper("straße")`` keeps the ``ß``, ``title`` capitalises after any
non-letter, regexes are RE2 (:mod:`natpolicy.loaders.hcl.re2`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from natpolicy.loaders.hcl.budget import charge_size, measure
from natpolicy.loaders.hcl.formatting import tf_format
from natpolicy.loaders.hcl.functions.arguments import seq, strings, text, whole
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.re2 import Match, Pattern, compile_re2, expand_template
from natpolicy.loaders.hcl.values import EvalError, NotEvaluated, TfList

__all__: list[str] = []


@fn("split")
def _split(sep: Any, value: Any) -> Any:
    sep, value = text(sep), text(value)
    if sep == "":
        return TfList(value)  # one element per character; "" gives []
    return TfList(value.split(sep))


@fn("join")
def _join(sep: Any, first: Any, *rest: Any) -> Any:
    items: list[Any] = []
    for item in (first, *rest):
        items.extend(strings(item, "join() list"))
    if any(i is None for i in items):
        raise EvalError("join(): cannot join null values")
    separator = text(sep)
    # Before joining: a list can hold the same huge string a thousand times.
    charge_size(sum(len(i) for i in items if i is not None) + len(separator) * len(items))
    return separator.join(items)


@fn("format", deep=True)
def _format(spec: Any, *args: Any) -> Any:
    charge_size(sum(measure(a) for a in args))  # `format(spec, list...)` can repeat a huge value
    return tf_format(text(spec), list(args))


@fn("formatlist", deep=True)
def _formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(seq(a)) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): lists differ in length")
    n = lengths.pop() if lengths else 1
    rows = [[seq(a)[i] if isinstance(a, list) else a for a in args] for i in range(n)]
    out = TfList()
    for row in rows:
        out.append(tf_format(text(spec), row))
        if isinstance(out[-1], str):  # (a row holding null formats as unknown, as Terraform's format() does)
            charge_size(len(out[-1]))
    return out


def _per_rune(value: str, change: Callable[[str], str]) -> str:
    # Go maps each character to one character; Python's "ß".upper() is "SS".
    out = []
    for ch in value:
        changed = change(ch)
        out.append(changed if len(changed) == 1 else ch)
    return "".join(out)


@fn("lower")
def _lower(value: Any) -> Any:
    return _per_rune(text(value), str.lower)


@fn("upper")
def _upper(value: Any) -> Any:
    return _per_rune(text(value), str.upper)


def _go_separator(ch: str) -> bool:
    """Go's strings.Title word separator."""
    if ord(ch) < 0x80:
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or unicodedata.category(ch).startswith(("N", "M")):
        return False
    return ch.isspace()


@fn("title")
def _title(value: Any) -> Any:
    out, previous = [], " "
    for ch in text(value):
        out.append(_per_rune(ch, str.title) if _go_separator(previous) else ch)
        previous = ch
    return "".join(out)


def _go_matches(pattern: Pattern, value: str) -> Iterator[Match]:
    """Matches as Go's ``FindAll``/``ReplaceAll`` see them: an empty match
    right after a previous match is skipped (Python yields it)."""
    end = -1
    for m in pattern.finditer(value):
        if m.start() == m.end() == end:
            continue
        end = m.end()
        yield m


@fn("replace")
def _replace(value: Any, old: Any, new: Any) -> Any:
    value, old, new = text(value), text(old), text(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        pattern = compile_re2(old[1:-1])
        out, pos = [], 0
        for m in _go_matches(pattern, value):
            out.append(value[pos:m.start()])
            out.append(expand_template(new, m))
            charge_size(len(out[-1]) + 1)  # each match may add a long replacement
            pos = m.end()
        out.append(value[pos:])
        return "".join(out)
    matches = value.count(old) if old else len(value) + 1
    charge_size(len(value) + matches * len(new))  # before building it
    return value.replace(old, new)


# Go's unicode.IsSpace: Python's str.strip() also removes \x1c-\x1f.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


@fn("trimspace")
def _trimspace(value: Any) -> Any:
    return text(value).strip(_GO_SPACE)


@fn("trim")
def _trim(value: Any, chars: Any) -> Any:
    cut = text(chars)
    return text(value).strip(cut) if cut else text(value)


@fn("trimprefix")
def _trimprefix(value: Any, prefix: Any) -> Any:
    value, prefix = text(value), text(prefix)
    return value[len(prefix):] if prefix and value.startswith(prefix) else value


@fn("trimsuffix")
def _trimsuffix(value: Any, suffix: Any) -> Any:
    value, suffix = text(value), text(suffix)
    return value[: -len(suffix)] if suffix and value.endswith(suffix) else value


@fn("startswith")
def _startswith(value: Any, prefix: Any) -> Any:
    return text(value).startswith(text(prefix))


@fn("endswith")
def _endswith(value: Any, suffix: Any) -> Any:
    return text(value).endswith(text(suffix))


@fn("strcontains")
def _strcontains(value: Any, part: Any) -> Any:
    return text(part) in text(value)


@fn("substr")
def _substr(value: Any, offset: Any, length: Any) -> Any:
    value, start, n = text(value), whole(offset), whole(length)
    if start < 0:
        start = max(0, start + len(value))
    if start >= len(value):
        return ""
    return value[start:] if n < 0 else value[start:start + n]


@fn("strrev")
def _strrev(value: Any) -> Any:
    return text(value)[::-1]


@fn("chomp")
def _chomp(value: Any) -> Any:
    return re.sub(r"(\r\n|\n|\r)+\Z", "", text(value))


@fn("indent")
def _indent(spaces: Any, value: Any) -> Any:
    count = whole(spaces)
    if count < 0:
        raise EvalError("indent(): a negative number of spaces")
    if count > 10_000:
        raise NotEvaluated("indent() by thousands of spaces")
    pad = " " * count
    lines = text(value).split("\n")
    charge_size(sum(map(len, lines)) + count * len(lines))
    return "\n".join([lines[0], *(pad + ln for ln in lines[1:])])


# ---------------------------------------------------------------- regex
def _regex(pattern: Any) -> Pattern:
    compiled = compile_re2(text(pattern))
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise EvalError("regex(): the pattern mixes named and unnamed capture groups")
    return compiled


def _match_value(m: Match) -> Any:
    if m.re.groupindex:
        return {name: m.group(name) for name in m.re.groupindex}
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


@fn("regex")
def _regex_fn(pattern: Any, value: Any) -> Any:
    m = _regex(pattern).search(text(value))
    if m is None:
        raise EvalError("regex(): no match")
    return _match_value(m)


@fn("regexall")
def _regexall(pattern: Any, value: Any) -> Any:
    return TfList(_match_value(m) for m in _go_matches(_regex(pattern), text(value)))
