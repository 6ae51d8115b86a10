"""regorus' error texts in natpolicy's words: one line ``file:line:col: message`` (the source excerpt and the Rust
backtrace dropped, the values it echoes named by their type, natpolicy's extensions' refusals in natpolicy's
words), a compile error as a :class:`PolicySyntaxError` at its place, and ``print()`` output as regopy writes it.
Split from ``engine_regorus``, which reads each error through these.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping

from natpolicy.rego.engine import EvaluationError, PolicySyntaxError

__all__ = ["one_line", "report_prints", "syntax_error"]

_LOCATION = re.compile(r"-->\s*(?P<module>.+?):(?P<line>\d+):(?P<col>\d+)\s*$", re.MULTILINE)
_MESSAGE = re.compile(r"^error:\s*(?P<message>.*)$", re.MULTILINE)
_PRINT_PREFIX = re.compile(r"^.*?:\d+: ", re.DOTALL)


def report_prints(printed: list[str]) -> None:
    """Rego ``print()`` output on stderr, one line per call, as regopy writes it.

    regorus prefixes ``module:line: ``; the rest is JSON-escaped, so a
    newline or a terminal escape inside a printed value stays on its line
    (the child's stderr becomes notes, each line one note).
    """
    for line in printed:
        text = _PRINT_PREFIX.sub("", line, count=1)
        sys.stderr.write(json.dumps(text, ensure_ascii=False)[1:-1] + "\n")
    if printed:
        sys.stderr.flush()


def one_line(text: str) -> str:
    """``file:line:col: message`` from a regorus error (source excerpt and backtrace dropped)."""
    text = text.split("Stack backtrace:", 1)[0]
    location = _LOCATION.search(text)
    message = _MESSAGE.search(text)
    detail = _without_values(_sprintf_detail((message.group("message") if message else " ".join(text.split())).strip()))
    if location is None:
        return detail or "regorus reported an error without detail"
    return f"{location.group('module')}:{location.group('line')}:{location.group('col')}: {detail}"


_EXTENSION_ERROR = re.compile(r"^extension 'sprintf' raises Python error: \w+: ")
# natpolicy's other extensions (every extension is natpolicy's: arith_opa, case_opa, numbers_opa, replace_opa,
# urlquery_opa, ...) say why in their own words.
_OWN_EXTENSION_ERROR = re.compile(r"^extension '[\w.]+' raises Python error: \w+: ")


def _sprintf_detail(detail: str) -> str:
    """natpolicy's own sprintf (``sprintf_opa``) or another of its extensions refusing a value, in natpolicy's words."""
    if _EXTENSION_ERROR.match(detail):
        return _EXTENSION_ERROR.sub("", detail) + " (natpolicy refuses what it cannot print exactly as OPA does)"
    if _OWN_EXTENSION_ERROR.match(detail):
        return _OWN_EXTENSION_ERROR.sub("", detail)
    if detail == "not an i64":  # regorus hands Python no integer past 64 bits (nor a whole f64 past them: 1e21)
        return ("not an i64: an integer past 64 bits reached sprintf, abs, round, ceil, floor or another builtin "
                "natpolicy answers as OPA does, and regorus cannot hand it over; natpolicy refuses it")
    if detail.startswith("TypeError: unhashable type"):  # a Python set cannot hold a list, dict or set
        return (f"{detail}: a set of arrays, objects or sets (or an object keyed by them) reached sprintf, which "
                "natpolicy formats as OPA does but regorus cannot hand it; natpolicy refuses it")
    return detail


# regorus writes the value a builtin was handed, or the outputs a function produced, into its message
# (`Got `{"k":"..."}` instead`, `multiple outputs Set({String("...")})`): a value the plan may mark
# sensitive. natpolicy names its type only (OPA's own messages name no value either).
_GOT_VALUE = re.compile(r"Got `(?P<value>.*)` instead", re.DOTALL)
_OUTPUTS = re.compile(r"(function produced multiple outputs)\b.*", re.DOTALL)
_TYPE_NAMES = ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"), (list, "an array"),
               (dict, "an object"))


def _without_values(detail: str) -> str:
    """``detail`` with the values regorus echoes replaced by their type."""
    def kind(match: re.Match[str]) -> str:
        try:
            value = json.loads(match.group("value"))
        except ValueError:
            return "Got another value instead"
        name = next((label for cls, label in _TYPE_NAMES if isinstance(value, cls)), "null")
        return f"Got {name} instead"

    return _GOT_VALUE.sub(kind, _OUTPUTS.sub(r"\1 for the same inputs", detail))


def syntax_error(text: str, modules: Mapping[str, str]) -> Exception:
    """A :class:`PolicySyntaxError` at the byte offset of regorus' line:col (in characters)."""
    text = text.split("Stack backtrace:", 1)[0]
    location = _LOCATION.search(text)
    message = _MESSAGE.search(text)
    detail = (message.group("message") if message else " ".join(text.split())).strip() or "does not compile"
    if location is None or location.group("module") not in modules:
        return EvaluationError(detail)
    source = modules[location.group("module")]
    line, col = int(location.group("line")), int(location.group("col"))
    lines = source.split("\n")
    before = "\n".join(lines[:line - 1]) + ("\n" if line > 1 else "")
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    offset = len((before + current[:max(col - 1, 0)]).encode("utf-8"))
    return PolicySyntaxError(location.group("module"), offset, 1, detail)
