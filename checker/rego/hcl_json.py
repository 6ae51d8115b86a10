"""A ``.tf`` file in conftest's HCL JSON shape, built from natpolicy's python-hcl2 parse tree.

``conftest test main.tf`` hands a policy the file converted by its hcl2json
port (``parser/hcl2/convert.go``); policies written against that shape run
unchanged here. The rules, read from conftest's converter and its tests:

* an attribute is its value: literals as JSON (``2``, ``true``, ``null``,
  ``-1``, ``!true``), a string without interpolation as the string, a string
  that is one ``${x}`` alone as ``x`` converted (``"${1}"`` is 1), lists and
  objects element by element, and every other expression as
  ``"${<source text>}"`` (``"${var.region}"``, ``"${var.a > 2 ? 1 : 0}"``,
  ``type = string`` too: hcl2json 0.6.8 writes ``"${string}"``, its issue
  #135); a string with interpolation keeps its literal parts around
  ``${<source>}``;
* a block nests under its type, then each label, and the innermost key holds
  a *list* of bodies, one per block (``resource.aws_instance.web[0].ami``,
  ``ebs_block_device[1].size``, ``terraform[0].required_version``);
  ``dynamic "x"`` is ``dynamic.x[0]``.

Nothing is evaluated (no variables, no modules): this is the file as
written, as conftest sees it. natpolicy's built-in rules keep reading
Terraform code through its own evaluating loader.
"""
from __future__ import annotations

import json
import re
from typing import Any

from lark import Token, Tree

from natpolicy.errors import InputError

__all__ = ["to_conftest_json"]


def to_conftest_json(body: Any, text: str, display: str) -> dict[str, Any]:
    """``body`` (``natpolicy.loaders.hcl.parse.Body`` of ``text``) in conftest's shape."""
    return _Converter(text, display).body(body)


