"""Rego rules, bodies and expressions, read from tokens just far enough for ``type_check`` to type them.

Written against the tokens of ``natpolicy.rego.source`` so that it runs on every
engine host (regorus' AST is not available everywhere). A statement it cannot
read is kept as ``Opaque``: its names become unknown values and nothing in it
is checked, so a construct this reader does not know can never be refused.
"""
from __future__ import annotations

import functools
import re

from natpolicy.records import field, record
from natpolicy.rego.source import Token, dotted_end, matching_close, tokens
from natpolicy.rego.static_checks import rule_statements
from natpolicy.rego.type_heads import dynamic_head_path, ref_head_path, string_value

__all__ = ["Node", "Statement", "Rule", "Unreadable", "Reader", "parse_rule", "read_body", "read_rules",
           "ref_head_path", "dynamic_head_path", "pattern_names", "plain_value", "dotted"]

# Binding strength of the infix operators, as OPA's parser nests them (weakest first).
_INFIX = {"in": 1, "==": 2, "!=": 2, "<": 2, ">": 2, "<=": 2, ">=": 2, "|": 3, "&": 4, "+": 5, "-": 5,
          "*": 6, "/": 6, "%": 6}
# A line that ends with one of these, or starts with one of the second, continues the statement above.
_ENDS_UNFINISHED = frozenset(set(_INFIX) | {":=", "=", ",", ".", ":", "not", "some", "every", "with", "as"})
_STARTS_CONTINUATION = frozenset(set(_INFIX) - {"-"} | {":=", "=", ".", "with", "as"})
_LITERALS = {"true": "boolean", "false": "boolean", "null": "null"}
_STATEMENT_WORDS = frozenset({"some", "every", "not", "with", "as", "if", "else", "contains", "default"})


_INTEGER = re.compile(r"-?\d+")


def pattern_names(node: Node) -> list[str]:
    """Every name in ``node`` outside its comprehensions (a pattern's variables, a ref's base and bracket keys)."""
    if node.what == "name":
        return [node.text]
    if node.what == "comprehension":
        return []
    return [name for part in node.parts for name in pattern_names(part)]


class Unreadable(Exception):
    """Raised where this reader stops understanding a statement."""


@record
class Node:
    """One expression: ``what`` says which; ``parts`` are its sub-expressions."""

    what: str  # literal, name, ref, call, array, set, object, comprehension, infix, opaque
    start: int  # character offsets of the construct in the source
    stop: int
    text: str = ""  # a literal's kind, a name, a call's dotted name, an operator, a comprehension's kind
    parts: list[Node] = field(default_factory=list)  # ref: base then keys; object: key, value, key, value ...
    body: list[Statement] = field(default_factory=list)  # a comprehension's
    # A literal string's value (also a ref's `.key`), or a literal integer's: a constant key of a ref.
    constant: str | int | None = field(default=None, compare=False, repr=False)
    # A number or boolean literal's text: a constant object key of its kind (``type_keys``).
    scalar: str | None = field(default=None, compare=False, repr=False)


@record
class Statement:
    what: str  # bind (":=" / "=" in text), some, declare, every, check ("not" in text if negated), opaque
    start: int
    text: str = ""
    parts: list[Node] = field(default_factory=list)  # bind: target, value; some/every: names..., collection
    body: list[Statement] = field(default_factory=list)  # every's
    names: list[str] = field(default_factory=list)  # opaque/declare: every identifier it holds
    # Its `with` modifiers, (target, value) each (``with_statements``); the statement is typed as if they were absent.
    withs: list[tuple[Node, Node]] = field(default_factory=list)
    # The names of the statements OPA moves its `with` values into (``with_statements``), which run before it.
    after: list[str] = field(default_factory=list)
    # Every plain name it holds at any depth, once computed (``type_parameters.statement_names``).
    mentions: frozenset[str] | None = field(default=None, compare=False, repr=False)


