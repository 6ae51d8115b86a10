"""Regular expressions regopy 1.5.2 reads otherwise than OPA (Go's RE2): refused before anything runs, or stopped.

Measured: regopy's engine leaves a pattern holding a flag group (``(?i)``,
``(?s)``, ``(?m)``, ``(?i:...)``) or a named group (``(?P<n>...)``) undefined,
silently, where Go matches; it does not know ``\\pL``, ``\\PL``, ``\\p{Greek}``,
``\\A``, ``\\z`` or a negated POSIX class (false or undefined), and takes what
Go refuses as invalid (a back reference ``\\1``, a look-ahead ``(?=...)``,
``\\Q...\\E``). ``regex.is_valid`` answers the same way. What it reads as Go does
is the common subset: literals, classes, ``\\d \\w \\s \\b`` and their negations on
printable ASCII (the subject is checked for that already), the usual escapes
of punctuation, anchors ``^ $``, groups and ``(?:...)``, repetition.

So a pattern holding ``(?`` other than ``(?:``, ``[:``, or a backslash before
anything but ``d D w W s S b B n t r f`` and punctuation is refused where it
is a literal (:func:`pattern_refusal`), and stops the query where it is not
(``PATTERN``, a function appended to the module).

Also measured: regopy takes a repetition of a repetition (``regex.match("^a++$", "aa")`` true,
``regex.is_valid("a{2}{3}")`` true: Go's "invalid nested repetition operator") and a count past 1000, and
reads a ``{`` Go takes as the character itself (no count it can read: ``a{01}``, ``a{,3}``, ``x{a}``) as a
repetition (``regex.match("^a{01}$", "a")`` true, Go false) or leaves the call undefined (``a{,3}``); and
it finds a repeated empty-width assertion (``$?``, ``^*``, ``\\b+``, which Go takes) invalid (undefined) and
reads ``[]a]`` as an empty class then text (Go: the class of ``]`` and ``a``). A
literal Go refuses is refused on both engines (``re2_regorus.re2_refusals``), one whose ``{`` Go reads as
text here; a pattern that is no literal stops where it holds a repetition following one (``*+``, ``}*``,
``*{2``; an escaped ``\\*+`` too), a ``{`` not followed by a count Go reads, a count of four digits, or
``$``, ``^``, ``\\b``, ``\\B``, ``\\A``, ``\\z`` followed by a repetition (an escaped ``\\$*`` too), or ``[]``
or ``[^]`` (an escaped ``\\[]`` too).
"""
from __future__ import annotations

import re

from natpolicy.rego.re2_syntax import Re2SyntaxError, read_re2
from natpolicy.rego.sprintf_regopy import REFUSE

__all__ = ["HELD_UNLIKE", "PATTERN", "PATTERN_ARGUMENT", "PATTERN_HELPERS", "SUBJECT_ARGUMENT", "pattern_refusal",
           "patterns_refused"]

PATTERN = "__natpolicy_pattern"
# The argument that is a pattern, and the one matched against it, of each call (glob patterns are not RE2).
PATTERN_ARGUMENT = {"regex.match": 0, "regex.find_n": 0, "regex.find_all_string_submatch_n": 0, "regex.split": 0,
                    "regex.replace": 1, "regex.is_valid": 0}
SUBJECT_ARGUMENT = {"regex.match": 1, "regex.find_n": 1, "regex.find_all_string_submatch_n": 1, "regex.split": 1,
                    "regex.replace": 0, "regex.template_match": 1, "glob.match": 2}
_ESCAPES_READ_ALIKE = r"dDwWsSbBntrf.*+?()\[\]{}|^$/\\-"
_UNLIKE = re.compile(r"\(\?(?!:)|\[:|\\[^" + _ESCAPES_READ_ALIKE + "]")
# The same on regopy's held form of a pattern that is not a literal: a backslash there is `\\`, and `"` is `\"`
# (refused too: rare in a pattern, and it would be read escaped).
_NESTED_REPEAT = r"|[*+?][*+]|[*+?][?][*+?]|[*+?]\{[0-9]|\}[*+]|\}[?][*+?]|\}\{[0-9]"
# `$?`, `^*`, `\b+` (the held `\\b`), not the class `[^*]`; a class opening with `]`.
_REPEATED_ASSERTION = (r"|(^|[^\[])[$^]([*+?]|\{[0-9])|[\\][\\]\[[$^]([*+?]|\{[0-9])|[\\][\\][bBAz]([*+?]|\{[0-9])"
                       r"|\[\^?\]")
