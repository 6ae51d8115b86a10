"""Static evaluation of HCL expressions over python-hcl2's lark tree.

Values are plain Python (see :mod:`natpolicy.hcl.values`): ``None`` (null),
``bool``, ``int``/``float``, ``str``, ``list`` (a tuple; ``TfList``/``TfSet``
for lists and sets) and ``dict`` (an object; ``TfMap`` for maps), plus the
``UNKNOWN`` sentinel for anything only known at apply time or beyond what a
static reading can tell. The rule everywhere: an unknown input gives an
unknown output, and a known result is the one Terraform computes. Terraform
errors raise :class:`EvalError` (which ``try()``/``can()`` observe and
:func:`evaluate` turns into ``UNKNOWN``); what Terraform computes but this
evaluator does not raises :class:`NotEvaluated`, which becomes ``UNKNOWN``
where it happens and a line in the verbose report.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from lark import Token, Tree

from natpolicy.hcl import budget as _budget
from natpolicy.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    Notice,
    TfList,
    TfSet,
    UnknownType,
    Withheld,
    convert,
    equal,
    exact,
    normalise_number,
    number_from_fraction,
    parse_number,
    to_string,
    type_of_loose,
    unify_loose,
)
from natpolicy.model import UNKNOWN, is_known

__all__ = [
    "EvalError", "NotEvaluated", "Context", "Lazy", "evaluate", "evaluate_raw",
    "to_string", "normalise_number", "is_unknown", "equal", "get_attr", "index_value",
]

_MAX_DEPTH = 200  # expression nesting deeper than this is not a real configuration

Report = Callable[[str, "str | None"], None]


class Lazy:
    """A namespace resolved on demand (``local``, ``module``, resource types).

    Evaluating a whole configuration eagerly would need a dependency sort;
    resolving names when they are first used (memoised by the owner) gives
    the same result and evaluates only what resources actually need.
    """

    def attr(self, name: str) -> Any:  # pragma: no cover - interface
        raise EvalError(f"unsupported attribute {name!r}")

    def index(self, key: Any) -> Any:
        raise EvalError("this value cannot be indexed")

    def materialize(self) -> Any:
        return UNKNOWN


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def _no_report(message: str, where: str | None = None) -> None:
    return None


class Context:
    """Names visible to an expression: fixed bindings over a root lookup.

    ``report(message, where)`` receives what was not evaluated; ``where`` is
    the ``file:line`` of the expression, when the caller set it with :meth:`at`.
    ``strict`` (inside ``try()``/``can()``): a result computed next to an
    unknown value is unknown, since that value might make it an error, and
    there an error is not the end but the fallback.
    """

    __slots__ = ("_root", "_bindings", "functions", "report", "where", "strict")

    def __init__(self, root: Callable[[str], Any], bindings: dict[str, Any] | None = None,
                 functions: dict[str, Callable[..., Any]] | None = None,
                 report: Report | None = None, where: str | None = None, strict: bool = False) -> None:
        self._root = root
        self._bindings = bindings or {}
        if functions is None:
            from natpolicy.hcl.functions import FUNCTIONS

            functions = FUNCTIONS
        self.functions = functions
        self.report: Report = report or _no_report
        self.where = where
        self.strict = strict

    def lookup(self, name: str) -> Any:
        if name in self._bindings:
            return self._bindings[name]
        return self._root(name)

    def bind(self, **names: Any) -> Context:
        return Context(self._root, {**self._bindings, **names}, self.functions, self.report, self.where, self.strict)

    def at(self, where: str | None) -> Context:
        """The same names, for an expression at ``where`` (``file:line``)."""
        return Context(self._root, self._bindings, self.functions, self.report, where, self.strict)

    def strictly(self) -> Context:
        return Context(self._root, self._bindings, self.functions, self.report, self.where, True)

    def note(self, message: str) -> None:
        self.report(message, self.where)


def evaluate(node: Any, ctx: Context, *, keep_lazy: bool = False, argument: bool = False) -> Any:
    """The value of ``node``; ``UNKNOWN`` when it cannot be known or would fail.

    ``keep_lazy`` returns a lazily resolved object (a resource seen from an
    output) as it is, so ``module.m.sg.name`` can still read one attribute.

    ``argument``: ``node`` is a whole resource argument, which the provider
    converts to its schema type. So a conditional that is the whole argument
    gives its chosen result even beside an unknown one: ``from_port =
    var.public ? 22 : var.port`` is port 22, whether the unknown result would
    have made the conditional ``"22"`` or ``22``, and ``cidr_blocks =
    var.public ? ["0.0.0.0/0"] : var.allowed`` is that list, whether a tuple
    or a list. Inside a larger expression (a local, a module input, ``==``,
    ``jsonencode``) the type still matters, so there it stays unknown.
    """
    try:
        return evaluate_raw(node, ctx, keep_lazy=keep_lazy, argument=argument)
    except EvalError:
        return UNKNOWN
    except (RecursionError, TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError):
        # A gap in this evaluator must never break a run; the property tests
        # (tests/test_hcl_expr.py) use evaluate_raw, where it surfaces.
        return UNKNOWN


def evaluate_raw(node: Any, ctx: Context, *, keep_lazy: bool = False, argument: bool = False) -> Any:
    """Like :func:`evaluate`, but a Terraform error raises :class:`EvalError`;
    any other exception is a bug in this evaluator and propagates."""
    if _budget.current() is None:  # outside a load: this expression alone gets a budget
        with _budget.active():
            return evaluate_raw(node, ctx, keep_lazy=keep_lazy, argument=argument)
    try:
        conditional = _whole_conditional(node) if argument else None
        value = _eval(node, ctx, 0) if conditional is None else _conditional(conditional, ctx, 1, argument=True)
        if keep_lazy and isinstance(value, Lazy):
            return value
        return _deep(value, 0)
    except _budget.BudgetExceeded as exc:
        spent = _budget.current()
        if spent is not None:
            spent.note("the value", ctx.where, exc.kind)
        return UNKNOWN


def _whole_conditional(node: Any) -> Tree | None:
    """The conditional that is all of ``node`` (also inside parentheses), if any."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(_trees(node)) == 1:
        node = _trees(node)[0]  # `(a ? b : c)`
    return node if isinstance(node, Tree) and node.data == "conditional" else None


