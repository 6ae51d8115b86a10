"""Terraform's regular expressions: Go's RE2 syntax, matched in linear time.

Terraform's ``regex``, ``regexall`` and ``replace`` run Go's ``regexp``, which
never backtracks: a pull request's pattern cannot make it hang. natpolicy
matches with RE2 itself (the ``google-re2`` package), which reads the same
syntax with the same guarantee. Only ``\\C`` (any byte, which Go refuses and
which could split a character) is refused before RE2 sees the pattern.

Where no ``google-re2`` wheel exists, the pattern is rewritten into Python's
``re`` syntax instead. The two dialects share most syntax but differ in places
modules do use: RE2's ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only,
``$`` is the end of the text (Python's also matches before a final newline),
``a{,2}`` is literal text, and RE2 has ``\\pL``, ``\\z``, ``\\Q...\\E``,
``[[:alpha:]]``, ``(?<name>...)`` and flags in mid-pattern. What RE2 rejects
(look-arounds, back-references, ``\\Z``) raises :class:`EvalError`, as
Terraform fails; RE2 features not reproduced (``(?U)``, Unicode scripts like
``\\p{Greek}``) raise :class:`NotEvaluated`, so the result is unknown and
reported, never a wrong match. Python's ``re`` backtracks, so this fallback
also refuses (unknown, reported) what it cannot bound: a repetition of a group
that itself repeats or alternates (``(a+)+``, ``(a|a)*``), and a text too long
for the number of unbounded repetitions in the pattern.
"""
from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Protocol

from natpolicy.loaders.hcl.values import EvalError, NotEvaluated
from natpolicy.records import record

try:  # RE2 itself; see the module docstring for platforms without a wheel
    import re2 as _google_re2
except ImportError:  # pragma: no cover - exercised by forcing ENGINE in the tests
    _google_re2 = None

__all__ = ["ENGINE", "Match", "Pattern", "compile_re2", "expand_template"]

# "re2" (linear time) or "python" (the bounded fallback); tests switch it to cover both.
ENGINE = "re2" if _google_re2 is not None else "python"

_MAX = sys.maxunicode
_WORD = [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
_PERL = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": _WORD,
}
_POSIX = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": _WORD,
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_CATEGORIES = frozenset({
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
    "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co",
})
_W = "[0-9A-Za-z_]"
_BOUNDARY = f"(?:(?<!{_W})(?={_W})|(?<={_W})(?!{_W}))"
_NOT_BOUNDARY = f"(?:(?<={_W})(?={_W})|(?<!{_W})(?!{_W}))"
_MAX_REPEAT = 1000  # RE2 refuses larger repetition counts
# Fallback only: Python's backtracking search over a text of n characters with
# k unbounded repetitions can take about n**(k+1) steps; past this, refuse.
_FALLBACK_STEPS = 10**9


class Match(Protocol):
    """What both engines' match objects offer (``re.Match`` and RE2's)."""

    @property
    def re(self) -> Any: ...
    def group(self, group: int | str = 0, /) -> Any: ...
    def groups(self, default: Any = None, /) -> tuple[Any, ...]: ...
    def start(self, group: int | str = 0, /) -> int: ...
    def end(self, group: int | str = 0, /) -> int: ...


class Pattern(Protocol):
    groupindex: Any
    groups: int

    def search(self, text: str) -> Match | None: ...
    def finditer(self, text: str) -> Iterator[Match]: ...


def compile_re2(pattern: str) -> Pattern:
    """``pattern`` (RE2 syntax) ready to match, on RE2 where installed."""
    if ENGINE == "re2":
        return _compile_re2(pattern)
    return _compile_fallback(pattern)


