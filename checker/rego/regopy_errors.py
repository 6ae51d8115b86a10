"""rego-cpp's errors: the S-expressions regopy 1.5.2 gives in place of JSON, and their places in the policy.

Names and messages in ``(error N:name|offset|len (errormsg M:text) ...)`` are length-prefixed; offsets are UTF-8
bytes into the module regopy compiled, which natpolicy's rewrites (``regopy_rewrite``, ``regopy_hoist``, ...) made
longer on the lines they touch, never adding a line: ``on_policy_line`` puts such an offset back on the policy's
own line (its column clamped to that line), so a message names the line the user wrote.
"""
from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any

from natpolicy.rego.engine import EvaluationError, PolicySyntaxError
from natpolicy.rego.source import line_col

__all__ = ["compile_error", "error_from_node", "first_message", "node_text", "on_policy_line", "parse_sexpr_errors"]


def on_policy_line(error: Exception, policies: Mapping[str, str], compiled: Mapping[str, str]) -> Exception:
    """``error`` with a :class:`PolicySyntaxError`'s byte offset into ``compiled[module]`` (the rewritten text)
    moved to the same line of ``policies[module]`` (the text the user wrote); any other error as it is."""
    if not isinstance(error, PolicySyntaxError) or error.module not in policies or error.module not in compiled:
        return error
    row, col = line_col(compiled[error.module], error.offset)
    lines = policies[error.module].split("\n")
    row = min(row, len(lines))
    before = "".join(line + "\n" for line in lines[:row - 1])
    offset = len((before + lines[row - 1][:max(col - 1, 0)]).encode("utf-8"))
    return PolicySyntaxError(error.module, offset, error.length, error.message)


def parse_sexpr_errors(text: str) -> list[tuple[str, int, int, str]]:
    """``(error N:name|offset|len (errormsg M:text) ...)`` -> [(name, offset, len, message)].

    Names and messages are length-prefixed (``17:dir/bad file.rego``), so they
    may hold spaces, bars or parentheses; lengths count UTF-8 bytes.
    """
    data = text.encode("utf-8")
    out: list[tuple[str, int, int, str]] = []
    pos = 0
    while True:
        start = data.find(b"(error ", pos)
        if start < 0:
            return out
        i = start + len(b"(error ")
        name, i = _prefixed(data, i)
        offset = length = -1
        if name is not None and data[i:i + 1] == b"|":
            j = data.find(b"|", i + 1)
            k = j + 1
            while k < len(data) and data[k:k + 1].isdigit():
                k += 1
            try:
                offset, length = int(data[i + 1:j]), int(data[j + 1:k])
            except ValueError:
                pass
            i = k
        msg_at = data.find(b"(errormsg ", i)
        message = ""
        if msg_at >= 0:
            parsed, _ = _prefixed(data, msg_at + len(b"(errormsg "))
            message = parsed or ""
        out.append((name or "", offset, length, message))
        pos = i if i > start else start + 1


def _prefixed(data: bytes, i: int) -> tuple[str | None, int]:
    j = i
    while j < len(data) and data[j:j + 1].isdigit():
        j += 1
    if j == i or data[j:j + 1] != b":":
        return None, i
    n = int(data[i:j])
    return data[j + 1:j + 1 + n].decode("utf-8", "replace"), j + 1 + n


def first_message(text: str) -> str:
    errors = parse_sexpr_errors(text)
    if errors:
        return errors[0][3]
    marker = "(errormsg "
    at = text.find(marker)
    if at >= 0:
        parsed, _ = _prefixed(text.encode(), at + len(marker))
        return parsed or ""
    return ""


def compile_error(text: str) -> Exception:
    errors = [e for e in parse_sexpr_errors(text) if e[0]]
    if errors:
        # rego-cpp reports the innermost cause first; later entries repeat it
        # at the enclosing construct (often `package` at offset 0).
        name, offset, length, message = errors[0]
        return PolicySyntaxError(name, max(offset, 0), max(length, 0), message or "does not compile")
    return EvaluationError(first_message(text) or "the policies do not compile (rego-cpp gave no detail)")


def node_text(impl: Any) -> str:
    from regopy import rego_shared as rs

    try:
        return rs.rego_node_json(impl)
    except Exception:  # an error node has no JSON form
        message, code = error_from_node(rs, impl)
        return f"(error (errormsg {len(message.encode())}:{message}))"


def error_from_node(rs: Any, node: Any) -> tuple[str, str]:
    """First error message and code inside an error node tree (``<error>`` results)."""
    values: list[str] = []

    def walk(n: Any, depth: int) -> None:
        if not n or depth > 6 or len(values) > 8:
            return
        try:
            size = rs.rego.regoNodeValueSize(n)
            buf = ctypes.create_string_buffer(size)
            rs.rego.regoNodeValue(n, buf, size)
            value = buf.value.decode("utf-8", "replace").strip()
        except Exception:
            value = ""
        if value:
            values.append(value)
        for i in range(rs.rego_node_size(n)):
            walk(rs.rego_node_get(n, i), depth + 1)

    walk(node, 0)
    message = values[0] if values else ""
    code = values[-1] if len(values) > 1 and values[-1].endswith("_error") else ""
    return message, code
