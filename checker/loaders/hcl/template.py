"""HCL string templates: ``"a ${b}"``, ``%{if}``/``%{for}`` directives, heredocs and ``templatefile`` text.

This module knows the template syntax; the evaluator (:mod:`natpolicy.loaders.hcl.expr`)
passes in ``value_of``, which evaluates one expression inside a template, so
templates and expressions can nest without this module importing the evaluator.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from lark import Token, Tree

from natpolicy.loaders.hcl import budget as _budget
from natpolicy.loaders.hcl.operations import as_bool, pairs
from natpolicy.loaders.hcl.parse_tree import child_trees
from natpolicy.loaders.hcl.values import EvalError, to_string
from natpolicy.model import UNKNOWN

__all__ = ["Scope", "ValueOf", "heredoc", "string", "template_string", "template_text"]


class Scope(Protocol):
    """What a template needs of the evaluator's context: ``%{for}`` binds its names."""

    def bind(self, **names: Any) -> Scope: ...


# (node, scope, depth) -> the node's value, evaluated and materialised by the evaluator.
ValueOf = Callable[[Any, Any, int], Any]

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r'\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)', re.S)


def _unescape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "uU" and len(code) > 1:
            point = int(code[1:], 16)
            if point > 0x10FFFF:
                raise EvalError(f"invalid unicode escape \\{code}")
            return chr(point)
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE.sub(sub, text)


def string(node: Tree, ctx: Scope, depth: int, value_of: ValueOf) -> Any:
    """A quoted string: its template rendered, or the value of a lone ``${...}``."""
    parts = [c for c in node.children if isinstance(c, Tree) and c.data == "string_part"]
    if len(parts) == 1 and isinstance(parts[0].children[0], Tree) and parts[0].children[0].data == "interpolation":
        # "${expr}" alone is the value itself, as in HCL: "${var.cidrs}" is a list
        # (the Terraform 0.11 style), "${true}" a bool.
        inner = child_trees(parts[0].children[0])
        if inner:
            return value_of(inner[0], ctx, depth)
    return _render_template(parts, ctx, depth, value_of, quoted=True)


def _render_template(parts: list[Tree], ctx: Scope, depth: int, value_of: ValueOf, *, quoted: bool) -> Any:
    """Render template parts, honouring ``%{if}``/``%{for}`` directives."""
    items = [_template_item(p, quoted) for p in parts]
    _apply_strip_markers(parts, items)
    out, pos = _render_seq(items, 0, ctx, depth, value_of, stop=())
    return out


def _apply_strip_markers(parts: list[Tree], items: list[tuple[str, Any]]) -> None:
    """``%{~ if x ~}`` trims the whitespace of the literal text next to the directive."""
    for i, part in enumerate(parts):
        child = part.children[0] if part.children else None
        if not isinstance(child, Tree) or child.data == "interpolation":
            continue
        tokens = [c for c in child.children if isinstance(c, Token)]
        if not tokens:
            continue
        if tokens[0].type == "STRIP_MARKER" and i > 0 and items[i - 1][0] == "text":
            items[i - 1] = ("text", items[i - 1][1].rstrip())
        if len(tokens) > 1 and tokens[-1].type == "STRIP_MARKER" and i + 1 < len(items) and items[i + 1][0] == "text":
            items[i + 1] = ("text", items[i + 1][1].lstrip())


def _template_item(part: Tree, quoted: bool) -> tuple[str, Any]:
    child = part.children[0] if part.children else None
    if isinstance(child, Token):
        text = str(child)
        if child.type == "ESCAPED_INTERPOLATION":
            return ("text", "${" + text[3:])
        if child.type == "ESCAPED_DIRECTIVE":
            return ("text", "%{" + text[3:])
        return ("text", _unescape(text) if quoted else text)
    if not isinstance(child, Tree):
        # The grammar gives every string_part exactly one child; should that
        # ever change, the string is unknown rather than a crash.
        raise EvalError("unsupported empty template part")
    kind = child.data
    exprs = child_trees(child)
    if kind == "interpolation":
        return ("expr", exprs[0] if exprs else None)
    if kind == "template_if_start":
        return ("if", exprs[0] if exprs else None)
    if kind == "template_else":
        return ("else", None)
    if kind == "template_endif":
        return ("endif", None)
    if kind == "template_for_start":
        names = [str(t.children[0]) for t in exprs if t.data == "identifier"]
        coll = [t for t in exprs if t.data != "identifier"]
        return ("for", (names, coll[0] if coll else None))
    if kind == "template_endfor":
        return ("endfor", None)
    raise EvalError(f"unsupported template part {kind}")


