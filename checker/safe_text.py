"""Text from scanned files, made safe to print on a terminal or in a CI log.

A file name, a resource address or a message can hold anything a pull
request put there: an ESC that starts a colour, a window-title (OSC 0) or
hyperlink (OSC 8) sequence, a carriage return that overwrites the line, a
newline followed by ``::error::`` (or a legacy ``##[error]`` anywhere) that
a GitHub runner would take as a workflow command. Everything natpolicy quotes goes through :func:`escape`
first, so the only escape sequences left are the ones natpolicy adds itself
(its colours); every line of a report goes through :func:`defang_line`.

Imports nothing of natpolicy's.
"""
from __future__ import annotations

import functools
import re

__all__ = ["defang", "defang_line", "escape", "one_line"]

# C0 controls (tab and newline included: a quoted value never spans lines),
# DEL, C1 controls (U+009B is a one-character CSI on some terminals), and the
# Unicode line and paragraph separators and bidirectional overrides.
# Compiled on first use (2.5 M instructions at each start otherwise): text that is printable ASCII, all
# natpolicy writes for the benchmark plans, never reaches it.
_CONTROL_PATTERN = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# A runner reads a workflow command at the start of a line, after blanks.
_COMMAND_START_PATTERN = r"^(\s*):(?=:)"


@functools.cache
def _control() -> re.Pattern[str]:
    return re.compile(_CONTROL_PATTERN)


@functools.cache
def _command_start() -> re.Pattern[str]:
    return re.compile(_COMMAND_START_PATTERN)


def _code(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    r"""``text`` with every control character written out (``\e``, ``\n``, ``\x07``, ``\u202e``)."""
    if text.isascii() and text.isprintable():  # printable ASCII holds none of _CONTROL_PATTERN's characters
        return text
    control = _control()
    if control.search(text) is None:  # the common case: nothing to copy
        return text
    return control.sub(_code, text)


def defang_line(line: str) -> str:
    """A line that holds no workflow command: a leading ``::`` becomes ``\\::``.

    The runner also reads the legacy ``##[name]`` form anywhere in a line; it
    becomes ``##\\[``.
    """
    if "##[" in line:
        line = line.replace("##[", "##\\[")
    # The pattern's ``\s`` and ``str.lstrip`` strip the same characters (both Py_UNICODE_ISSPACE), so
    # a line whose stripped text does not start with ``::`` is one the substitution leaves alone: it
    # is returned without calling ``sub``, which parses its template in Python on every call.
    if not line.lstrip().startswith("::"):
        return line
    return _command_start().sub(r"\1\\:", line, count=1)


def defang(text: str) -> str:
    """:func:`defang_line` on every line of ``text`` (line ends kept)."""
    if "::" not in text and "##[" not in text:
        return text
    return "".join(defang_line(line) for line in text.splitlines(keepends=True))


def one_line(text: str) -> str:
    """An error message for stderr: control characters escaped, no line break, no command."""
    return defang_line(escape(text))
