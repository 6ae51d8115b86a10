"""A regular expression read as Go's ``regexp/syntax`` reads it (OPA's RE2), written out for Rust's ``regex``.

regorus 0.13.0 compiles ``regex.*`` patterns with Rust's ``regex`` crate, which reads the same text
otherwise than Go in places, all measured on regorus:

* ``\\d``, ``\\w``, ``\\s`` and ``\\b`` (and ``\\D \\W \\S \\B``) are Unicode's there, ASCII in Go
  (``regex.match("^\\\\d$", "٣")`` true; Go's ``\\s`` is ``[\\t\\n\\f\\r ]``, without ``\\v``);
* inside a class, ``[`` opens a nested class and ``&&``, ``--``, ``~~`` are set operations; Go reads
  them as characters (``[a[b]]`` is ``[a[b]`` then ``]`` in Go);
* ``\\<``, ``\\>`` and ``\\b{start}`` are word-boundary assertions; Go reads ``<``, ``>`` and ``\\b``
  then the text ``{start}``; ``a{01}`` and ``a{,3}`` are repetitions there, text in Go (``{`` that
  is no repetition Go can read is a literal ``{``);
* Rust takes what Go refuses: a repetition of a repetition (``a**``, ``a++``, ``a{2}{3}``: Go's
  "invalid nested repetition operator"), a count past 1000 or counts whose product along a nesting
  passes 1000 (``(a{100}){100}``), the flags ``x``, ``u`` and ``R``, ``\\u0041``, ``\\e``, group names
  holding ``.``; and refuses what Go takes: octal ``\\012``, ``\\Q...\\E``.

So the pattern is parsed here as Go's parser walks it (``parse.go``: ``Parse``, ``parseClass``,
``parseEscape``, ``parsePerlFlags``, ``parseRepeat``, ``repeatIsValid``) and written back in a form
Rust reads as Go reads the original: each Perl class as its ASCII set, ``\\b`` as ``(?-u:\\b)``, each
literal character escaped where Rust would read it otherwise. Where Go refuses the pattern,
:class:`Re2SyntaxError` carries Go's error. Left as written: ``\\p{...}`` names (Go's set of names has
changed between Go releases), and Go's limits on the size of a compiled program.
"""
from __future__ import annotations

from natpolicy.records import field, record

__all__ = ["Re2Reading", "Re2SyntaxError", "read_re2", "rust_pattern"]

# Go's Perl classes (perl_groups.go), as Rust reads them in a class: ASCII only.
_PERL_CLASSES = {"d": "0-9", "s": "\\t\\n\\f\\r ", "w": "0-9A-Za-z_"}
_POSIX_CLASSES = frozenset(f"[:{neg}{name}:]" for neg in ("", "^") for name in (
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper",
    "word", "xdigit"))
_C_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_FLAGS = frozenset("imsU")
_MAX_REPEAT = 1000