def _render_seq(items: list[tuple[str, Any]], pos: int, ctx: Scope, depth: int, value_of: ValueOf,
                stop: tuple[str, ...]) -> tuple[Any, int]:
    """Render from ``pos`` until a directive in ``stop``; returns (text, position)."""
    chunks: list[str] = []
    unknown = False
    while pos < len(items):
        kind, payload = items[pos]
        if kind in stop:
            break
        pos += 1
        if kind == "text":
            chunks.append(payload)
        elif kind == "expr":
            value = value_of(payload, ctx, depth)
            if value is UNKNOWN:
                unknown = True
            else:
                piece = to_string(value)
                _budget.charge_size(len(piece))  # before the join: a loop can repeat a huge value
                chunks.append(piece)
        elif kind == "if":
            # Only the chosen branch is evaluated: an error in the other one does
            # not count (Terraform: "%{if true}y%{else}${null}%{endif}" is "y").
            cond = value_of(payload, ctx, depth)
            else_at = _skip(items, pos, ("else", "endif"))
            end = _skip(items, else_at + 1, ("endif",)) if items[else_at][0] == "else" else else_at
            if cond is UNKNOWN:
                unknown = True
            elif as_bool(cond):
                yes, _ = _render_seq(items[:else_at], pos, ctx, depth, value_of, ("else", "endif"))
                unknown = unknown or yes is UNKNOWN
                chunks.append("" if yes is UNKNOWN else yes)
            elif else_at != end:
                no, _ = _render_seq(items[:end], else_at + 1, ctx, depth, value_of, ("endif",))
                unknown = unknown or no is UNKNOWN
                chunks.append("" if no is UNKNOWN else no)
            pos = end + 1
        elif kind == "for":
            names, coll_node = payload
            body_start = pos
            end = _skip(items, pos, ("endfor",))
            pos = end + 1
            coll = value_of(coll_node, ctx, depth)
            if coll is UNKNOWN:
                unknown = True
                continue
            for key, value in pairs(coll, ordered=True):
                bound = (dict(zip(names, (key, value), strict=True)) if len(names) == 2
                         else {names[0]: value} if names else {})
                _budget.charge_steps()
                text, _ = _render_seq(items[:end], body_start, ctx.bind(**bound), depth, value_of, ("endfor",))
                if text is UNKNOWN:
                    unknown = True
                else:
                    chunks.append(text)
        else:
            raise EvalError(f"unexpected template directive {kind}")
    return (UNKNOWN if unknown else "".join(chunks)), pos


def _skip(items: list[tuple[str, Any]], pos: int, stop: tuple[str, ...]) -> int:
    """Where the first directive in ``stop`` at this nesting level is, without evaluating."""
    while pos < len(items):
        kind = items[pos][0]
        if kind in stop:
            return pos
        if kind == "if":
            at = _skip(items, pos + 1, ("else", "endif"))
            pos = _skip(items, at + 1, ("endif",)) if at < len(items) and items[at][0] == "else" else at
        elif kind == "for":
            pos = _skip(items, pos + 1, ("endfor",))
        elif kind in ("else", "endif", "endfor"):
            raise EvalError(f"unexpected template directive {kind}")
        pos += 1
    raise EvalError("unterminated template directive")


_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)^[ \t]*\2\r?\n?\Z", re.S | re.M)


def heredoc(node: Tree, ctx: Scope, depth: int, value_of: ValueOf) -> Any:
    """A heredoc (``<<EOT``, or ``<<-EOT`` without its common indentation), rendered."""
    raw = str(node.children[0])
    m = _HEREDOC.match(raw)
    if not m:
        raise EvalError("unreadable heredoc")
    body = m.group(3)
    if m.group(1):  # <<- strips the smallest common indentation
        lines = body.split("\n")
        indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
        cut = min(indents) if indents else 0
        body = "\n".join(ln[cut:] for ln in lines)
    if "${" not in body and "%{" not in body:
        return body
    return template_text(body, ctx, depth, value_of)


def template_text(text: str, ctx: Scope, depth: int, value_of: ValueOf) -> Any:
    """Evaluate a template given as raw text (heredocs): re-parse it as a string."""
    from natpolicy.loaders.hcl.parse import parse_expression

    node = parse_expression(_quote_template(text))
    if node is None:
        raise EvalError("unreadable template")
    return value_of(node, ctx, depth)


def _quote_template(text: str) -> str:
    """Escape literal parts of a template so it can be written as a quoted string."""
    out: list[str] = ['"']
    i, n = 0, len(text)
    while i < n:
        if text.startswith(("${", "%{"), i) and not (i > 0 and text[i - 1] in "$%" and text[i - 1] == text[i]):
            end = _matching_brace(text, i + 1)
            out.append(text[i:end + 1])
            i = end + 1
            continue
        ch = text[i]
        out.append({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, ch))
        i += 1
    out.append('"')
    return "".join(out)


def _matching_brace(text: str, start: int) -> int:
    depth, i, in_str = 0, start, False
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise EvalError("unterminated template sequence")


def template_string(node: Tree) -> Any:
    """A ``template_string`` node: the text inside its two-character delimiters, unescaped."""
    raw = str(node.children[0])
    return _unescape(raw[2:-2])