@record
class Rule:
    """One top-level statement: a rule or function, with its ``else`` branches."""

    name: str  # `r`, or `a.b` for a ref head of names (`a.b := 1`, `a["b"](x) := ...`)
    start: int
    shape: str  # value, set, object, boolean, function, other (a ref head with another key: `a[k] := 1`)
    arguments: list[str] = field(default_factory=list)  # the names in a function's arguments
    parameters: list[Node] = field(default_factory=list)  # a function's arguments, one node each
    branches: list[tuple[Node | None, list[Statement]]] = field(default_factory=list)  # (value or key, body)
    # A ref head with a value whose first key past its names is a variable (`o.a[k] := 1`): ("o.a", 1).
    dynamic: tuple[str, int] | None = None
    dynamic_keys: list[Node] = field(default_factory=list)  # its keys from that variable on (`k`)
    # A function whose ref head holds a key that is no name (`a[k](x) := ...`): the end of its head, else None.
    keyed_function: int | None = None


class Reader:
    """Expressions of ``toks[lo:hi]``."""

    def __init__(self, source: str, toks: list[Token], lo: int, hi: int) -> None:
        self.source, self.toks, self.pos, self.hi = source, toks, lo, hi

    def peek(self, ahead: int = 0) -> Token | None:
        at = self.pos + ahead
        return self.toks[at] if at < self.hi else None

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.text == text and tok.kind in ("op", "ident")

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise Unreadable
        self.pos += 1
        return tok

    def close_of(self, open_at: int) -> int:
        close = matching_close(self.toks, open_at)
        if close is None or close >= self.hi:
            raise Unreadable
        return close

    def end_of(self, index: int) -> int:
        return self.toks[index].offset + len(self.toks[index].text)

    def expression(self, weakest: int = 1) -> Node:
        left = self.term()
        while True:
            tok = self.peek()
            if tok is None:
                return left
            if tok.kind == "number" and tok.text.startswith("-"):
                op, strength = "-", _INFIX["-"]  # `a -1`: the tokenizer read the minus into the number
            elif tok.kind == "op" or tok.text == "in":
                op, strength = tok.text, _INFIX.get(tok.text, 0)
            else:
                return left
            if strength < weakest or strength == 0:
                return left
            if tok.kind == "number":
                self.pos += 1
                right = Node("literal", tok.offset + 1, self.end_of(self.pos - 1), "number")
            else:
                self.pos += 1
                right = self.expression(strength + 1)
            left = Node("infix", left.start, right.stop, op, [left, right])

    def term(self) -> Node:
        tok = self.take()
        first = self.pos - 1
        if tok.kind == "number":
            node = Node("literal", tok.offset, self.end_of(first), "number",
                        constant=int(tok.text) if _INTEGER.fullmatch(tok.text) else None, scalar=tok.text)
        elif tok.kind in ("string", "raw"):
            node = Node("literal", tok.offset, self.end_of(first), "string", constant=string_value(tok))
        elif tok.kind == "ident" and tok.text in _LITERALS:
            node = Node("literal", tok.offset, self.end_of(first), _LITERALS[tok.text], scalar=tok.text)
        elif tok.kind == "ident" and (tok.text not in _STATEMENT_WORDS or self.at("(")):
            node = self._name_or_call(tok)
        elif tok.text == "(":
            close = self.close_of(first)
            node = Reader(self.source, self.toks, first + 1, close).whole()
            self.pos = close + 1
        elif tok.text in ("[", "{"):
            node = self._collection(first)
        elif tok.text == "-":
            inner = self.term()
            return Node("opaque", tok.offset, inner.stop, "-", [inner])
        else:
            raise Unreadable
        return self._refs(node)

    def whole(self) -> Node:
        """The range as one expression, all of it."""
        node = self.expression()
        self.finish()
        return node

    def finish(self) -> None:
        # Anything left over makes the statement unreadable: it is then not typed (see type_check). A statement's
        # `with` modifiers are split off before (``_with_statements``).
        if self.peek() is not None:
            raise Unreadable

    def _name_or_call(self, tok: Token) -> Node:
        start = self.pos - 1
        # a dotted name is one name only when a call follows: `object.keys(x)`; `x.y` is a ref
        probe = dotted_end(self.toks, start, self.hi) + 1
        if probe < self.hi and self.toks[probe].text == "(":
            name = "".join(t.text for t in self.toks[start:probe])
            close = self.close_of(probe)
            args = [Reader(self.source, self.toks, lo, hi).whole() for lo, hi in self._items(probe, close)]
            self.pos = close + 1
            if name == "set" and not args:
                # OPA's parser makes `set()` the empty set itself (``parseCall``'s setConstructor), a constant:
                # a static key of an object literal, as `{1}` is.
                return Node("set", tok.offset, self.end_of(close), "set")
            return Node("call", tok.offset, self.end_of(close), name, args)
        return Node("name", tok.offset, self.end_of(start), tok.text)

    def _refs(self, node: Node) -> Node:
        keys: list[Node] = []
        while True:
            tok, key = self.peek(), self.peek(1)
            if tok is not None and tok.text == "." and key is not None and key.kind == "ident":
                keys.append(Node("literal", key.offset, key.offset + len(key.text), "string", constant=key.text))
                self.pos += 2
            elif tok is not None and tok.text == "[" and not self._starts_line(tok):
                close = self.close_of(self.pos)
                keys.append(Reader(self.source, self.toks, self.pos + 1, close).whole())
                self.pos = close + 1
            else:
                break
        if not keys:
            return node
        return Node("ref", node.start, self.end_of(self.pos - 1), "", [node, *keys])

    def _starts_line(self, tok: Token) -> bool:
        line_start = self.source.rfind("\n", 0, tok.offset) + 1
        return not self.source[line_start:tok.offset].strip()

    def _items(self, open_at: int, close: int) -> list[tuple[int, int]]:
        """Comma-separated ranges between two brackets."""
        inner = self.toks[open_at].depth + 1
        out, lo = [], open_at + 1
        for k in range(open_at + 1, close):
            if self.toks[k].text == "," and self.toks[k].depth == inner:
                out.append((lo, k))
                lo = k + 1
        if lo < close:
            out.append((lo, close))
        if any(lo >= hi for lo, hi in out):
            raise Unreadable
        return out

    def _collection(self, open_at: int) -> Node:
        close = self.close_of(open_at)
        self.pos = close + 1
        start, stop = self.toks[open_at].offset, self.end_of(close)
        inner = self.toks[open_at].depth + 1
        square = self.toks[open_at].text == "["
        bar = next((k for k in range(open_at + 1, close) if self.toks[k].text == "|" and self.toks[k].depth == inner),
                   None)
        if bar is not None:
            head = self._pairs(open_at + 1, bar, inner) if not square else None
            terms = head if head is not None else [Reader(self.source, self.toks, open_at + 1, bar).whole()]
            shape = "array" if square else ("object" if head is not None else "set")
            body = read_body(self.source, self.toks, bar + 1, close)
            return Node("comprehension", start, stop, shape, terms, body)
        items = self._items(open_at, close)
        if square:
            return Node("array", start, stop, "array", [Reader(self.source, self.toks, lo, hi).whole()
                                                         for lo, hi in items])
        pairs = [self._pairs(lo, hi, inner) for lo, hi in items]
        if not items or all(p is not None for p in pairs):
            return Node("object", start, stop, "object", [n for p in pairs if p is not None for n in p])
        if any(p is not None for p in pairs):
            raise Unreadable
        return Node("set", start, stop, "set", [Reader(self.source, self.toks, lo, hi).whole() for lo, hi in items])

    def _pairs(self, lo: int, hi: int, inner: int) -> list[Node] | None:
        colon = next((k for k in range(lo, hi) if self.toks[k].text == ":" and self.toks[k].depth == inner), None)
        if colon is None:
            return None
        key = Reader(self.source, self.toks, lo, colon).whole()
        return [key, Reader(self.source, self.toks, colon + 1, hi).whole()]