@lru_cache(maxsize=512)
def _compile_re2(pattern: str) -> Pattern:
    assert _google_re2 is not None
    _refuse_any_byte(pattern)
    options = _google_re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern on stderr
    try:
        return _Re2Pattern(_google_re2.compile(pattern, options))
    except _google_re2.error as exc:
        message = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "too large" in message or "out of memory" in message:
            # Go compiles it (slowly); RE2 keeps a memory limit per pattern.
            raise NotEvaluated("a regular expression too large for natpolicy") from None
        raise EvalError(f"invalid regular expression: {message}") from None
    except (UnicodeEncodeError, OverflowError):
        raise EvalError("invalid regular expression: not valid UTF-8") from None


def _refuse_any_byte(pattern: str) -> None:
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] == "\\":
            if pattern[i + 1] == "C":
                raise NotEvaluated("RE2's \\C (any byte)")
            i += 2
        else:
            i += 1


class _Re2Pattern:
    """RE2's pattern, refusing texts RE2 cannot take (lone surrogates are not UTF-8)."""

    __slots__ = ("_regexp", "groupindex", "groups")

    def __init__(self, regexp: Any) -> None:
        self._regexp = regexp
        self.groupindex = regexp.groupindex
        self.groups = regexp.groups

    def search(self, text: str) -> Match | None:
        _utf8(text)
        match: Match | None = self._regexp.search(text)
        return match

    def finditer(self, text: str) -> Iterator[Match]:
        _utf8(text)
        found: Iterator[Match] = self._regexp.finditer(text)
        return found


