"""Rego print() output, and the engine's own words on that stream, as a report's notes.

The child process hands back what the policies printed as bytes: an attacker's policy can print terminal escapes,
newlines or a flood, and regorus writes its parser warnings to the same stream. ``printed_notes`` turns those bytes
into bounded one-line notes, scrubbed like messages; ``safe_line`` makes any one line of text safe to print.
"""
from __future__ import annotations

import re

from natpolicy.runner import Scrubber

__all__ = ["printed_notes", "safe_line"]

# Rego print() output kept as notes: enough to debug a policy, not a flood.
_PRINT_LINES = 50
_PRINT_WIDTH = 500

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe_line(text: str) -> str:
    """``text`` on one line, every control character (terminal escapes, newlines) made visible."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                        text)


def printed_notes(printed: bytes, dropped: int, scrub: Scrubber, label: str = "Rego print()") -> list[str]:
    """Rego print() output as notes: scrubbed like messages, escaped, bounded; regorus' parser warnings, which reach
    the same stream, one note each."""
    # Lines end at "\n" only: a "\r" or U+2028 stays inside its line, made visible.
    lines = printed.decode("utf-8", "replace").removesuffix("\n").split("\n") if printed else []
    lines, warnings = _engine_warnings(lines)
    notes = [f"Rego engine {safe_line(scrub(warning[:_PRINT_WIDTH]))}" for warning in warnings]
    notes += [f"{label}: {safe_line(scrub(line[:_PRINT_WIDTH]))}" for line in lines[:_PRINT_LINES]]
    more = len(lines) - _PRINT_LINES
    if more > 0 or dropped:
        notes.append(f"{label}: {max(more, 0)} more line(s) and {dropped} more byte(s) not shown")
    return notes


# regorus writes a parser warning as a code frame: an empty line, `--> file:line:col`, lines of `|` and the warning
# (measured: `warning: `if` will be treated as identifier due to missing `import future.keywords.if``). Printed
# values never span lines (each print() call is one JSON-escaped line), so such a frame is the engine's.
_FRAME_AT = re.compile(r"^--> (?P<where>\S+:\d+:\d+)$")
_FRAME_LINE = re.compile(r"^\s*\d*\s*\|.*$")


def _engine_warnings(lines: list[str]) -> tuple[list[str], list[str]]:
    """(the lines left, each engine warning as `warning: ... (file:line:col)`)."""
    kept: list[str] = []
    warnings: list[str] = []
    i = 0
    while i < len(lines):
        start = i + 1 if lines[i] == "" else i
        at = _FRAME_AT.match(lines[start]) if start < len(lines) else None
        j = start + 1
        while at and j < len(lines) and _FRAME_LINE.match(lines[j]):
            j += 1
        if at and j < len(lines) and j > start + 1 and lines[j].startswith("warning: "):
            warnings.append(f"{lines[j]} ({at.group('where')})")
            i = j + 1
            continue
        kept.append(lines[i])
        i += 1
    return kept, warnings