def read_body(source: str, toks: list[Token], lo: int, hi: int) -> list[Statement]:
    """The statements of ``toks[lo:hi]``: split at ``;`` and at line ends, as OPA splits a body."""
    out: list[Statement] = []
    for first, end in _split(source, toks, lo, hi):
        try:
            out.extend(_with_statements(source, toks, first, end))
        except Unreadable:
            names = [t.text for t in toks[first:end] if t.kind == "ident"]
            out.append(Statement("opaque", toks[first].offset, names=names))
    return out


def _split(source: str, toks: list[Token], lo: int, hi: int) -> list[tuple[int, int]]:
    if lo >= hi:
        return []
    base = toks[lo].depth
    out, first = [], lo
    for k in range(lo + 1, hi):
        tok, prev = toks[k], toks[k - 1]
        if tok.depth != base or tok.text in ("}", "]", ")"):
            continue
        if tok.text == ";":
            if first < k:
                out.append((first, k))
            first = k + 1
            continue
        if prev.text == ";" or k == first:
            continue
        new_line = "\n" in source[prev.offset + len(prev.text):tok.offset]
        if new_line and prev.text not in _ENDS_UNFINISHED and tok.text not in _STARTS_CONTINUATION:
            out.append((first, k))
            first = k
    if first < hi:
        out.append((first, hi))
    return out


