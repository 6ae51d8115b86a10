"""Which paths of ``input`` a set of policies can observe, read from the engine's own AST of them.

A one-rule policy over a 10,000-resource plan reads a few fields of each
change (``type``, ``address``, ``change.after.tags.Owner``), yet handing the
engine the 8 MB ``resource_changes`` section costs more than evaluating the
rule. :func:`observed_paths` reads the modules as regorus parsed them (after
natpolicy's rewrites: what the engine evaluates) and answers a
:class:`PathNode` tree: under each node, the named keys the policies look up,
``star`` for a step by anything else (every key or element kept, each pruned
by that subtree), or ``whole`` (the value as it is). ``input_pruning`` then
hands the engine only that much of the input.

Soundness comes first: the engine must answer exactly as on the whole input.
A value stays a node of named keys only when every use of it is a lookup by a
constant string (``x.name``, ``x["name"]``) or a step by anything else
(``x[i]``, ``x[_]``, ``some v in x``, ``every v in x``); a kind test
(``is_array(x)``...) keeps its kind, which pruning never changes. Every other
use of an input-derived value (an operand, a call argument, an element of a
literal, a rule's head, ``x in xs``, a pattern, a bare statement, ``x = y``
where ``x`` may be bound already...) keeps it whole. Variables are read
flow-insensitively per rule (every binding of a name in a rule, comprehensions
included, is one set of paths). A user function's parameters hold every path
any call passes them; its result carries a path back only where every
definition answers a parameter itself (natpolicy's ``__natpolicy_iterable``),
which cannot change a conflict between definitions. Anything not recognised,
``with`` anywhere, ``input`` used whole or by a non-constant key, and a module
the reading does not follow raise :class:`Unprunable`: the engine then gets
the whole input, as before.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from natpolicy.records import field, record

__all__ = ["PathNode", "Unprunable", "observed_paths", "read_ast"]

STAR = None  # a path step by anything but a constant string
Path = tuple[str | None, ...]

# Builtins that observe a value's kind only (pruning keeps every kind), called with the value alone.
_KIND_TESTS = frozenset({"is_array", "is_object", "is_set", "is_string", "is_number", "is_boolean", "is_null",
                         "type_name"})
_ROOTS = frozenset({"input", "data"})
# Bounds on the reading itself: a policy past them keeps the whole input rather than being read for long.
_MAX_PATH = 48
_MAX_PATHS = 512
_MAX_PASSES = 24


class Unprunable(Exception):
    """The policies may observe more than the reading can name: hand the engine the whole input."""


@record
class PathNode:
    """What of one input value the policies may observe."""

    whole: bool = False
    keys: dict[str, PathNode] = field(default_factory=dict)
    star: PathNode | None = None

    def child(self, step: str | None) -> PathNode:
        if step is STAR:
            if self.star is None:
                self.star = PathNode()
            return self.star
        return self.keys.setdefault(step, PathNode())

    def is_leaf(self) -> bool:
        """Kept as it is: used whole, or reached and never looked into (its definedness, its kind)."""
        return self.whole or (not self.keys and self.star is None)

    def merged(self, other: PathNode) -> PathNode:
        """A node observing what either does (a step by anything meets each named key's subtree too)."""
        out = PathNode(self.whole or other.whole)
        for source in (self, other):
            for key, node in source.keys.items():
                out.keys[key] = out.keys[key].merged(node) if key in out.keys else node.merged(PathNode())
        if self.star is not None or other.star is not None:
            out.star = (self.star or PathNode()).merged(other.star or PathNode())
        return out

    def describe(self) -> Any:
        """A plain form for tests and notes: ``"WHOLE"``, or ``{key: ..., "*": ...}``."""
        if self.is_leaf():
            return "WHOLE"
        out: dict[str, Any] = {key: node.describe() for key, node in sorted(self.keys.items())}
        if self.star is not None:
            out["*"] = self.star.describe()
        return out


def read_ast(ast_json: str) -> list[dict[str, Any]]:
    """regorus' ``Engine.get_ast_as_json()``: one entry per module, ``source`` and ``ast`` (read with msgspec, which
    pruning needs anyway: faster than ``json``, whose ``loads`` a run never calls on a plan's text, tested)."""
    import msgspec

    try:
        modules = msgspec.json.decode(ast_json)
    except msgspec.DecodeError as exc:
        raise Unprunable(f"the engine's AST does not read: {exc}") from None
    if not isinstance(modules, list):
        raise Unprunable("the engine's AST is not a list of modules")
    return modules


def observed_paths(modules: list[dict[str, Any]]) -> PathNode:
    """The tree of ``input`` paths the modules can observe; raises :class:`Unprunable`."""
    try:
        reading = _Reading(modules)
        return reading.run()
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # An AST of a shape this reading does not know (another regorus version): nothing is pruned.
        raise Unprunable(f"unexpected AST shape: {type(exc).__name__}") from None


@record
class _Rule:
    module: int
    name: str  # the last name of the head's ref
    key: tuple[str, ...]  # the package's path and the head's names: what a call names (``data.<key>``)
    node: dict[str, Any]  # the "Spec" or "Default" entry
    params: list[Any] | None  # a function's head arguments
    env: dict[str, set[Path]] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)