class _Converter:
    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display

    def body(self, body: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, attr in body.attributes.items():
            out[name] = self.value(attr.expr)
        for block in body.blocks:
            self.block(block, out)
        return out

    def block(self, block: Any, out: dict[str, Any]) -> None:
        value = self.body(block.body)
        target, key = out, block.type
        for label in block.labels:
            inner = target.setdefault(key, {})
            if not isinstance(inner, dict):
                # conftest refuses this too ("Unable to convert Block to JSON").
                raise InputError(f"{self.display}:{block.start_line}",
                                 f"`{block.type} {' '.join(json.dumps(lb) for lb in block.labels)}` clashes with an "
                                 "attribute or block of the same name, which conftest's HCL JSON cannot hold")
            target, key = inner, label
        current = target.get(key)
        if current is None:
            target[key] = [value]
        elif isinstance(current, list):
            current.append(value)
        else:
            target[key] = [current, value]

    # -- expressions ---------------------------------------------------------
    def value(self, node: Any) -> Any:
        node = _unwrap(node)
        if isinstance(node, Token):
            return self.token(node)
        kind = node.data
        if kind in ("int_lit", "float_lit", "literal_value"):
            first = node.children[0] if node.children else None
            return self.token(first) if isinstance(first, Token) else None
        if kind == "string":
            only = _only_interpolation(node)
            # `"${x}"` alone is hclsyntax's TemplateWrapExpr, which hcl2json converts as the expression x
            # (`"${1}"` is 1, `"${"hi"}"` is "hi", `"${var.a}"` stays "${var.a}").
            return self.value(only) if only is not None else self.template(node)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return _heredoc(str(node.children[0]), kind == "heredoc_template_trim")
        if kind == "tuple":
            return [self.value(child) for child in node.children if isinstance(child, Tree)]
        if kind == "unary_op" and len(node.children) == 2 and str(node.children[0]) in ("-", "!"):
            # hcl2json folds an operator on a literal into its value: `-1` is -1 (python-hcl2 already folds
            # `-1.5`), `!true` is false.
            operand = _unwrap(node.children[1])
            literal = operand.children[0] if isinstance(operand, Tree) and operand.children else None
            if isinstance(operand, Tree) and operand.data in ("int_lit", "float_lit", "literal_value") \
                    and isinstance(literal, Token):
                value = self.token(literal)
                if str(node.children[0]) == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    return -value
                if str(node.children[0]) == "!" and isinstance(value, bool):
                    return not value
        if kind == "object":
            out: dict[str, Any] = {}
            for elem in node.children:
                if isinstance(elem, Tree) and elem.data == "object_elem":
                    parts = [c for c in elem.children if isinstance(c, Tree)]
                    if len(parts) >= 2:
                        out[self.key(parts[0])] = self.value(parts[-1])
            return out
        return self.wrapped(node)

    def token(self, token: Token) -> Any:
        raw = str(token)
        if token.type in ("INT_LITERAL", "DECIMAL") or re.fullmatch(r"-?\d+", raw):
            return int(raw)
        if raw in ("true", "false"):
            return raw == "true"
        if raw == "null":
            return None
        try:
            return float(raw)
        except ValueError:
            return f"${{{raw}}}"

    def key(self, node: Any) -> str:
        """An object key: a bare name as written, a string as its text, anything else as ``${...}``."""
        inner = _unwrap(node.children[0] if isinstance(node, Tree) and node.data == "object_elem_key"
                        and node.children else node)
        if isinstance(inner, Token):
            return str(inner)
        if inner.data in ("identifier", "keyword"):
            return "".join(str(c) for c in inner.children)
        if inner.data == "string":
            return self.template(inner)
        if inner.data in ("int_lit", "float_lit", "literal_value"):
            return self.source(inner)
        return self.wrapped(node)

    def template(self, node: Tree) -> str:
        parts: list[str] = []
        for part in node.children:
            if not isinstance(part, Tree) or part.data != "string_part":
                continue
            for child in part.children:
                if isinstance(child, Token):
                    parts.append(_unescape(str(child)))
                elif child.data == "interpolation":
                    exprs = [c for c in child.children if isinstance(c, Tree)]
                    parts.append("${" + (self.source(exprs[0]) if exprs else "") + "}")
                else:  # a %{ } directive: kept as written, as conftest keeps it
                    parts.append(self.source(child))
        return "".join(parts)

    def wrapped(self, node: Tree) -> str:
        return "${" + self.source(node) + "}"

    def source(self, node: Tree) -> str:
        meta = node.meta
        if meta.empty:
            return ""
        return self.text[meta.start_pos:meta.end_pos].strip()


def _only_interpolation(node: Tree) -> Any:
    """The expression of a string that is one ``${...}`` and nothing else; None for any other string."""
    parts = [child for part in node.children if isinstance(part, Tree) and part.data == "string_part"
             for child in part.children]
    if len(parts) != 1 or not isinstance(parts[0], Tree) or parts[0].data != "interpolation":
        return None
    exprs = [c for c in parts[0].children if isinstance(c, Tree)]
    return exprs[0] if len(exprs) == 1 else None


def _unwrap(node: Any) -> Any:
    """The expression inside ``expr_term`` wrappers (but not inside parentheses: they are source text)."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    return node


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r'\\(?:([nrt"\\])|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))|\$\$\{|%%\{')


def _unescape(raw: str) -> str:
    """HCL string escapes (``\\n``, ``\\"``, ``\\u00e9``, ``$${``, ``%%{``) as the characters they stand for."""
    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "$${":
            return "${"
        if text == "%%{":
            return "%{"
        if match.group(1):
            return _ESCAPES[match.group(1)]
        code = int(match.group(2) or match.group(3), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else text
    return _ESCAPE.sub(one, raw)


def _heredoc(raw: str, trim: bool) -> str:
    """The text of ``<<EOF ... EOF`` (``<<-`` strips the common indentation, as Terraform does)."""
    lines = raw.split("\n")
    body = lines[1:]
    # The last line holding only the marker closes the heredoc.
    while body and not body[-1].strip():
        body.pop()
    if body:
        body.pop()
    if trim:
        indents = [len(line) - len(line.lstrip(" \t")) for line in body if line.strip()]
        cut = min(indents) if indents else 0
        body = [line[cut:] for line in body]
    return "".join(line + "\n" for line in body)