def plain_value(node: Node) -> bool:
    """A `with` value that is a name or a ref of constant string keys (`f`, `data.p.f`, `object.get`, `lib.f`): one
    OPA may leave in place, where it replaces a function (``validateWith`` in v1/ast/compile.go)."""
    if node.what == "name":
        return True
    return node.what == "ref" and node.parts[0].what == "name" and all(
        key.what == "literal" and isinstance(key.constant, str) for key in node.parts[1:])


def dotted(node: Node) -> str:
    """A plain value's name as a call would write it (``object.get``, ``data.p.f``)."""
    if node.what == "name":
        return node.text
    return ".".join([node.parts[0].text, *(str(key.constant) for key in node.parts[1:])])


def _with_statements(source: str, toks: list[Token], lo: int, hi: int) -> list[Statement]:
    """A statement and its `with` modifiers, as OPA's compiler rewrites them before it types the body.

    ``expandExpr`` (v1/ast/compile.go) first moves each call of a `with` value into an expression of its own, placed
    before the statement, and ``rewriteWithModifiers`` then binds a value that needs evaluating (a ref, a
    comprehension: ``requiresEval``) to a new variable (``__localN__ = value``), also before it, unless it names a
    function that replaces a function; the statement itself is typed as if it had no `with`
    (``checkExprWith`` checks only a function replaced by a function). So each value that is not a plain name or
    ref (``plain_value``) is given here as ``\0wN := value`` before the statement, which reads ``\0wN``; a plain one
    stays on the statement (``Statement.withs``), for the type checker to read as OPA does.
    """
    base = toks[lo].depth
    at = [k for k in range(lo + 1, hi) if toks[k].text == "with" and toks[k].kind == "ident"
          and toks[k].depth == base and toks[k - 1].text != "."]
    if not at:
        return [_statement(source, toks, lo, hi)]
    statement = _statement(source, toks, lo, at[0])
    before: list[Statement] = []
    for start, end in zip(at, [*at[1:], hi], strict=True):
        as_at = next((k for k in range(start + 1, end) if toks[k].text == "as" and toks[k].kind == "ident"
                      and toks[k].depth == base), None)
        if as_at is None:
            raise Unreadable
        target = Reader(source, toks, start + 1, as_at).whole()
        value = Reader(source, toks, as_at + 1, end).whole()
        if not plain_value(target):
            raise Unreadable  # a target that is no name or ref of names (OPA's validateWith refuses the rest)
        statement.withs.append((target, value))
        if not plain_value(value) and value.what != "literal":
            name = f"\0w{value.start}"
            before.append(Statement("bind", value.start, ":=", [Node("name", value.start, value.start, name), value]))
            statement.after.append(name)
    return [*before, statement]