def _utf8(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise NotEvaluated("a regular expression over text that is not valid Unicode") from None


@lru_cache(maxsize=512)
def _compile_fallback(pattern: str) -> Pattern:
    translator = _Translator(pattern)
    translated = translator.run()
    if translator.nested:
        raise NotEvaluated("a regular expression repeating a group that repeats or alternates, "
                           "without RE2 (install google-re2)")
    with warnings.catch_warnings():
        # "Possible nested set": literal `[` or `--` inside a class, which RE2 reads literally too.
        warnings.simplefilter("ignore", FutureWarning)
        try:
            compiled = re.compile(translated)
        except re.error as exc:
            raise EvalError(f"invalid regular expression: {exc}") from None
        except (OverflowError, RecursionError):
            raise NotEvaluated("a regular expression too large for natpolicy") from None
    return _BoundedPattern(compiled, translator.unbounded)


class _BoundedPattern:
    """Python's ``re`` on texts short enough for the pattern's repetitions."""

    __slots__ = ("_compiled", "_unbounded", "groupindex", "groups")

    def __init__(self, compiled: re.Pattern[str], unbounded: int) -> None:
        self._compiled = compiled
        self._unbounded = unbounded
        self.groupindex = compiled.groupindex
        self.groups = compiled.groups

    def _check(self, text: str) -> None:
        if self._unbounded and (len(text) + 1) ** (self._unbounded + 1) > _FALLBACK_STEPS:
            raise NotEvaluated("a regular expression over a text this long, without RE2 (install google-re2)")

    def search(self, text: str) -> Match | None:
        self._check(text)
        match: Any = self._compiled.search(text)  # re.Match: its overloads are wider than Match says
        return match

    def finditer(self, text: str) -> Iterator[Match]:
        self._check(text)
        found: Any = self._compiled.finditer(text)
        return found


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _ranges_text(ranges: list[tuple[int, int]]) -> str:
    return "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= _MAX:
        out.append((nxt, _MAX))
    return out


@lru_cache(maxsize=64)
def _category(name: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges of a Unicode general category (``L``, ``Nd``...)."""
    ranges: list[tuple[int, int]] = []
    start = -1
    for code in range(_MAX + 1):
        if unicodedata.category(chr(code)).startswith(name):
            if start < 0:
                start = code
        elif start >= 0:
            ranges.append((start, code - 1))
            start = -1
    if start >= 0:
        ranges.append((start, _MAX))
    return tuple(ranges)


@record
class _Group:
    multiline: bool
    opened: int = 0  # scoped-flag groups this translation opened, closed with the group
    has_content: bool = False
    flag_after_content: bool = False  # `ab(?i)c|d`: a scoped group would change the alternation
    risky: bool = False  # holds a repetition or an alternation: repeating the group could backtrack exponentially


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        # RE2's mid-pattern `(?i)` lasts to the end of its group: Python needs `(?i:...)`.
        self.stack: list[_Group] = [_Group(False)]
        self.after_repeat = False  # the last item was a repetition operator
        self.lazy_done = False
        # For the backtracking fallback: a repeated risky group, and the count of unbounded repetitions.
        self.nested = False
        self.unbounded = 0
        self.closed_risky = False  # the last item is a group holding a repetition or an alternation

    def run(self) -> str:
        while self.i < len(self.p):
            self.step()
        if len(self.stack) != 1:
            raise EvalError("missing closing )")
        self.out.append(")" * self.stack[0].opened)
        return "".join(self.out)

    def _emit(self, text: str, repeat: bool = False) -> None:
        self.out.append(text)
        self.stack[-1].has_content = True
        self.after_repeat = repeat
        self.lazy_done = False
        self.closed_risky = False

    def _repeat(self, multiplies: bool, unbounded: bool) -> None:
        if multiplies and self.closed_risky:
            self.nested = True
        self.stack[-1].risky = True
        self.unbounded += unbounded

    def step(self) -> None:
        p, i = self.p, self.i
        ch = p[i]
        if ch == "\\":
            self.i = self.escape(i)
        elif ch == "[":
            self.i = self.char_class(i)
        elif ch == "(":
            self.i = self.open_group(i)
        elif ch == ")":
            if len(self.stack) == 1:
                raise EvalError("unexpected )")
            group = self.stack.pop()
            self._emit(")" * group.opened + ")")
            self.stack[-1].risky = self.stack[-1].risky or group.risky
            self.closed_risky = group.risky
            self.i = i + 1
        elif ch in "*+?":
            if self.after_repeat:
                if ch == "?" and not self.lazy_done:
                    self.out.append("?")
                    self.lazy_done = True
                    self.i = i + 1
                    return
                raise EvalError("invalid nested repetition operator")
            self._repeat(ch != "?", ch != "?")
            self._emit(ch, repeat=True)
            self.i = i + 1
        elif ch == "{":
            self.i = self.brace(i)
        elif ch == "|":
            if self.stack[-1].flag_after_content:
                raise NotEvaluated("an RE2 flag group in mid-pattern followed by |")
            self.stack[-1].risky = True
            self._emit("|")
            self.i = i + 1
        elif ch == "$":
            self._emit("$" if self.stack[-1].multiline else r"\Z")
            self.i = i + 1
        else:
            self._emit(ch)
            self.i = i + 1

    def brace(self, i: int) -> int:
        m = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.p, i)
        if m is None:
            self._emit(r"\{")  # RE2 reads `{` that starts no repetition (also `{,2}`) literally
            return i + 1
        if self.after_repeat:
            raise EvalError("invalid nested repetition operator")
        low, high = int(m.group(1)), m.group(3)
        if low > _MAX_REPEAT or (high and int(high) > _MAX_REPEAT):
            raise EvalError("invalid repeat count")
        if high and int(high) < low:
            raise EvalError("invalid repeat count")
        self._repeat(m.group(0) not in ("{0}", "{1}", "{0,1}", "{1,1}"), m.group(2) is not None and not high)
        self._emit(m.group(0), repeat=True)
        return m.end()

    def open_group(self, i: int) -> int:
        p = self.p
        if not p.startswith("(?", i):
            self._emit("(")
            self.stack.append(_Group(self.stack[-1].multiline))
            return i + 1
        if p.startswith(("(?P<", "(?<"), i) and not p.startswith(("(?<=", "(?<!"), i):
            start = i + (4 if p.startswith("(?P<", i) else 3)
            end = p.find(">", start)
            name = p[start:end] if end > 0 else ""
            if not re.fullmatch(r"[A-Za-z0-9_]+", name):
                raise EvalError("invalid named capture")
            self._emit(f"(?P<{name}>")
            self.stack.append(_Group(self.stack[-1].multiline))
            return end + 1
        m = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])").match(p, i)
        if m is None:
            raise EvalError("invalid or unsupported Perl syntax in (?")  # look-arounds, (?#...), (?P=...)
        on, off, terminator = m.group(1), m.group(2) or "", m.group(3)
        if m.group(2) is not None and not off:
            raise EvalError("missing flags after -")
        for flag in on + off:
            if flag == "U":
                raise NotEvaluated("RE2's ungreedy flag (?U)")
            if flag not in "ims":
                raise EvalError(f"invalid flag {flag!r}")
        if not on and not off and terminator == ":":
            self._emit("(?:")
            self.stack.append(_Group(self.stack[-1].multiline))
            return m.end()
        multi = self.stack[-1].multiline
        multi = True if "m" in on else False if "m" in off else multi
        flags = f"(?{on}{'-' + off if off else ''}:"
        if flags == "(?:" or flags == "(?-:":
            flags = "(?:"
        if terminator == ":":
            self._emit(flags)
            self.stack.append(_Group(multi))
        else:
            # (?i) in mid-pattern: on until the end of the enclosing group.
            group = self.stack[-1]
            group.flag_after_content = group.flag_after_content or group.has_content
            group.multiline = multi
            group.opened += 1
            self.out.append(flags)
            self.after_repeat = False
        return m.end()

    def escape(self, i: int) -> int:
        p = self.p
        if i + 1 >= len(p):
            raise EvalError("trailing backslash")
        c = p[i + 1]
        if c == "Q":
            end = p.find("\\E", i + 2)
            literal = p[i + 2:] if end < 0 else p[i + 2:end]
            # Characters one by one, not a group: a repetition after \E applies to the last one.
            self._emit(re.escape(literal))
            return len(p) if end < 0 else end + 2
        if c in "dsw":
            self._emit("[" + _ranges_text(_PERL[c]) + "]")
            return i + 2
        if c in "DSW":
            self._emit("[^" + _ranges_text(_PERL[c.lower()]) + "]")
            return i + 2
        if c == "b":
            self._emit(_BOUNDARY)
            return i + 2
        if c == "B":
            self._emit(_NOT_BOUNDARY)
            return i + 2
        if c == "A":
            self._emit(r"\A")
            return i + 2
        if c == "z":
            self._emit(r"\Z")
            return i + 2
        if c in "pP":
            ranges, end = self.unicode_class(i)
            self._emit("[" + _ranges_text(list(ranges)) + "]")
            return end
        code, end = self.char_escape(i)
        self._emit(re.escape(chr(code)))
        return end

    def char_escape(self, i: int) -> tuple[int, int]:
        """A single-character escape at ``i``: its code point and where it ends."""
        p = self.p
        c = p[i + 1]
        simple = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
        if c in simple:
            return simple[c], i + 2
        if c == "x":
            if p.startswith("{", i + 2):
                end = p.find("}", i + 3)
                digits = p[i + 3:end] if end > 0 else ""
                if not re.fullmatch(r"[0-9A-Fa-f]{1,8}", digits) or int(digits, 16) > _MAX:
                    raise EvalError("invalid escape sequence \\x{")
                return int(digits, 16), end + 1
            digits = p[i + 2:i + 4]
            if not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise EvalError("invalid escape sequence \\x")
            return int(digits, 16), i + 4
        if c in "01234567":
            m = re.compile(r"[0-7]{1,3}").match(p, i + 1)
            assert m is not None
            if c != "0" and len(m.group(0)) == 1:
                raise EvalError(f"invalid escape sequence \\{c}")  # a back-reference: RE2 has none
            return int(m.group(0), 8), m.end()
        if c == "C":
            raise NotEvaluated("RE2's \\C (any byte)")
        if ord(c) < 0x80 and not c.isalnum():
            return ord(c), i + 2
        raise EvalError(f"invalid escape sequence \\{c}")

    def unicode_class(self, i: int) -> tuple[tuple[tuple[int, int], ...], int]:
        p = self.p
        negate = p[i + 1] == "P"
        if p.startswith("{", i + 2):
            end = p.find("}", i + 3)
            if end < 0:
                raise EvalError("invalid character class range")
            name, after = p[i + 3:end], end + 1
        else:
            name, after = p[i + 2:i + 3], i + 3
        if name.startswith("^"):
            negate, name = not negate, name[1:]
        if name == "Any":
            ranges: tuple[tuple[int, int], ...] = ((0, _MAX),)
        elif name in _CATEGORIES:
            ranges = _category(name)
        elif re.fullmatch(r"[A-Z][A-Za-z_]+", name or ""):
            raise NotEvaluated(f"the Unicode script class \\p{{{name}}}")
        else:
            raise EvalError("invalid character class range")
        return (tuple(_complement(list(ranges))) if negate else ranges), after

    def char_class(self, i: int) -> int:
        p = self.p
        j = i + 1
        negate = p.startswith("^", j)
        if negate:
            j += 1
        parts: list[str] = []
        first = True
        while True:
            if j >= len(p):
                raise EvalError("missing closing ]")
            c = p[j]
            if c == "]" and not first:
                break
            first = False
            if p.startswith("[:", j):
                end = p.find(":]", j + 2)
                name = p[j + 2:end] if end > 0 else ""
                neg = name.startswith("^")
                name = name[1:] if neg else name
                if name in _POSIX:
                    ranges = _POSIX[name]
                    parts.append(_ranges_text(_complement(ranges) if neg else ranges))
                    j = end + 2
                    continue
                if end > 0 and re.fullmatch(r"\^?[a-z]+", p[j + 2:end]):
                    raise EvalError("invalid character class range")
            if c == "\\":
                if j + 1 >= len(p):
                    raise EvalError("trailing backslash")
                e = p[j + 1]
                if e in "dsw":
                    parts.append(_ranges_text(_PERL[e]))
                    j += 2
                    continue
                if e in "DSW":
                    parts.append(_ranges_text(_complement(_PERL[e.lower()])))
                    j += 2
                    continue
                if e in "pP":
                    ranges_, j = self.unicode_class(j)
                    parts.append(_ranges_text(list(ranges_)))
                    continue
                if e == "Q":
                    raise NotEvaluated("\\Q...\\E inside a character class")
                code, j = self.char_escape(j)
                parts.append(_char(code))
                continue
            if c == "-":
                parts.append("-")
            else:
                parts.append(_char(ord(c)))
            j += 1
        body = "".join(parts)
        if not body:
            raise EvalError("missing closing ]")
        self._emit(("[^" if negate else "[") + body + "]")
        return j + 1


def expand_template(template: str, match: Match) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``.

    ``$1x`` names group ``1x`` (Go takes the longest name), which usually
    does not exist and expands to nothing, exactly as in Terraform.
    """
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch != "$" or i + 1 >= len(template):
            out.append(ch)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            end = template.find("}", i + 2)
            name = template[i + 2:end] if end > 0 else ""
            if not name or not re.fullmatch(r"\w+", name, re.ASCII):
                out.append(ch)
                i += 1
                continue
            i = end + 1
        else:
            m = re.compile(r"\w+", re.ASCII).match(template, i + 1)
            if m is None:
                out.append(ch)
                i += 1
                continue
            name, i = m.group(0), m.end()
        out.append(_group(match, name))
    return "".join(out)


def _group(match: Match, name: str) -> str:
    try:
        value = match.group(int(name)) if name.isdigit() else match.group(name)
    except IndexError:  # no such group: Go expands it to nothing
        return ""
    return value or ""