_BRACE_TEXT = (r"|\{[^0-9]|\{$|\{0[0-9]|\{[0-9]+($|[^0-9,}])|\{[0-9]+,($|[^0-9}])|\{[0-9]+,[0-9]+($|[^0-9}])"
               r"|\{[0-9]{4}|\{[0-9]+,[0-9]{4}")
HELD_UNLIKE = r"[(][?][^:]|[(][?]$|\[:|[\\][\\][^" + _ESCAPES_READ_ALIKE + r"]|[\\]\"" + _NESTED_REPEAT + _BRACE_TEXT \
    + _REPEATED_ASSERTION

PATTERN_HELPERS = f"""
{PATTERN}(__natpolicy_x) := __natpolicy_x if not is_string(__natpolicy_x)
{PATTERN}(__natpolicy_x) := __natpolicy_x if {{
  is_string(__natpolicy_x); not regex.match(`{HELD_UNLIKE}`, __natpolicy_x)
}}
{PATTERN}(__natpolicy_x) := {REFUSE}([__natpolicy_x, 0]) if {{
  is_string(__natpolicy_x); regex.match(`{HELD_UNLIKE}`, __natpolicy_x)
}}
"""


def pattern_refusal(name: str, pattern: str) -> str | None:
    """The refusal of a literal ``pattern`` given to ``name`` that regopy reads otherwise than Go, or None."""
    try:
        reading = read_re2(pattern)
    except Re2SyntaxError as exc:
        if name != "regex.is_valid":
            return None  # refused on both engines, by re2_regorus.re2_refusals
        return (f"regex.is_valid(...) of a regular expression Go's RE2 refuses ({exc}; OPA: false): regopy 1.5.2 "
                "takes it (true); natpolicy refuses it: run with --rego-engine regorus")
    if reading.brace_as_text:
        return (f"{name}(...) with a regular expression holding a `{{` Go's RE2 reads as the character itself (no "
                "count it reads follows: `a{01}`, `a{,3}`): regopy 1.5.2 reads it as a repetition or leaves the "
                "call undefined; natpolicy refuses it: write `\\{` or run with --rego-engine regorus")
    if reading.repeated_assertion or reading.bracket_first:
        return (f"{name}(...) with a regular expression repeating an empty-width assertion (`$?`, `^*`, `\\b+`) "
                "or opening a class with `]` (`[]a]`), which Go's RE2 takes: regopy 1.5.2 finds it invalid or "
                "reads `[]` as an empty class; natpolicy refuses it: run with --rego-engine regorus")
    if not _UNLIKE.search(pattern):
        return None
    return (f"{name}(...) with a regular expression holding a flag or named group (`(?i)`), a Unicode or POSIX "
            "class (`\\pL`, `[:alpha:]`), `\\A`, `\\z`, a back reference or another escape Go's RE2 reads otherwise: "
            "regopy 1.5.2 leaves it undefined or matches otherwise; natpolicy refuses it: run with --rego-engine "
            "regorus")


def patterns_refused(sites: list[tuple[str, str]]) -> str:
    """The wording of a stop at a pattern that is no literal, naming the calls that read one."""
    calls = ", ".join(f"{name} at {site}" for site, name in sites if name in PATTERN_ARGUMENT)
    return (f"; or a regular expression given to {calls} holding a flag (`(?i)`), `\\pL`, `\\A`, `\\z`, a POSIX "
            "class, a back reference or another escape regopy 1.5.2 reads otherwise than Go's RE2, a repetition "
            "following a repetition (`a**`, Go's error), a repeated assertion (`$?`) or a `{` Go reads as text") \
        if calls else ""