def _statement(source: str, toks: list[Token], lo: int, hi: int) -> Statement:
    reader = Reader(source, toks, lo, hi)
    first = toks[lo]
    if first.text in ("some", "every"):
        reader.take()
        in_at = next((k for k in range(lo + 1, hi) if toks[k].text == "in" and toks[k].depth == first.depth), None)
        if in_at is None:
            if first.text == "every":
                raise Unreadable
            return Statement("declare", first.offset, names=[t.text for t in toks[lo + 1:hi] if t.kind == "ident"])
        names = [Reader(source, toks, a, b).whole() for a, b in _commas(toks, lo + 1, in_at, first.depth)]
        if first.text == "some":
            collection = Reader(source, toks, in_at + 1, hi).whole()
            return Statement("some", first.offset, parts=[*names, collection])
        # The body is the block that ends the statement (the collection may be a literal `{1}` itself).
        open_at = next((k for k in range(in_at + 1, hi) if toks[k].text == "{" and toks[k].depth == first.depth
                        and matching_close(toks, k) == hi - 1), None)
        if open_at is None:
            raise Unreadable
        close = hi - 1
        collection = Reader(source, toks, in_at + 1, open_at).whole()
        return Statement("every", first.offset, parts=[*names, collection], body=read_body(source, toks,
                                                                                          open_at + 1, close))
    if first.text == "not":
        reader.take()  # "not" in text: a negated statement outputs nothing to OPA's safety order (type_order)
        return Statement("check", first.offset, "not", parts=[reader.whole()])
    left = reader.expression()
    if reader.at(":=") or reader.at("="):
        op = reader.take().text
        return Statement("bind", first.offset, op, [left, reader.whole()])
    reader.finish()
    return Statement("check", first.offset, parts=[left])


def _commas(toks: list[Token], lo: int, hi: int, depth: int) -> list[tuple[int, int]]:
    out, first = [], lo
    for k in range(lo, hi):
        if toks[k].text == "," and toks[k].depth == depth:
            out.append((first, k))
            first = k + 1
    out.append((first, hi))
    if any(a >= b for a, b in out):
        raise Unreadable
    return out


def _past_keys(toks: list[Token], j: int, end: int) -> int:
    """The index past the keys (``.b``, ``[k]``) of the ref head whose name ends at ``toks[j - 1]``."""
    while j + 1 < end and toks[j].text in (".", "["):
        close = j + 1 if toks[j].text == "." else matching_close(toks, j)
        if close is None:
            return end
        j = close + 1
    return j


def _head_keys(source: str, toks: list[Token], j: int, end: int) -> list[Node]:
    """The keys of the ref head whose name ends at ``toks[j - 1]``: ``.b`` as a string, ``[k]`` as written."""
    keys: list[Node] = []
    while j + 1 < end and toks[j].text in (".", "["):
        if toks[j].text == ".":
            name = toks[j + 1]
            keys.append(Node("literal", name.offset, name.offset + len(name.text), "string", constant=name.text))
            j += 2
            continue
        close = matching_close(toks, j)
        if close is None:
            raise Unreadable
        keys.append(Reader(source, toks, j + 1, close).whole())
        j = close + 1
    return keys


