"""Reading a plan file's bytes into a JSON document, with one-line errors.

Kept apart from model building so that the HCL loader and the Rego engine can
reuse the same decoding rules (BOMs, UTF-16, zip detection).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from None


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


def parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(source, "JSON nested too deeply to be a Terraform plan") from None


def load_document(path: str) -> tuple[str, Any]:
    """Return the decoded text and the parsed JSON of ``path`` (``-`` is stdin)."""
    source = "<stdin>" if path == "-" else path
    text = decode(read_bytes(path), source)
    return text, parse_json(text, source)
