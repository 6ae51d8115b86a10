"""Static evaluation of HCL expressions over python-hcl2's lark tree.

Values are plain Python (see :mod:`natpolicy.loaders.hcl.values`): ``None`` (null),
``bool``, ``int``/``float``, ``str``, ``list`` (a tuple; ``TfList``/``TfSet``
for lists and sets) and ``dict`` (an object; ``TfMap`` for maps), plus the
``UNKNOWN`` sentinel for anything only known at apply time or beyond what a
static reading can tell. The rule everywhere: an unknown input gives an
unknown output, and a known result is the one Terraform computes. Terraform
errors raise :class:`EvalError` (which ``try()``/``can()`` observe and
:func:`evaluate` turns into ``UNKNOWN``); what Terraform computes but this
evaluator does not raises :class:`NotEvaluated`, which becomes ``UNKNOWN``
where it happens and a line in the verbose report.

This module is the evaluator core (dispatch over the tree, operators,
conditionals, ``for``, function calls, ``try``/``can``). Around it:
:mod:`~natpolicy.loaders.hcl.parse_tree` reads the tree, :mod:`~natpolicy.loaders.hcl.template`
renders string templates, :mod:`~natpolicy.loaders.hcl.operations` gives operators'
semantics, :mod:`~natpolicy.loaders.hcl.access` reads attributes and elements, and
built-in functions are looked up in :mod:`~natpolicy.loaders.hcl.functions.registry`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from lark import Token, Tree

from natpolicy.loaders.hcl import budget as _budget
from natpolicy.loaders.hcl import template
from natpolicy.loaders.hcl.access import Lazy, get_attr, index_value

# Importing the registry loads the whole functions package, which registers every
# built-in; none of it imports this module back (it gets templatefile's renderer passed in).
from natpolicy.loaders.hcl.functions.registry import FUNCTIONS
from natpolicy.loaders.hcl.operations import arithmetic, as_bool, compare, pairs, to_number
from natpolicy.loaders.hcl.parse_tree import MAX_DEPTH, attr_name, child_trees, describe, for_parts, whole_conditional
from natpolicy.loaders.hcl.values import (
    Approx,
    EvalError,
    NotEvaluated,
    TfList,
    TfSet,
    UnknownType,
    convert,
    equal,
    miscased_literal,
    normalise_number,
    not_evaluated_note,
    parse_number,
    to_string,
    type_of_loose,
    unify_loose,
)
from natpolicy.model import UNKNOWN, is_known

__all__ = [
    "EvalError", "NotEvaluated", "Context", "evaluate", "evaluate_raw",
    "to_string", "normalise_number", "is_unknown", "equal", "index_key", "render_template_file",
]

Report = Callable[[str, "str | None"], None]


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
            functions = FUNCTIONS
        self.functions = functions
        self.report: Report = report or _no_report
        self.where = where
        self.strict = strict

    def lookup(self, name: str) -> Any:
        if name in self._bindings:
            return self._bindings[name]
        return self._root(name)

    def binds(self, name: str) -> bool:  # a local binding here: `each`, `count`, a `for` variable
        return name in self._bindings

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
        conditional = whole_conditional(node) if argument else None
        value = _eval(node, ctx, 0) if conditional is None else _conditional(conditional, ctx, 1, argument=True)
        if keep_lazy and isinstance(value, Lazy):
            return value
        return _deep(value, 0)
    except _budget.BudgetExceeded as exc:
        spent = _budget.current()
        if spent is not None:
            spent.note("the value", ctx.where, exc.kind)
        return UNKNOWN
    except NotEvaluated as exc:  # a whole argument's conditional converts outside _eval (`c ? 10 / 3 : "a"`)
        ctx.note(not_evaluated_note(exc))
        return UNKNOWN


def _deep(value: Any, depth: int) -> Any:
    """Resolve lazy namespaces anywhere inside a final value."""
    if isinstance(value, Lazy):
        value = value.materialize()
    if depth > MAX_DEPTH:
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
    if depth > MAX_DEPTH:
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
            budget.note(describe(node), ctx.where, exc.kind)
        return UNKNOWN
    except NotEvaluated as exc:  # unknown right here, not further out: `[regex(...), "a"]` keeps "a"
        ctx.note(not_evaluated_note(exc))
        return UNKNOWN


# Expressions that build a new value: its size counts against the budget.
_BUILDERS = frozenset({"tuple", "object", "for_tuple_expr", "for_object_expr", "function_call",
                       "attr_splat_expr_term", "full_splat_expr_term"})


def _token(token: Token) -> Any:
    if token.type == "INT_LITERAL":
        return parse_number(str(token))
    if token.type == "FLOAT_LITERAL":
        return _number_literal(str(token))
    return str(token)


def _expr_term(node: Tree, ctx: Context, depth: int) -> Any:
    inner = child_trees(node)
    if not inner:
        raise EvalError("empty expression")
    return _eval(inner[0], ctx, depth)


def _identifier(node: Tree, ctx: Context, depth: int) -> Any:
    name = str(node.children[0])
    if not ctx.binds(name) and (refused := miscased_literal(name)) is not None:
        raise refused  # `False`: a reference Terraform refuses, said at the line
    return ctx.lookup(name)


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


# ---------------------------------------------------------------- templates
# The template syntax lives in natpolicy.loaders.hcl.template; it evaluates the
# expressions inside a template through _value, passed in, so that module
# needs nothing from this one.
def _value(node: Any, ctx: Context, depth: int) -> Any:
    return _materialize(_eval(node, ctx, depth))


def _string(node: Tree, ctx: Context, depth: int) -> Any:
    return template.string(node, ctx, depth, _value)


def _heredoc(node: Tree, ctx: Context, depth: int) -> Any:
    return template.heredoc(node, ctx, depth, _value)


def _template_string(node: Tree, ctx: Context, depth: int) -> Any:
    return template.template_string(node)


def render_template_file(text: str, variables: dict[str, Any], functions: dict[str, Callable[..., Any]],
                         report: Report | None) -> Any:
    """``templatefile``: the rendered text (a template that is one ``${...}`` still gives a string).

    A template sees only ``variables`` and ``functions``; the file functions
    receive this as their renderer, so they need not import the evaluator.
    """
    ctx = Context(_template_names, variables, functions, report, where=None)
    value = _deep(template.template_text(text, ctx, 0, _value), 0)
    return UNKNOWN if value is UNKNOWN else to_string(value)


def _template_names(name: str) -> Any:
    raise EvalError(f"a template can only use its variables, not {name!r}")


# ---------------------------------------------------------------- collections
def _tuple(node: Tree, ctx: Context, depth: int) -> Any:
    return [_materialize(_eval(c, ctx, depth)) for c in child_trees(node)]


def _object(node: Tree, ctx: Context, depth: int) -> Any:
    out: dict[str, Any] = {}
    unknown_key = False
    for elem in child_trees(node):
        parts = child_trees(elem)
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
    inner = child_trees(node)
    if not inner:
        return "".join(str(c) for c in node.children if isinstance(c, Token))
    target = inner[0]
    if target.data == "keyword":
        return str(target.children[0])
    # A bare identifier key is a name, not a variable reference.
    if target.data == "expr_term":
        sub = child_trees(target)
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
    base_node, attr = child_trees(node)
    base = _eval(base_node, ctx, depth)
    return get_attr(base, attr_name(attr))


def _index_expr(node: Tree, ctx: Context, depth: int) -> Any:
    base_node, index = child_trees(node)
    base = _eval(base_node, ctx, depth)
    return index_value(base, index_key(index, ctx, depth))


def index_key(index: Tree, ctx: Context, depth: int) -> Any:
    if index.data == "short_index":
        return int(str(index.children[-1]))
    return _materialize(_eval(child_trees(index)[0], ctx, depth))


def _splat(node: Tree, ctx: Context, depth: int) -> Any:
    base_node, splat = child_trees(node)
    base = _materialize(_eval(base_node, ctx, depth))
    if base is UNKNOWN:
        return UNKNOWN
    if base is None:
        return []
    if isinstance(base, TfSet) and not base.ordered:
        raise NotEvaluated("the order of a set of collections")
    items = base if isinstance(base, list) else [base]
    steps = child_trees(splat)
    out = []
    for item in items:
        value = item
        for step in steps:
            if step.data == "get_attr":
                value = get_attr(value, attr_name(step))
            else:
                value = index_value(value, index_key(step, ctx, depth))
        out.append(_materialize(value))
    # A splat over a list or set is a list; over a tuple (or one object), a tuple.
    return TfList(out) if isinstance(base, (TfList, TfSet)) else out


# ---------------------------------------------------------------- operators
def _unary(node: Tree, ctx: Context, depth: int) -> Any:
    op = str(node.children[0])
    value = _materialize(_eval(child_trees(node)[0], ctx, depth))
    if value is UNKNOWN:
        return UNKNOWN
    if op == "!":
        return not as_bool(value)
    number = to_number(value)
    return Approx(-number) if isinstance(number, Approx) else normalise_number(-number)


def _binary(node: Tree, ctx: Context, depth: int) -> Any:
    left_node, term = child_trees(node)
    op_node, right_node = child_trees(term)
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
        lhs = UNKNOWN if left is UNKNOWN else as_bool(left)
        rhs = UNKNOWN if right is UNKNOWN else as_bool(right)
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
    a, b = to_number(left), to_number(right)
    if op in ("+", "-", "*", "/", "%"):
        return arithmetic(op, a, b)
    if op in ("<", ">", "<=", ">="):
        return compare(op, a, b)
    raise EvalError(f"unsupported operator {op}")


def _conditional(node: Tree, ctx: Context, depth: int, *, argument: bool = False) -> Any:
    cond_node, yes_node, no_node = child_trees(node)
    cond = _materialize(_eval(cond_node, ctx, depth))
    if cond is UNKNOWN:
        return UNKNOWN  # as Terraform, even when both results are equal: the condition might be null
    chosen_node, other_node = (yes_node, no_node) if as_bool(cond) else (no_node, yes_node)
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
def _for_iter(node: Tree, ctx: Context, depth: int, ordered: bool) -> Iterator[Context] | None:
    names, coll_node, _, cond_node, _ = for_parts(node)
    coll = _deep(_eval(coll_node, ctx, depth), 0)
    if coll is UNKNOWN or (ctx.strict and not is_known(coll)):  # (try/can: an unknown element might have failed)
        return None
    scopes = []
    for key, value in pairs(coll, ordered=ordered):
        _budget.charge_steps()
        bound = {names[0]: key, names[1]: value} if len(names) == 2 else {names[0]: value}
        inner = ctx.bind(**bound)
        if cond_node is not None:
            keep = _materialize(_eval(cond_node, inner, depth))
            if keep is UNKNOWN:
                return None
            if not as_bool(keep):
                continue
        scopes.append(inner)
    return iter(scopes)


def _for_tuple(node: Tree, ctx: Context, depth: int) -> Any:
    scopes = _for_iter(node, ctx, depth, ordered=True)
    if scopes is None:
        return UNKNOWN
    expr = for_parts(node)[2][0]
    return [_materialize(_eval(expr, inner, depth)) for inner in scopes]


def _for_object(node: Tree, ctx: Context, depth: int) -> Any:
    _, _, exprs, _, grouping = for_parts(node)
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
    trees = child_trees(node)
    names = [str(t.children[0]) for t in trees if t.data == "identifier"]
    name = "::".join(names)
    args_node = next((t for t in trees if t.data == "arguments"), None)
    arg_nodes = child_trees(args_node) if args_node is not None else []
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