def parse_rule(source: str, toks: list[Token], lo: int, hi: int) -> Rule:
    """The head(s) and body(ies) of the top-level statement ``toks[lo:hi]``."""
    reader = Reader(source, toks, lo, hi)
    if reader.at("default"):
        reader.take()
    name_tok = reader.take()
    if name_tok.kind != "ident":
        raise Unreadable
    rule = Rule(name_tok.text, name_tok.offset, "boolean")
    ground = ref_head_path(toks, reader.pos - 1, hi)
    rule.dynamic = dynamic_head_path(toks, reader.pos - 1, hi)
    if rule.dynamic is not None:
        rule.dynamic_keys = _head_keys(source, toks, reader.pos, hi)[-rule.dynamic[1]:]
    after = _past_keys(toks, reader.pos, hi)
    if ground is None and after < hi and toks[after].text == "(" and after > reader.pos:
        rule.keyed_function = toks[after - 1].offset + 1
    if ground is not None and len(ground[0]) > 1:
        # A ref head of names (`a.b(x) := ...`, `a["b"] contains x`): a rule of its own at data.p.a.b, read as one.
        rule.name, reader.pos = ".".join(ground[0]), ground[1]
    head: Node | None = None
    if reader.at("[") and reader.peek() is not None:
        close = reader.close_of(reader.pos)
        if close + 1 < hi and toks[close + 1].text in (".", "["):
            rule.shape = "other"  # `a[k].b := 1`: see below
    if reader.at(".") or rule.shape == "other":
        # A ref head (`a.b.c := 1`, `a.b contains x`): `a` is an object holding rules; its type is left `any`.
        rule.shape = "other"
        while reader.at(".") or reader.at("["):
            if reader.take().text == "[":
                reader.pos = reader.close_of(reader.pos - 1) + 1
            else:
                reader.take()
    if rule.shape == "other":
        if reader.at("contains"):
            reader.take()
            head = _until_body(reader)
    elif reader.at("("):
        close = reader.close_of(reader.pos)
        rule.shape = "function"
        rule.arguments = [t.text for t in toks[reader.pos + 1:close] if t.kind == "ident"]
        rule.parameters = [Reader(source, toks, a, b).whole() for a, b in reader._items(reader.pos, close)]
        reader.pos = close + 1
    elif reader.at("["):
        close = reader.close_of(reader.pos)
        head = Reader(source, toks, reader.pos + 1, close).whole()
        reader.pos = close + 1
        rule.shape = "set"  # v0 `deny[msg] { }`; with a value below, an object
    elif reader.at("contains"):
        reader.take()
        head = _until_body(reader)
        rule.shape = "set"
    while True:
        value = head
        if reader.at(":=") or reader.at("="):
            reader.take()
            value = _until_body(reader)
            if rule.shape == "other":
                pass
            elif rule.shape == "set":
                rule.shape = "object"
            elif rule.shape == "boolean":
                rule.shape = "value"
        body: list[Statement] = []
        if reader.at("if"):
            reader.take()
        if reader.at("{"):  # a body (a value's braces were read with the value)
            close = reader.close_of(reader.pos)
            body = read_body(source, toks, reader.pos + 1, close)
            reader.pos = close + 1
        elif reader.peek() is not None and not reader.at("else"):
            stop = next((k for k in range(reader.pos, hi) if toks[k].text == "else"
                         and toks[k].depth == toks[lo].depth), hi)
            body = read_body(source, toks, reader.pos, stop)
            reader.pos = stop
        rule.branches.append((value, body))
        if not reader.at("else"):
            break
        reader.take()
        head = None
    if reader.peek() is not None:
        raise Unreadable
    return rule


def _until_body(reader: Reader) -> Node:
    """A head's value or element: it ends at ``if``, ``else`` or a v0 body's ``{``."""
    base = reader.toks[reader.pos].depth if reader.peek() is not None else 0
    stop = next((k for k in range(reader.pos, reader.hi) if reader.toks[k].depth == base
                 and reader.toks[k].text in ("if", "else")), reader.hi)
    sub = Reader(reader.source, reader.toks, reader.pos, stop)
    node = sub.expression()
    reader.pos = sub.pos
    return node


@functools.lru_cache(maxsize=256)
def read_rules(source: str) -> tuple[Rule, ...]:
    """The rules of a module (read once per text; nothing changes them). A statement this reader does not know
    is left out: its rule stays ``any`` and nothing in it is checked."""
    toks = tokens(source)
    rules: list[Rule] = []
    for start, end in rule_statements(source, toks, rules_only=True):
        try:
            rules.append(parse_rule(source, toks, start, end))
        except Unreadable:
            continue
    return tuple(rules)