def _deep(value: Any, depth: int) -> Any:
    """Resolve lazy namespaces anywhere inside a final value."""
    if isinstance(value, Lazy):
        value = value.materialize()
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, list):
        if any(isinstance(v, (Lazy, list, dict)) for v in value):
            # A copy, element by element: a value sharing its parts (`[local.a, local.a]`
            # thirty times over) unfolds here, so the budget counts every one (as steps:
            # the copy is as large as the steps it took, and most copies are transient).
            _budget.charge_steps(len(value))
            return _rebuild(value, [_deep(v, depth + 1) for v in value])
    elif isinstance(value, dict):
        if any(isinstance(v, (Lazy, list, dict)) for v in value.values()):
            _budget.charge_steps(len(value))
            return type(value)({k: _deep(v, depth + 1) for k, v in value.items()})
    return value


def _rebuild(like: list[Any], items: list[Any]) -> list[Any]:
    """``items`` as the same kind of collection as ``like`` (tuple, list or set)."""
    if isinstance(like, TfSet):
        return TfSet(items, like.ordered)
    return type(like)(items)


def _materialize(value: Any) -> Any:
    if isinstance(value, Lazy):
        return value.materialize()
    return value


# ---------------------------------------------------------------- dispatch
def _eval(node: Any, ctx: Context, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise EvalError("expression nested too deeply")
    if isinstance(node, Token):
        return _token(node)
    handler = _HANDLERS.get(node.data)
    if handler is None:
        raise EvalError(f"unsupported expression {node.data}")
    budget = _budget.current()
    try:
        if budget is not None:
            budget.step()
        value = handler(node, ctx, depth + 1)
        if budget is not None and node.data in _BUILDERS and isinstance(value, (str, list, dict)):
            budget.built(len(value))
        return value
    except _budget.BudgetExceeded as exc:
        if budget is not None:
            budget.note(_describe(node), ctx.where, exc.kind)
        return UNKNOWN
    except NotEvaluated as exc:
        # Unknown right here, not further out: `[regex(...), "a"]` keeps "a".
        ctx.note(Notice(exc) if isinstance(exc, Withheld)
                 else f"{exc} is not evaluated; the result is treated as unknown")
        return UNKNOWN


# Expressions that build a new value: its size counts against the budget.
_BUILDERS = frozenset({"tuple", "object", "for_tuple_expr", "for_object_expr", "function_call",
                       "attr_splat_expr_term", "full_splat_expr_term"})


def _describe(node: Tree) -> str:
    """The expression in a few words, for the budget's note."""
    if node.data == "function_call":
        names = [str(t.children[0]) for t in _trees(node) if t.data == "identifier"]
        return f"{'::'.join(names)}()"
    return {"for_tuple_expr": "a for expression", "for_object_expr": "a for expression", "tuple": "a tuple",
            "object": "an object", "binary_op": "an operation", "conditional": "a conditional",
            "string": "a string template", "template_string": "a string template"}.get(node.data, "an expression")


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _token(token: Token) -> Any:
    if token.type == "INT_LITERAL":
        return parse_number(str(token))
    if token.type == "FLOAT_LITERAL":
        return _number_literal(str(token))
    return str(token)


def _expr_term(node: Tree, ctx: Context, depth: int) -> Any:
    inner = _trees(node)
    if not inner:
        raise EvalError("empty expression")
    return _eval(inner[0], ctx, depth)


def _identifier(node: Tree, ctx: Context, depth: int) -> Any:
    return ctx.lookup(str(node.children[0]))


def _literal(node: Tree, ctx: Context, depth: int) -> Any:
    text = str(node.children[0])
    return {"true": True, "false": False, "null": None}[text]


def _int(node: Tree, ctx: Context, depth: int) -> Any:
    return parse_number(str(node.children[0]))


def _float(node: Tree, ctx: Context, depth: int) -> Any:
    return _number_literal(str(node.children[0]))


def _number_literal(text: str) -> int | float:
    """A number literal as Terraform reads it: the exact decimal (``1e20`` is 10**20)."""
    return parse_number(text)


# ---------------------------------------------------------------- strings
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


def _string(node: Tree, ctx: Context, depth: int) -> Any:
    parts = [c for c in node.children if isinstance(c, Tree) and c.data == "string_part"]
    if len(parts) == 1 and isinstance(parts[0].children[0], Tree) and parts[0].children[0].data == "interpolation":
        # "${expr}" alone is the value itself, as in HCL: "${var.cidrs}" is a list
        # (the Terraform 0.11 style), "${true}" a bool.
        inner = _trees(parts[0].children[0])
        if inner:
            return _materialize(_eval(inner[0], ctx, depth))
    return _render_template(parts, ctx, depth, quoted=True)


def _render_template(parts: list[Tree], ctx: Context, depth: int, *, quoted: bool) -> Any:
    """Render template parts, honouring ``%{if}``/``%{for}`` directives."""
    items = [_template_item(p, quoted) for p in parts]
    _apply_strip_markers(parts, items)
    out, pos = _render_seq(items, 0, ctx, depth, stop=())
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
    exprs = _trees(child)
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


def _render_seq(items: list[tuple[str, Any]], pos: int, ctx: Context, depth: int,
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
            value = _materialize(_eval(payload, ctx, depth))
            if value is UNKNOWN:
                unknown = True
            else:
                piece = to_string(value)
                _budget.charge_size(len(piece))  # before the join: a loop can repeat a huge value
                chunks.append(piece)
        elif kind == "if":
            # Only the chosen branch is evaluated: an error in the other one does
            # not count (Terraform: "%{if true}y%{else}${null}%{endif}" is "y").
            cond = _materialize(_eval(payload, ctx, depth))
            else_at = _skip(items, pos, ("else", "endif"))
            end = _skip(items, else_at + 1, ("endif",)) if items[else_at][0] == "else" else else_at
            if cond is UNKNOWN:
                unknown = True
            elif _bool(cond):
                yes, _ = _render_seq(items[:else_at], pos, ctx, depth, ("else", "endif"))
                unknown = unknown or yes is UNKNOWN
                chunks.append("" if yes is UNKNOWN else yes)
            elif else_at != end:
                no, _ = _render_seq(items[:end], else_at + 1, ctx, depth, ("endif",))
                unknown = unknown or no is UNKNOWN
                chunks.append("" if no is UNKNOWN else no)
            pos = end + 1
        elif kind == "for":
            names, coll_node = payload
            body_start = pos
            end = _skip(items, pos, ("endfor",))
            pos = end + 1
            coll = _materialize(_eval(coll_node, ctx, depth))
            if coll is UNKNOWN:
                unknown = True
                continue
            for key, value in _pairs(coll, ordered=True):
                bound = (dict(zip(names, (key, value), strict=True)) if len(names) == 2
                         else {names[0]: value} if names else {})
                _budget.charge_steps()
                text, _ = _render_seq(items[:end], body_start, ctx.bind(**bound), depth, ("endfor",))
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


def _heredoc(node: Tree, ctx: Context, depth: int) -> Any:
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
    return _template_text(body, ctx, depth)


def _template_text(text: str, ctx: Context, depth: int) -> Any:
    """Evaluate a template given as raw text (heredocs): re-parse it as a string."""
    from natpolicy.hcl.parse import parse_expression

    node = parse_expression(_quote_template(text))
    if node is None:
        raise EvalError("unreadable template")
    return _eval(node, ctx, depth)


def render_template_file(text: str, ctx: Context) -> Any:
    """``templatefile``: the rendered text (a template that is one ``${...}`` still gives a string)."""
    value = _deep(_template_text(text, ctx, 0), 0)
    return UNKNOWN if value is UNKNOWN else to_string(value)


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


def _template_string(node: Tree, ctx: Context, depth: int) -> Any:
    raw = str(node.children[0])
    return _unescape(raw[2:-2])


# ---------------------------------------------------------------- collections
def _tuple(node: Tree, ctx: Context, depth: int) -> Any:
    return [_materialize(_eval(c, ctx, depth)) for c in _trees(node)]


def _object(node: Tree, ctx: Context, depth: int) -> Any:
    out: dict[str, Any] = {}
    unknown_key = False
    for elem in _trees(node):
        parts = _trees(elem)
        if len(parts) < 2:
            continue
        key = _object_key(parts[0], ctx, depth)
        if key is UNKNOWN:
            unknown_key = True
            continue
        out[key] = _materialize(_eval(parts[1], ctx, depth))
    # With an unknown key the object's shape is unknown; keep what is known
    # only if nothing can be overwritten -- simpler and safe: unknown.
    return UNKNOWN if unknown_key else out


def _object_key(node: Tree, ctx: Context, depth: int) -> Any:
    inner = _trees(node)
    if not inner:
        return "".join(str(c) for c in node.children if isinstance(c, Token))
    target = inner[0]
    if target.data == "keyword":
        return str(target.children[0])
    # A bare identifier key is a name, not a variable reference.
    if target.data == "expr_term":
        sub = _trees(target)
        if len(sub) == 1 and sub[0].data == "identifier" and len(target.children) == 1:
            return str(sub[0].children[0])
        if len(sub) == 1 and sub[0].data == "literal_value":
            return str(sub[0].children[0])
    if target.data == "identifier":
        return str(target.children[0])
    key = _materialize(_eval(target, ctx, depth))
    if key is UNKNOWN:
        return UNKNOWN
    return to_string(key)


# ---------------------------------------------------------------- access
def _get_attr(node: Tree, ctx: Context, depth: int) -> Any:
    base_node, attr = _trees(node)
    base = _eval(base_node, ctx, depth)
    return get_attr(base, _attr_name(attr))


def _attr_name(attr: Tree) -> str:
    target = _trees(attr)[0]
    return str(target.children[0])


def get_attr(base: Any, name: str) -> Any:
    if base is UNKNOWN:
        return UNKNOWN
    if isinstance(base, Lazy):
        return base.attr(name)
    if isinstance(base, dict):
        if name not in base:
            raise EvalError(f"object has no attribute {name!r}")
        return base[name]
    if base is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    raise EvalError(f"cannot get attribute {name!r} of a {type(base).__name__}")


def _index_expr(node: Tree, ctx: Context, depth: int) -> Any:
    base_node, index = _trees(node)
    base = _eval(base_node, ctx, depth)
    return index_value(base, _index_key(index, ctx, depth))


def _index_key(index: Tree, ctx: Context, depth: int) -> Any:
    if index.data == "short_index":
        return int(str(index.children[-1]))
    return _materialize(_eval(_trees(index)[0], ctx, depth))


def index_value(base: Any, key: Any) -> Any:
    if isinstance(base, Lazy):
        return base.index(key)
    if base is UNKNOWN or key is UNKNOWN:
        return UNKNOWN
    if isinstance(base, TfSet):
        raise EvalError("elements of a set have no index")
    if isinstance(base, list):
        number = _to_number(key)
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number < len(base):
            raise EvalError(f"index {key!r} out of range")
        return base[number]
    if isinstance(base, dict):
        if isinstance(key, (list, dict)) or key is None:
            raise EvalError("a map key must be a string")
        name = to_string(key)
        if name not in base:
            raise EvalError(f"key {name!r} not found")
        return base[name]
    raise EvalError(f"cannot index a {type(base).__name__}")


def _splat(node: Tree, ctx: Context, depth: int) -> Any:
    base_node, splat = _trees(node)
    base = _materialize(_eval(base_node, ctx, depth))
    if base is UNKNOWN:
        return UNKNOWN
    if base is None:
        return []
    if isinstance(base, TfSet) and not base.ordered:
        raise NotEvaluated("the order of a set of collections")
    items = base if isinstance(base, list) else [base]
    steps = _trees(splat)
    out = []
    for item in items:
        value = item
        for step in steps:
            if step.data == "get_attr":
                value = get_attr(value, _attr_name(step))
            else:
                value = index_value(value, _index_key(step, ctx, depth))
        out.append(_materialize(value))
    # A splat over a list or set is a list; over a tuple (or one object), a tuple.
    return TfList(out) if isinstance(base, (TfList, TfSet)) else out


# ---------------------------------------------------------------- operators
def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError("a boolean is required")


def _to_number(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        raise EvalError("a number is required")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return parse_number(value)
    raise EvalError("a number is required")


def _unary(node: Tree, ctx: Context, depth: int) -> Any:
    op = str(node.children[0])
    value = _materialize(_eval(_trees(node)[0], ctx, depth))
    if value is UNKNOWN:
        return UNKNOWN
    if op == "!":
        return not _bool(value)
    number = _to_number(value)
    return Approx(-number) if isinstance(number, Approx) else normalise_number(-number)


def arithmetic(op: str, a: int | float, b: int | float) -> int | float:
    """``a op b`` as Terraform computes it: exactly for integers, from the
    decimal values otherwise (``0.1 + 0.2`` is ``0.3``)."""
    if op in ("/", "%") and b == 0:
        raise EvalError("division by zero")
    if isinstance(a, int) and isinstance(b, int) and op != "/":
        if op == "+":
            result: int = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            if a.bit_length() + b.bit_length() > 2 * 13000:
                raise NotEvaluated("a number with thousands of digits")
            result = a * b
        else:
            result = a - b * int(Fraction(a, b))  # `%` keeps the dividend's sign, as Go's
        return number_from_fraction(Fraction(result))
    x, y = exact(a), exact(b)
    if op == "+":
        fraction = x + y
    elif op == "-":
        fraction = x - y
    elif op == "*":
        fraction = x * y
    elif op == "/":
        fraction = x / y
    else:
        fraction = x - y * int(x / y)
    value = number_from_fraction(fraction)
    if (isinstance(a, Approx) or isinstance(b, Approx)) and not isinstance(value, int):
        return Approx(value)  # built on an approximation: its digits stay uncertain
    return value


def _compare(op: str, a: int | float, b: int | float) -> Any:
    if (isinstance(a, Approx) or isinstance(b, Approx)) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return UNKNOWN  # the digits a float lacks decide
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    return a >= b


def _binary(node: Tree, ctx: Context, depth: int) -> Any:
    left_node, term = _trees(node)
    op_node, right_node = _trees(term)
    op = str(op_node.children[0]).strip()
    left = _materialize(_eval(left_node, ctx, depth))
    # && and || decide on a known side alone: `false && x` is false
    # whatever x is, which keeps `create && ...` switches known.
    if op in ("&&", "||"):
        # Terraform evaluates both operands (an error on the right is an error
        # even after `false &&`), but a known deciding side makes the result
        # known next to an unknown one, which keeps `create && ...` switches known.
        decisive = op == "||"
        right = _materialize(_eval(right_node, ctx, depth))
        lhs = UNKNOWN if left is UNKNOWN else _bool(left)
        rhs = UNKNOWN if right is UNKNOWN else _bool(right)
        if ctx.strict and (lhs is UNKNOWN or rhs is UNKNOWN):
            return UNKNOWN
        if lhs is decisive or rhs is decisive:
            return decisive
        if lhs is UNKNOWN or rhs is UNKNOWN:
            return UNKNOWN
        return not decisive
    right = _materialize(_eval(right_node, ctx, depth))
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if op == "==":
        return equal(left, right)
    if op == "!=":
        same = equal(left, right)
        return UNKNOWN if same is UNKNOWN else not same
    a, b = _to_number(left), _to_number(right)
    if op in ("+", "-", "*", "/", "%"):
        return arithmetic(op, a, b)
    if op in ("<", ">", "<=", ">="):
        return _compare(op, a, b)
    raise EvalError(f"unsupported operator {op}")


def _conditional(node: Tree, ctx: Context, depth: int, *, argument: bool = False) -> Any:
    cond_node, yes_node, no_node = _trees(node)
    cond = _materialize(_eval(cond_node, ctx, depth))
    if cond is UNKNOWN:
        return UNKNOWN  # as Terraform, even when both results are equal: the condition might be null
    chosen_node, other_node = (yes_node, no_node) if _bool(cond) else (no_node, yes_node)
    chosen = _deep(_eval(chosen_node, ctx, depth), 0)
    if chosen is UNKNOWN or (not ctx.strict and (chosen is None or isinstance(chosen, str))):
        # Unified with the other result's type a string or null stays what it
        # is (or Terraform fails), so the other result need not be known.
        return chosen
    # Both results have one type in Terraform: `false ? "a" : 1` is "1".
    # An error in the other result only makes its type unknown (dynamic).
    try:
        other = _deep(_eval(other_node, ctx, depth), 0)
    except EvalError:
        return chosen
    if ctx.strict and not is_known(other):
        return UNKNOWN
    try:
        return convert(chosen, unify_loose([type_of_loose(chosen), type_of_loose(other)]))
    except UnknownType:
        # Terraform returns the chosen result converted to a type the unknown
        # result decides: 1 or "1", a tuple or a list. Only a whole resource
        # argument, which the provider converts to its own type, can do without.
        return chosen if argument else UNKNOWN


# ---------------------------------------------------------------- for
def _pairs(coll: Any, *, ordered: bool) -> Iterator[tuple[Any, Any]]:
    """Key/value pairs in Terraform's order; a set's key is the value itself."""
    if isinstance(coll, dict):
        for key in sorted(coll):
            yield key, coll[key]
    elif isinstance(coll, TfSet):
        if ordered and not coll.ordered:
            raise NotEvaluated("the order of a set of collections")
        for value in coll:
            yield value, value
    elif isinstance(coll, list):
        yield from enumerate(coll)
    elif coll is None:
        raise EvalError("cannot iterate over a null value")
    else:
        raise EvalError("cannot iterate over a primitive value")


def _for_parts(node: Tree) -> tuple[list[str], Tree, list[Tree], Tree | None, bool]:
    trees = _trees(node)
    intro = trees[0]
    intro_trees = _trees(intro)
    names = [str(t.children[0]) for t in intro_trees if t.data == "identifier"]
    coll = [t for t in intro_trees if t.data != "identifier"][0]
    cond = next((t for t in trees if t.data == "for_cond"), None)
    exprs = [t for t in trees[1:] if t.data != "for_cond"]
    grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
    return names, coll, exprs, (_trees(cond)[0] if cond is not None else None), grouping


def _for_iter(node: Tree, ctx: Context, depth: int, ordered: bool) -> Iterator[Context] | None:
    names, coll_node, _, cond_node, _ = _for_parts(node)
    coll = _deep(_eval(coll_node, ctx, depth), 0)
    if coll is UNKNOWN:
        return None
    scopes = []
    for key, value in _pairs(coll, ordered=ordered):
        _budget.charge_steps()
        bound = {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}
        inner = ctx.bind(**bound)
        if cond_node is not None:
            keep = _materialize(_eval(cond_node, inner, depth))
            if keep is UNKNOWN:
                return None
            if not _bool(keep):
                continue
        scopes.append(inner)
    return iter(scopes)


def _for_tuple(node: Tree, ctx: Context, depth: int) -> Any:
    scopes = _for_iter(node, ctx, depth, ordered=True)
    if scopes is None:
        return UNKNOWN
    expr = _for_parts(node)[2][0]
    return [_materialize(_eval(expr, inner, depth)) for inner in scopes]


def _for_object(node: Tree, ctx: Context, depth: int) -> Any:
    _, _, exprs, _, grouping = _for_parts(node)
    # An object's keys are sorted anyway; only grouping keeps the iteration order.
    scopes = _for_iter(node, ctx, depth, ordered=grouping)
    if scopes is None:
        return UNKNOWN
    key_node, value_node = exprs[0], exprs[1]
    out: dict[str, Any] = {}
    for inner in scopes:
        key = _materialize(_eval(key_node, inner, depth))
        if key is UNKNOWN:
            return UNKNOWN
        if isinstance(key, (list, dict)) or key is None:
            raise EvalError("an object key must be a string")
        key = to_string(key)
        value = _materialize(_eval(value_node, inner, depth))
        if grouping:
            out.setdefault(key, []).append(value)
        elif key in out:
            raise EvalError(f"duplicate object key {key!r}")
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------- functions
def _function(node: Tree, ctx: Context, depth: int) -> Any:
    trees = _trees(node)
    names = [str(t.children[0]) for t in trees if t.data == "identifier"]
    name = "::".join(names)
    args_node = next((t for t in trees if t.data == "arguments"), None)
    arg_nodes = _trees(args_node) if args_node is not None else []
    expand = args_node is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in args_node.children)

    if name in ("try", "can"):
        return _try_can(name, arg_nodes, ctx, depth)
    func = ctx.functions.get(name)
    if func is None:
        ctx.note(f"function {name}() is not evaluated; its result is treated as unknown")
        return UNKNOWN
    args = [_deep(_eval(a, ctx, depth), 0) for a in arg_nodes]
    if ctx.strict and not all(is_known(a) for a in args):
        return UNKNOWN
    if expand and args:
        last = args.pop()
        if last is UNKNOWN:
            return UNKNOWN
        if not isinstance(last, list):
            raise EvalError("the ... argument must be a list")
        if isinstance(last, TfSet) and not last.ordered:
            raise NotEvaluated("the order of a set of collections")
        args.extend(last)
    return func(*args)


def _try_can(name: str, arg_nodes: list[Tree], ctx: Context, depth: int) -> Any:
    # A value that is not wholly known might still fail once known, so it
    # gives an unknown result (as Terraform's try and can do).
    ctx = ctx.strictly()
    if name == "can":
        if len(arg_nodes) != 1:
            raise EvalError("can() takes one argument")
        try:
            value = _deep(_eval(arg_nodes[0], ctx, depth), 0)
        except EvalError:
            return False
        return True if is_known(value) else UNKNOWN
    if not arg_nodes:
        raise EvalError("try() needs at least one argument")
    for arg in arg_nodes:
        try:
            value = _deep(_eval(arg, ctx, depth), 0)
        except EvalError:
            continue
        return value if is_known(value) else UNKNOWN
    raise EvalError("no try() argument could be evaluated")


_HANDLERS: dict[str, Callable[[Tree, Context, int], Any]] = {
    "expr_term": _expr_term,
    "identifier": _identifier,
    "keyword": _identifier,
    "literal_value": _literal,
    "int_lit": _int,
    "float_lit": _float,
    "string": _string,
    "template_string": _template_string,
    "heredoc_template": _heredoc,
    "heredoc_template_trim": _heredoc,
    "tuple": _tuple,
    "object": _object,
    "get_attr_expr_term": _get_attr,
    "index_expr_term": _index_expr,
    "attr_splat_expr_term": _splat,
    "full_splat_expr_term": _splat,
    "unary_op": _unary,
    "binary_op": _binary,
    "conditional": _conditional,
    "for_tuple_expr": _for_tuple,
    "for_object_expr": _for_object,
    "function_call": _function,
}


def decode_json(text: str) -> Any:
    """``jsondecode``: arrays are tuples, objects objects; numbers exact, as Terraform reads them."""

    def constant(name: str) -> Any:
        raise EvalError(f"jsondecode(): {name} is not JSON")

    try:
        return json.loads(text, parse_float=_number_literal, parse_int=parse_number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc.msg}") from None
    except RecursionError:
        raise NotEvaluated("JSON nested too deeply for natpolicy") from None
