"""Reading a plan file's bytes into a JSON document, with one-line errors.

Kept apart from model building so that the HCL loader and the Rego engine can
reuse the same decoding rules (BOMs, UTF-16, zip detection).
"""
from __future__ import annotations

import json
import os
import re
import stat
import sys
from functools import cache
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


# A JSON string escape of a UTF-16 surrogate: only here can a lone one come from (the file is valid UTF-8).
@cache
def _surrogate_escape() -> re.Pattern[str]:  # compiled on first use: a plan run's own reader does not parse here
    return re.compile(r"\\u[dD][89a-fA-F]")


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        kind = _special_kind(os.stat(path).st_mode)
        if kind is not None:
            # /dev/zero, /dev/urandom or a FIFO never end: reading one would hang the gate.
            raise InputError(path, f"is {kind}, not a regular file (pipe a plan to `-` to read it from stdin)")
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


def _special_kind(mode: int) -> str | None:
    """What a non-regular, non-directory file is, for the error; ``None`` for a regular file or a directory."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def decode(data: bytes, source: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK"):
        raise InputError(
            source,
            "this is a binary Terraform plan (a zip file); convert it first with "
            "`terraform show -json plan.out > plan.json`",
        )
    if not data.strip():
        raise InputError(source, "the file is empty")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(source, f"not valid {codec.upper()} text ({exc.reason} at byte {exc.start})") from None
    # UTF-16 without a BOM still shows its zero bytes; name it rather than fail obscurely.
    if len(data) > 1 and (data[0] == 0 or data[1] == 0):
        raise InputError(source, "looks like UTF-16 without a byte-order mark; save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, f"not valid UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_json(text: str, source: str, what: str = "a Terraform plan") -> Any:
    """``json.loads`` whose every failure is one line naming ``source`` (``what`` the file should be)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(source, f"JSON nested too deeply to be {what}") from None
    except ValueError as exc:  # int(): the only other ValueError json.loads raises
        if "digits" not in str(exc):
            raise
        raise InputError(source, f"holds a number of more than {_max_digits():,} digits, which cannot be "
                                 f"{what}") from None
    if _surrogate_escape().search(text):
        _refuse_lone_surrogates(doc, text, source)
    return doc


def _max_digits() -> int:
    """Python refuses longer digit strings as ints (CVE-2020-10735): 4,300 unless changed."""
    return getattr(sys, "get_int_max_str_digits", lambda: 4300)()


def _refuse_lone_surrogates(doc: Any, text: str, source: str) -> None:
    """A ``\\ud800`` escape alone is no character: no output could encode it (every writer would crash)."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        escape = f"\\u{ord(exc.object[exc.start]):04x}"
        at = text.lower().find(escape)
        line = f" at line {text.count(chr(10), 0, at) + 1}" if at >= 0 else ""
        raise InputError(source, f"malformed JSON{line}: the escape {escape} is half of a UTF-16 surrogate pair, "
                                 "not a character") from None
    except (RecursionError, ValueError):
        pass  # not ours to judge here: json.loads read it


def load_document(path: str) -> tuple[str, Any]:
    """Return the decoded text and the parsed JSON of ``path`` (``-`` is stdin)."""
    source = "<stdin>" if path == "-" else path
    text = decode(read_bytes(path), source)
    return text, parse_json(text, source)