class _Reading:
    def __init__(self, modules: list[dict[str, Any]]) -> None:
        self.sources: list[bytes] = []
        self.aliases: list[dict[str, set[Path]]] = []
        self.data_aliases: list[dict[str, tuple[str, ...]]] = []
        self.packages: list[tuple[str, ...]] = []
        self.rules: list[_Rule] = []
        self.rule_names: set[str] = set()
        for index, module in enumerate(modules):
            self.sources.append(module["source"]["contents"].encode("utf-8"))
            ast = module["ast"]
            package = _ref_chain(ast["package"]["refr"])
            if package is None or STAR in package:
                raise Unprunable("a package this reading does not follow")
            self.packages.append(tuple(str(name) for name in package))
            self.data_aliases.append({})
            self.aliases.append(self._imports(index, ast["imports"]))
            for entry in ast["rules"]:
                self.rules.append(self._rule(index, entry))
        # Functions by what a call names: regorus resolves a bare name in the caller's own package (where it
        # shadows a builtin of that name, measured), else `data.<package>.<name>` or an imported package's alias.
        self.functions: dict[tuple[str, ...], list[_Rule]] = {}
        for rule in self.rules:
            self.rule_names.add(rule.name)
            if rule.params is not None:
                self.functions.setdefault(rule.key, []).append(rule)
        # Each function's parameters: every path a call hands them (by position).
        self.params: dict[tuple[str, ...], list[set[Path]]] = {}
        self.passing = {name: self._passes_through(rules) for name, rules in self.functions.items()}
        self.tree = PathNode()
        self.changed = False

    # -- the whole reading --------------------------------------------------
    def run(self) -> PathNode:
        for rule in self.rules:
            rule.sites = _binding_sites(rule.node, functools.partial(self._span_text, rule.module))
        for _ in range(_MAX_PASSES):
            self.changed = False
            self.tree = PathNode()
            for rule in self.rules:
                self._read_rule(rule)
            if not self.changed:
                break
        else:
            raise Unprunable("the policies' variables did not settle")
        root = self.tree
        if root.whole or root.star is not None:
            raise Unprunable("input is used whole or by a key that is not a constant")
        return root

    def _imports(self, module: int, imports: list[dict[str, Any]]) -> dict[str, set[Path]]:
        aliases: dict[str, set[Path]] = {}
        for item in imports:
            chain = _ref_chain(item["refr"])
            if chain is None:
                raise Unprunable("an import this reading does not follow")
            if chain[0] == "data" and STAR not in chain and len(chain) > 1:
                alias = item.get("as")
                name = self._span_text(module, alias) if alias else chain[-1]
                self.data_aliases[module][str(name)] = tuple(str(step) for step in chain[1:])
                continue
            if chain[0] != "input":
                continue
            if len(chain) == 1 or STAR in chain:
                raise Unprunable("import input")
            alias = item.get("as")
            name = self._span_text(module, alias) if alias else chain[-1]
            aliases.setdefault(str(name), set()).add(tuple(chain[1:]))
        return aliases

    def _rule(self, module: int, entry: dict[str, Any]) -> _Rule:
        if "Default" in entry:
            node = entry["Default"]
            chain = _head_names(node["refr"])
            return _Rule(module, chain[-1], (*self.packages[module], *chain), entry, None)
        spec = entry["Spec"]
        (kind, head), = spec["head"].items()
        chain = _head_names(head["refr"])
        params = head["args"] if kind == "Func" else None
        return _Rule(module, chain[-1], (*self.packages[module], *chain), entry, params)

    def _passes_through(self, rules: list[_Rule]) -> int | None:
        """The parameter every definition of a function answers as it is, if there is one."""
        position: int | None = None
        for rule in rules:
            spec = rule.node["Spec"]
            head = spec["head"]["Func"]
            values = [head["assign"]] + [body["assign"] for body in spec["bodies"] if body.get("is_else")]
            names = [_var(param) for param in head["args"]]
            for assign in values:
                value = _var(assign["value"]) if assign else None
                if value is None or value not in names:
                    return None
                at = names.index(value)
                if position is not None and at != position:
                    return None
                position = at
        return position

    def _span_text(self, module: int, span: dict[str, Any]) -> str:
        return self.sources[module][span["start"]:span["end"]].decode("utf-8")

    # -- one rule -----------------------------------------------------------
    def _read_rule(self, rule: _Rule) -> None:
        self.rule = rule
        if "Default" in rule.node:
            self._consume(rule.node["Default"]["value"])
            return
        spec = rule.node["Spec"]
        (kind, head), = spec["head"].items()
        self._head_ref(head["refr"])
        if kind == "Set":
            if head["key"] is not None:
                self._consume(head["key"])
        elif kind == "Func":
            self._bind_params(rule, head["args"])
            if head["assign"] is not None and self.passing.get(rule.key) is None:
                self._consume(head["assign"]["value"])
        elif head["assign"] is not None:
            self._consume(head["assign"]["value"])
        for body in spec["bodies"]:
            if body.get("assign") is not None and (kind != "Func" or self.passing.get(rule.key) is None):
                self._consume(body["assign"]["value"])
            self._query(body["query"])

    def _bind_params(self, rule: _Rule, args: list[Any]) -> None:
        given = self.params.get(rule.key, [])
        for position, arg in enumerate(args):
            name = _var(arg)
            paths = given[position] if position < len(given) else set()
            if name is not None:
                self._bind(name, paths)
            elif paths:
                self._mark_whole(paths)  # a pattern or constant parameter: compared with the argument

    def _head_ref(self, refr: dict[str, Any]) -> None:
        (kind, node), = refr.items()
        if kind == "RefBrack":
            self._consume(node["index"])  # a head key
            self._head_ref(node["refr"])
        elif kind == "RefDot":
            self._head_ref(node["refr"])
        elif kind != "Var":
            raise Unprunable(f"a rule head of kind {kind}")

    def _query(self, query: dict[str, Any]) -> None:
        for stmt in query["stmts"]:
            if stmt.get("with_mods"):
                raise Unprunable("with")
            (kind, literal), = stmt["literal"].items()
            if kind == "SomeVars":
                continue
            if kind == "Expr":
                self._statement(literal["expr"])
            elif kind == "NotExpr":
                self._consume(literal["expr"])
            elif kind == "SomeIn":
                self._iterate(literal["key"], literal["value"], literal["collection"])
            elif kind == "Every":
                domain = self._paths(literal["domain"])
                value = self._span_text(self.rule.module, literal["value"])
                self._bind(value, {p + (STAR,) for p in domain})
                self._touch({p + (STAR,) for p in domain})
                self._query(literal["query"])
            else:
                raise Unprunable(f"a statement of kind {kind}")

    def _statement(self, expr: dict[str, Any]) -> None:
        (kind, node), = expr.items()
        if kind != "AssignExpr":
            self._consume(expr)  # a bare statement: its truth and definedness
            return
        lhs, rhs = node["lhs"], node["rhs"]
        if node["op"] == "ColEq":
            name = _var(lhs)
            if name is None:
                self._consume(lhs)
                self._consume(rhs)  # a pattern: compared with the value
            else:
                self._bind(name, self._paths(rhs))
            return
        # `=`: a binding only where one side is a variable bound nowhere else in the rule; else a comparison.
        for target, source in ((lhs, rhs), (rhs, lhs)):
            name = _var(target)
            if name is not None and _var(source) is None and self._free(name):
                self._bind(name, self._paths(source))
                return
        self._consume(lhs)
        self._consume(rhs)

    def _free(self, name: str) -> bool:
        """Is ``name`` a local bound by this one statement alone (not a rule, an import, a parameter)?"""
        rule = self.rule
        return (name not in _ROOTS and name != "_" and rule.sites.get(name, 0) == 1
                and name not in self.rule_names and name not in self.aliases[rule.module])

    def _iterate(self, key: Any, value: dict[str, Any], collection: dict[str, Any]) -> None:
        paths = self._paths(collection)
        elements = {p + (STAR,) for p in paths}
        self._touch(elements)
        name = _var(value)
        if name is None or (key is not None and _var(key) is None):
            self._mark_whole(paths)  # a pattern or constant: compared with the elements
            self._consume(value)
            if key is not None:
                self._consume(key)
            return
        self._bind(name, elements)

    # -- expressions ------------------------------------------------------------
    def _consume(self, expr: dict[str, Any]) -> None:
        """``expr``'s value is observed as it is."""
        self._mark_whole(self._paths(expr))

    def _paths(self, expr: dict[str, Any]) -> set[Path]:
        """The input paths ``expr``'s value may be; what it observes on the way is marked."""
        (kind, node), = expr.items()
        if kind == "Var":
            name = node["value"]
            if name == "input":
                return {()}
            out = set(self.rule.env.get(name, ()))
            out |= self.aliases[self.rule.module].get(name, set())
            return out
        if kind == "RefDot":
            return self._step(self._paths(node["refr"]), node["field"][1])
        if kind == "RefBrack":
            index = node["index"]
            (index_kind, index_node), = index.items()
            if index_kind in ("String", "RawString") and isinstance(index_node["value"], str):
                return self._step(self._paths(node["refr"]), index_node["value"])
            self._consume(index)  # a key computed from the input is observed whole
            return self._step(self._paths(node["refr"]), STAR)
        if kind in ("String", "RawString", "Number", "Bool", "Null"):
            return set()
        if kind == "Call":
            return self._call(node)
        if kind in ("Array", "Set"):
            for item in node["items"]:
                self._consume(item)
            return set()
        if kind == "Object":
            for pair in node["fields"]:
                for part in pair:
                    if isinstance(part, dict) and len(part) == 1 and next(iter(part))[0].isupper():
                        self._consume(part)
            return set()
        if kind in ("ArrayCompr", "SetCompr"):
            self._query(node["query"])
            self._consume(node["term"])
            return set()
        if kind == "ObjectCompr":
            self._query(node["query"])
            self._consume(node["key"])
            self._consume(node["value"])
            return set()
        if kind == "UnaryExpr":
            self._consume(node["expr"])
            return set()
        if kind in ("BinExpr", "BoolExpr", "ArithExpr", "AssignExpr"):
            self._consume(node["lhs"])
            self._consume(node["rhs"])
            return set()
        if kind == "Membership":
            for part in ("key", "value", "collection"):
                if node.get(part) is not None:
                    self._consume(node[part])
            return set()
        raise Unprunable(f"an expression of kind {kind}")

    def _call(self, node: dict[str, Any]) -> set[Path]:
        chain = _ref_chain(node["fcn"])
        if chain is None or chain[0] == "input" or STAR in chain:
            raise Unprunable("a call this reading does not follow")
        params = node["params"]
        key = self._function_key([str(step) for step in chain])
        functions = self.functions.get(key) if key is not None else None
        if functions is None:  # a builtin (or a function this reading does not resolve): its arguments observed
            if len(chain) == 1 and chain[0] in _KIND_TESTS and len(params) == 1:
                self._touch(self._paths(params[0]))
                return set()
            for param in params:
                self._consume(param)
            return set()
        assert key is not None
        arity = len(functions[0].node["Spec"]["head"]["Func"]["args"])
        if any(len(f.node["Spec"]["head"]["Func"]["args"]) != arity for f in functions) or len(params) != arity:
            for param in params:  # an output argument, or definitions that differ: observed whole
                self._consume(param)
            return set()
        given = self.params.setdefault(key, [set() for _ in range(arity)])
        passed: list[set[Path]] = []
        for position, param in enumerate(params):
            paths = self._paths(param)
            passed.append(paths)
            if not paths <= given[position]:
                given[position] |= paths
                self._check_size(given[position])
                self.changed = True
        through = self.passing.get(key)
        return set(passed[through]) if through is not None else set()

    def _function_key(self, chain: list[str]) -> tuple[str, ...] | None:
        """The user function a call names, as regorus resolves it; ``None`` for a builtin or anything else."""
        module = self.rule.module
        if len(chain) == 1:
            return (*self.packages[module], chain[0])
        if chain[0] == "data":
            return tuple(chain[1:])
        alias = self.data_aliases[module].get(chain[0])
        return None if alias is None else (*alias, *chain[1:])

    def _step(self, paths: set[Path], step: str | None) -> set[Path]:
        out = {p + (step,) for p in paths}
        self._touch(out)
        return out

    # -- the tree and the variables ------------------------------------------------
    def _bind(self, name: str, paths: set[Path]) -> None:
        if name == "_" or not paths:
            return
        env = self.rule.env.setdefault(name, set())
        if not paths <= env:
            env |= paths
            self._check_size(env)
            self.changed = True

    def _touch(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._node(path)

    def _mark_whole(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._node(path).whole = True

    def _node(self, path: Path) -> PathNode:
        node = self.tree
        for step in path:
            node = node.child(step)
        return node

    @staticmethod
    def _check_size(paths: set[Path]) -> None:
        if len(paths) > _MAX_PATHS or any(len(p) > _MAX_PATH for p in paths):
            raise Unprunable("the policies' paths into input grow without bound")


def _var(expr: Any) -> str | None:
    """The name of a bare variable, else ``None``."""
    if isinstance(expr, dict) and len(expr) == 1 and "Var" in expr:
        name = expr["Var"]["value"]
        return name if isinstance(name, str) else None
    return None


def _ref_chain(expr: dict[str, Any]) -> list[str | None] | None:
    """A ref of names (``a.b["c"]``) as its names, a step by anything else as ``STAR``; ``None`` for other terms."""
    (kind, node), = expr.items()
    if kind == "Var":
        return [node["value"]]
    if kind == "RefDot":
        head = _ref_chain(node["refr"])
        return None if head is None else [*head, node["field"][1]]
    if kind == "RefBrack":
        head = _ref_chain(node["refr"])
        (index_kind, index), = node["index"].items()
        step = index["value"] if index_kind in ("String", "RawString") and isinstance(index["value"], str) else STAR
        return None if head is None else [*head, step]
    return None


def _head_names(refr: dict[str, Any]) -> list[str]:
    """A rule head's ref as its leading names (the part before any key in brackets)."""
    (kind, node), = refr.items()
    if kind == "Var":
        return [node["value"]]
    if kind == "RefDot":
        return [*_head_names(node["refr"]), node["field"][1]]
    if kind == "RefBrack":
        return _head_names(node["refr"])
    raise Unprunable(f"a rule head of kind {kind}")


def _binding_sites(entry: dict[str, Any], span_text: Callable[[dict[str, Any]], str]) -> dict[str, int]:
    """How many places of a rule may bind each variable name (over-counted: more sites, more observed whole)."""
    sites: dict[str, int] = {}

    def count(expr: Any) -> None:
        for name in _vars_in(expr):
            sites[name] = sites.get(name, 0) + 1

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if len(node) == 1:
            (kind, inner), = node.items()
            if kind == "AssignExpr":
                count(inner["lhs"])
                if inner["op"] == "Eq":
                    count(inner["rhs"])
            elif kind in ("SomeIn", "Membership"):
                count(inner["value"])
                if inner.get("key") is not None:
                    count(inner["key"])
            elif kind == "RefBrack":
                count(inner["index"])
            elif kind == "Call":
                for param in inner["params"]:
                    if _var(param) is not None:
                        count(param)
            elif kind == "Func":
                for arg in inner["args"]:
                    count(arg)
            elif kind == "Every":
                for span in (inner["value"], inner.get("key")):  # its variables are spans, not terms
                    if span is not None:
                        name = span_text(span)
                        sites[name] = sites.get(name, 0) + 1
        for value in node.values():
            walk(value)

    walk(entry)
    return sites


def _vars_in(expr: Any) -> Iterator[str]:
    if isinstance(expr, list):
        for item in expr:
            yield from _vars_in(item)
    elif isinstance(expr, dict):
        if len(expr) == 1 and "Var" in expr:
            name = expr["Var"].get("value")
            if isinstance(name, str):
                yield name
            return
        for value in expr.values():
            yield from _vars_in(value)