class Re2SyntaxError(ValueError):
    """Go's ``regexp/syntax`` error: ``code`` its text (``invalid nested repetition operator``), ``expr`` the
    part of the pattern it names (kept apart: a pattern from the input is never echoed at run time)."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"error parsing regexp: {code}: `{expr}`")
        self.code = code
        self.expr = expr


@record
class _Group:
    """An open group: the heaviest repetition nesting among its finished items (``repeatIsValid``)."""

    weight: int = 1


@record
class _Parser:
    pattern: str
    at: int = 0
    out: list[str] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=lambda: [_Group()])
    # The last item a repetition would apply to: its nesting weight, or None where Go's stack top is a
    # pseudo-operator (the start, `(`, `|`): "missing argument to repetition operator".
    last: int | None = None
    last_repeat: str = ""
    brace_as_text: bool = False  # a `{` Go reads as itself, not as a repetition (`a{,3}`, `a{01}`, `x{a}`)
    assertion_last: bool = False  # the last item is `^`, `$`, `\A`, `\z`, `\b` or `\B`
    repeated_assertion: bool = False  # a repetition of one (`$?`, `\b+`): Go takes it
    bracket_first: bool = False  # a class opening with `]`, which Go reads as the character
    # A flag change (`(?i)`) written after the repetition that follows it: Go applies `a(?i)*`'s star to `a`,
    # which Rust refuses as written.
    pending_flags: str = ""

    def finish_item(self) -> None:
        if self.last is not None:
            self.groups[-1].weight = max(self.groups[-1].weight, self.last)

    def emit(self, text: str) -> None:
        """Text after the flag changes held back (``pending_flags``)."""
        self.out += [self.pending_flags, text]
        self.pending_flags = ""

    def item(self, text: str, weight: int = 1, assertion: bool = False) -> None:
        self.finish_item()
        self.emit(text)
        self.last = weight
        self.assertion_last = assertion


def rust_pattern(pattern: str) -> str:
    """``pattern`` as Rust's ``regex`` reads it the way Go's RE2 reads the original; :class:`Re2SyntaxError`
    where Go refuses it."""
    return "".join(_parse(pattern).out)


@record(frozen=True)
class Re2Reading:
    """How Go reads a pattern it takes, where another engine may read it otherwise (regopy_patterns)."""

    rust: str  # the form Rust's regex reads as Go reads the pattern
    brace_as_text: bool  # a `{` Go reads as the character itself (no count it reads follows: `a{,3}`, `a{01}`)
    repeated_assertion: bool  # an empty-width assertion repeated (`$?`, `^*`, `\\b+`, `\\B{0}`)
    bracket_first: bool  # a class whose first character is `]` (`[]a]`, `[^]a]`)


def read_re2(pattern: str) -> Re2Reading:
    """``pattern`` as Go reads it; :class:`Re2SyntaxError` where Go refuses it."""
    p = _parse(pattern)
    return Re2Reading("".join(p.out), p.brace_as_text, p.repeated_assertion, p.bracket_first)


def _parse(pattern: str) -> _Parser:
    p = _Parser(pattern)
    s = pattern
    while p.at < len(s):
        c = s[p.at]
        repeat = ""
        if c == "(":
            _open_group(p)
        elif c == "|":
            p.finish_item()
            p.emit("|")
            p.last = None
            p.at += 1
        elif c == ")":
            if len(p.groups) == 1:
                raise Re2SyntaxError("unexpected )", s)
            p.finish_item()
            group = p.groups.pop()
            p.emit(")")
            p.last = group.weight
            p.assertion_last = False
            p.at += 1
        elif c in "^$.":
            p.item(c, assertion=c != ".")
            p.at += 1
        elif c == "[":
            p.item(_class(p))
        elif c in "*+?":
            repeat = _repeat(p, c, 0, 0, p.at + 1)
        elif c == "{":
            counts = _repeat_counts(s, p.at)
            if counts is None:
                p.item("\\{")  # no repetition Go reads: the character itself
                p.brace_as_text = True
                p.at += 1
            else:
                low, high, end = counts
                if low < 0 or low > _MAX_REPEAT or high > _MAX_REPEAT or 0 <= high < low:
                    raise Re2SyntaxError("invalid repeat count", s[p.at:end])
                repeat = _repeat(p, "{", low, high, end)
        elif c == "\\":
            _escape(p)
        else:
            p.item(_literal(c))
            p.at += 1
        p.last_repeat = repeat
    if len(p.groups) > 1:
        raise Re2SyntaxError("missing closing )", s)
    p.emit("")
    return p


def _open_group(p: _Parser) -> None:
    s = p.pattern
    start = p.at
    if s.startswith("(?", start):
        t = s[start:]
        named = len(t) > 4 and t[2] == "P" and t[3] == "<" or len(t) > 3 and t[2] == "<"
        if named:
            end = t.find(">")
            if end < 0:
                raise Re2SyntaxError("invalid named capture", t)
            name = t[(4 if t[2] == "P" else 3):end]
            if not name or not all(ch == "_" or (ch.isascii() and ch.isalnum()) for ch in name):
                raise Re2SyntaxError("invalid named capture", t[:end + 1])
            _push(p, f"(?P<{name}>")
            p.at = start + end + 1
            return
        _flags(p, t)
        return
    _push(p, "(")
    p.at = start + 1


def _push(p: _Parser, opening: str) -> None:
    p.finish_item()
    p.emit(opening)
    p.groups.append(_Group())
    p.last = None


def _flags(p: _Parser, t: str) -> None:
    """``(?flags)`` or ``(?flags:``, as ``parsePerlFlags``: only ``i m s U``, one ``-`` followed by a flag."""
    negated, saw_flag = False, False
    k = 2
    while k < len(t):
        c = t[k]
        k += 1
        if c in _FLAGS:
            saw_flag = True
        elif c == "-" and not negated:
            negated, saw_flag = True, False
        elif c in ":)" and (not negated or saw_flag):
            if c == ":":
                _push(p, t[:k])
            else:
                # A flag change: no item, the previous one stays what a repetition applies to.
                p.pending_flags += t[:k]
            p.at += k
            return
        else:
            break
    raise Re2SyntaxError("invalid or unsupported Perl syntax", t[:k])


def _repeat_counts(s: str, at: int) -> tuple[int, int, int] | None:
    """``parseRepeat``: (min, max, end) of ``{n}``, ``{n,}`` (max -1), ``{n,m}``; None where ``{`` is text.

    A number past 10^8 is -1 there, as in Go (then "invalid repeat count")."""
    low, k = _repeat_int(s, at + 1)
    if low is None or k >= len(s):
        return None
    if s[k] != ",":
        high = low
    else:
        k += 1
        if k >= len(s):
            return None
        if s[k] == "}":
            high = -1
        else:
            parsed, k = _repeat_int(s, k)
            if parsed is None:
                return None
            high = parsed
            if high < 0:
                low = -1
    if k >= len(s) or s[k] != "}":
        return None
    return low, high, k + 1


def _repeat_int(s: str, at: int) -> tuple[int | None, int]:
    k = at
    while k < len(s) and "0" <= s[k] <= "9":
        k += 1
    digits = s[at:k]
    if not digits or (len(digits) >= 2 and digits[0] == "0"):  # Go refuses leading zeros: `{01}` is text
        return None, at
    value = 0
    for d in digits:
        if value >= 100_000_000:
            return -1, k
        value = value * 10 + int(d)
    return value, k


def _repeat(p: _Parser, op: str, low: int, high: int, end: int) -> str:
    """A repetition (``repeat``) ending at ``end``: its non-greedy ``?`` taken, then Go's checks."""
    s = p.pattern
    if end < len(s) and s[end] == "?":
        end += 1
    text = s[p.at:end]
    if p.last_repeat:
        raise Re2SyntaxError("invalid nested repetition operator", p.last_repeat + text)
    if p.last is None:
        raise Re2SyntaxError("missing argument to repetition operator", text)
    p.repeated_assertion = p.repeated_assertion or p.assertion_last
    if op == "{":
        bound = high if high >= 0 else low
        weight = 1 if high == 0 else p.last if bound == 0 else bound * p.last
        if (low >= 2 or high >= 2) and weight > _MAX_REPEAT:
            raise Re2SyntaxError("invalid repeat count", text)
        p.last = weight
    if "U" in p.pending_flags:
        p.emit("")  # the change makes this repetition lazy (or greedy) in Go: kept before it (Rust refuses)
    p.out.append(text)
    p.at = end
    return text


def _escape(p: _Parser) -> None:
    s = p.pattern
    if p.at + 1 >= len(s):
        raise Re2SyntaxError("trailing backslash at end of expression", "")
    c = s[p.at + 1]
    if c in "AzbB":
        p.item({"A": "\\A", "z": "\\z", "b": "(?-u:\\b)", "B": "(?-u:\\B)"}[c], assertion=True)
        p.at += 2
        return
    if c == "C":
        raise Re2SyntaxError("invalid escape sequence", "\\C")
    if c == "Q":
        close = s.find("\\E", p.at + 2)
        text = s[p.at + 2:] if close < 0 else s[p.at + 2:close]
        for ch in text:  # each character a literal of its own, as Go's p.literal
            p.item(_literal(ch))
        p.at = len(s) if close < 0 else close + 2
        return
    if c in "pP":
        text, p.at = _unicode_class(s, p.at)
        p.item(text)
        return
    if c.lower() in _PERL_CLASSES:
        ranges = _PERL_CLASSES[c.lower()]
        p.item(f"[{ranges}]" if c.islower() else f"[^{ranges}]")
        p.at += 2
        return
    char, p.at = _escaped_char(s, p.at)
    p.item(_literal(char))


def _unicode_class(s: str, at: int) -> tuple[str, int]:
    """``\\pL``, ``\\p{Greek}``, ``\\P{^Greek}`` as written (Rust reads the names Go reads alike)."""
    if at + 2 >= len(s):
        raise Re2SyntaxError("invalid character class range", s[at:])
    if s[at + 2] != "{":
        return s[at:at + 3], at + 3
    end = s.find("}", at)
    if end < 0:
        raise Re2SyntaxError("invalid character class range", s[at:])
    return s[at:end + 1], end + 1


def _escaped_char(s: str, at: int) -> tuple[str, int]:
    """``parseEscape``: the character a backslash escape at ``at`` stands for, and where it ends."""
    if at + 1 >= len(s):
        raise Re2SyntaxError("trailing backslash at end of expression", "")
    c = s[at + 1]
    k = at + 2
    if c.isascii() and not c.isalnum():
        return c, k
    if c in "01234567":
        if c != "0" and (k >= len(s) or not "0" <= s[k] <= "7"):
            raise Re2SyntaxError("invalid escape sequence", s[at:k])  # \1: a back reference
        value = int(c)
        for _ in range(2):
            if k < len(s) and "0" <= s[k] <= "7":
                value = value * 8 + int(s[k])
                k += 1
        return chr(value), k
    if c == "x":
        return _hex_escape(s, at)
    if c in _C_ESCAPES:
        return _C_ESCAPES[c], k
    raise Re2SyntaxError("invalid escape sequence", s[at:k])


def _hex_escape(s: str, at: int) -> tuple[str, int]:
    k = at + 2
    if k < len(s) and s[k] == "{":
        close = s.find("}", k)
        digits = s[k + 1:close] if close > 0 else ""
        if digits and all(d in "0123456789abcdefABCDEF" for d in digits) and int(digits, 16) <= 0x10FFFF:
            return chr(int(digits, 16)), close + 1
        raise Re2SyntaxError("invalid escape sequence", s[at:(close + 1 if close > 0 else len(s))])
    digits = s[k:k + 2]
    if len(digits) == 2 and all(d in "0123456789abcdefABCDEF" for d in digits):
        return chr(int(digits, 16)), k + 2
    raise Re2SyntaxError("invalid escape sequence", s[at:k + 2])


def _literal(char: str) -> str:
    """One character as Rust reads it as that character, outside a class or in one (no ``x`` flag: Go has none)."""
    if char.isascii() and not char.isalnum() and char.isprintable() and char not in " <>":
        return "\\" + char  # Rust takes every escaped ASCII punctuation but `<` and `>` as itself
    return char


def _class(p: _Parser) -> str:
    """``parseClass``: the class at ``p.at`` written for Rust, each character escaped, Perl classes ASCII."""
    s = p.pattern
    start = p.at
    k = start + 1
    out = ["["]
    if k < len(s) and s[k] == "^":
        out.append("^")
        k += 1
    first = True
    p.bracket_first = p.bracket_first or s.startswith("]", k)
    while k >= len(s) or s[k] != "]" or first:
        if k >= len(s):
            raise Re2SyntaxError("missing closing ]", s[start:])
        first = False
        if s.startswith("[:", k) and len(s) - k > 2:
            close = s.find(":]", k + 2)
            if close >= 0:
                name = s[k:close + 2]
                if name not in _POSIX_CLASSES:
                    raise Re2SyntaxError("invalid character class range", name)
                out.append(name)
                k = close + 2
                continue
        if s.startswith("\\p", k) or s.startswith("\\P", k):
            text, k = _unicode_class(s, k)
            out.append(text)
            continue
        if k + 1 < len(s) and s[k] == "\\" and s[k + 1].lower() in _PERL_CLASSES:
            ranges = _PERL_CLASSES[s[k + 1].lower()]
            out.append(ranges if s[k + 1].islower() else f"[^{ranges}]")
            k += 2
            continue
        low, k = _class_char(s, k, start)
        high = low
        if k + 1 < len(s) and s[k] == "-" and s[k + 1] != "]":
            high, after = _class_char(s, k + 1, start)
            if high < low:
                raise Re2SyntaxError("invalid character class range", s[k - 1:after])
            k = after
        out.append(_literal(low) if low == high else f"{_literal(low)}-{_literal(high)}")
    p.at = k + 1
    return "".join(out) + "]"


def _class_char(s: str, k: int, start: int) -> tuple[str, int]:
    if k >= len(s):
        raise Re2SyntaxError("missing closing ]", s[start:])
    if s[k] == "\\":
        return _escaped_char(s, k)
    return s[k], k + 1
