"""python-hcl2 parse trees turned into blocks and attributes with line numbers.

The evaluator works on the lark tree itself (not python-hcl2's stringified
dict output), so expressions keep their structure and every block keeps the
``meta.line``/``meta.end_line`` that findings point at.
"""
from __future__ import annotations

import hashlib
import marshal
import weakref
import zlib
from collections.abc import Callable
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Token, Tree

from natpolicy.errors import NatpolicyError
from natpolicy.gc_pause import paused_gc
from natpolicy.loaders.hcl.cache_dir import default_cache_dir as _default_cache_dir
from natpolicy.loaders.hcl.pack_store import PackStore
from natpolicy.loaders.hcl.tree_builder import LINE_NODES, fast_parser
from natpolicy.records import record

__all__ = ["Attribute", "Block", "Body", "ParsedFile", "ParseCache", "parse_text", "body_of", "parse_expression",
           "encode_tree", "decode_tree", "file_from_tree", "slim", "slim_tree", "tree_parser", "HclParserMissing"]


@record(slots=True)
class Attribute:
    name: str
    expr: Any  # a lark Tree (or Token) for the expression
    line: int


@record(slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    start_line: int
    end_line: int
    file: str = ""  # display path of the file holding the block


@record(slots=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


@record(slots=True)
class ParsedFile:
    path: str  # display path (repository-relative POSIX)
    body: Body | None
    error: str | None = None  # "path:line: message" when the file does not parse


class HclParserMissing(NatpolicyError):
    """The ``hcl2`` module is not python-hcl2 8.x (Checkov's bc-python-hcl2 has the same name)."""


@lru_cache(maxsize=1)
def tree_parser() -> Callable[[str], Any]:
    """python-hcl2's ``parses_to_tree``, or a one-line error naming what is installed instead.

    natpolicy installed with ``--no-deps`` into Checkov's environment finds
    bc-python-hcl2, which is also imported as ``hcl2`` but has no
    ``parses_to_tree``: without this check HCL input would die with an
    AttributeError. Plan input never needs it.
    """
    try:
        import hcl2
    except ImportError:
        raise HclParserMissing(f"HCL input needs {_NEEDED}, which is not installed; plan JSON input works "
                               "without it") from None
    parse = getattr(hcl2, "parses_to_tree", None)
    if not callable(parse):
        raise HclParserMissing(f"HCL input needs {_NEEDED}, but the `hcl2` module here comes from "
                               f"{_distribution_of(hcl2)}, which has no parses_to_tree (Checkov's "
                               "bc-python-hcl2 is imported as `hcl2` too); install natpolicy in its own environment. "
                               "Plan JSON input works without it") from None
    return parse


_NEEDED = "python-hcl2 8.x (`pip install 'python-hcl2>=8.1,<9'`)"


def _distribution_of(module: Any) -> str:
    """The installed distribution that holds ``module`` (by where its files are), e.g. "bc-python-hcl2 0.4.3"."""
    from importlib import metadata

    origin = getattr(module, "__file__", None)
    if not origin:
        return "an unknown package"
    package = Path(origin).resolve().parent
    for dist in metadata.distributions(path=[str(package.parent)]):
        top = (dist.read_text("top_level.txt") or "").split()
        files = [str(f) for f in dist.files or ()]
        if package.name in top or any(f.startswith(f"{package.name}/") for f in files):
            return f"{dist.metadata['Name']} {dist.version}"
    return f"an unknown package at {package}"


def parse_text(text: str, display: str, cache: ParseCache | None = None, *, offsets: bool = False) -> ParsedFile:
    """Parse one file; a syntax error becomes ``error``, never an exception.

    ``offsets``: build python-hcl2's own tree, whose every node keeps its
    source offsets (conftest's HCL JSON shape quotes each expression's text),
    never from or into ``cache``: the faster builder and the cache keep only
    the lines of blocks and attributes.
    """
    from lark.exceptions import LarkError, UnexpectedInput

    parse = tree_parser()  # the wrong `hcl2` is reported before anything else
    if offsets:
        cache = None
    try:
        with paused_gc():
            tree = cache.get(text) if cache is not None else None
            if tree is None:
                tree = slim(parse(text)) if offsets else slim_tree(text)
                if cache is not None:
                    cache.put(text, tree)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", None)
        line = line if isinstance(line, int) and line > 0 else 1
        # "Unexpected end of input" is reported past the last line; point at the last one.
        line = min(line, max(1, len(text.splitlines())))
        return ParsedFile(display, None, f"{display}:{line}: syntax error: {_describe(exc)}")
    except (LarkError, RecursionError, ValueError) as exc:
        return ParsedFile(display, None, f"{display}:1: syntax error: {type(exc).__name__}")
    return file_from_tree(tree, display)


def slim_tree(text: str) -> Any:
    """The slim parse tree of ``text`` (python-hcl2's grammar and lark's parser; raises lark's errors).

    Built by ``tree_builder``'s callbacks when they fit the installed lark and
    python-hcl2 (the same tree, in half the time), else by ``parses_to_tree``.
    Call ``tree_parser()`` first: it reports a wrong ``hcl2`` module.
    """
    fast = fast_parser()
    return slim(fast(text) if fast is not None else tree_parser()(text))


def file_from_tree(tree: Any, display: str) -> ParsedFile:
    root = tree.children[0] if tree.children and isinstance(tree.children[0], Tree) else None
    body = body_of(root) if root is not None else Body()
    for block in body.blocks:
        block.file = display
    return ParsedFile(display, body)


# Longer tokens are not quoted: a syntax error must not copy a file's contents
# (a secret in a mistyped file, say) into a report that may be uploaded.
_QUOTE_MAX = 20


def _describe(exc: Exception) -> str:
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") != "$END" and str(token).strip():
        return f"unexpected {_shown(str(token))}"
    char = getattr(exc, "char", None)
    if char:
        return f"unexpected character {_shown(str(char))}"
    return "unexpected end of input" if "$END" in str(exc) else "invalid syntax"


def _shown(text: str) -> str:
    """The first line of a token, quoted and escaped, if it is short; else only its length."""
    first = text.strip().splitlines()[0].strip() if text.strip() else text
    if len(first) > _QUOTE_MAX:
        return f"text ({len(first)} characters, not shown)"
    return ascii(first)  # quoted, with control and non-ASCII characters escaped


def _name(node: Any) -> str:
    """Text of an ``identifier``/``keyword``/``literal_value`` or a string label."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "string_part"
                       and c.children and isinstance(c.children[0], Token))
    return "".join(str(c) for c in node.children if isinstance(c, Token))


def body_of(body: Tree) -> Body:
    out = Body()
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            parts = [c for c in child.children if isinstance(c, Tree)]
            if len(parts) >= 2:
                name = _name(parts[0])
                out.attributes[name] = Attribute(name, parts[-1], _line(child))
        elif child.data == "block":
            trees = [c for c in child.children if isinstance(c, Tree)]
            inner = next((t for t in trees if t.data == "body"), None)
            heads = [t for t in trees if t.data != "body" and t.data != "new_line_or_comment"]
            if not heads:
                continue
            out.blocks.append(Block(
                type=_name(heads[0]),
                labels=tuple(_name(h) for h in heads[1:]),
                body=body_of(inner) if inner is not None else Body(),
                start_line=_line(child),
                end_line=_end_line(child),
            ))
    return out


def _line(node: Tree) -> int:
    return 1 if node.meta.empty else node.meta.line


def _end_line(node: Tree) -> int:
    if node.meta.empty:
        return 1
    # The block rule ends at its closing brace; meta.end_line is that line.
    return node.meta.end_line


def parse_expression(text: str) -> Any | None:
    """The tree of one expression given as text (``--var`` values, heredoc templates)."""
    from lark.exceptions import LarkError

    tree_parser()
    if "\n" in text and not text.lstrip().startswith("<<"):
        text = text.replace("\r\n", "\n")
    try:
        tree = slim_tree(f"__natpolicy_value = {text}\n")
    except (LarkError, RecursionError, ValueError):
        return None
    body = body_of(tree.children[0])
    attr = body.attributes.get("__natpolicy_value")
    if attr is None or len(body.attributes) != 1 or body.blocks:
        return None
    return attr.expr


# ---------------------------------------------------------------- slim trees
# Punctuation the evaluator never reads. Dropping it (and comments/newlines)
# shrinks trees by a third, which speeds up evaluation and the cache alike.
# LPAR/RPAR stay (they tell `(key) = v` from `key = v`), and so do keywords,
# which double as names (`in = 1`), operators and ELLIPSIS.
_DROP_TOKENS = frozenset({
    "DBLQUOTE", "LBRACE", "RBRACE", "LSQB", "RSQB", "COMMA", "EQ", "COLON", "DOT", "INTERP_START",
    "DIRECTIVE_START", "QMARK", "FOR_OBJECT_ARROW", "NL_OR_COMMENT", "FULL_SPLAT_START", "ATTR_SPLAT",
})
_LINE_NODES = LINE_NODES  # the only nodes whose lines are used


def slim(tree: Any) -> Any:
    """Drop comments, newlines and punctuation from a parse tree, in place."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kept = []
        for child in node.children:
            if isinstance(child, Token):
                if child.type not in _DROP_TOKENS:
                    kept.append(child)
            elif child.data != "new_line_or_comment":
                kept.append(child)
                stack.append(child)
        node.children = kept
    return tree


# ---------------------------------------------------------------- parse cache
def encode_tree(node: Any) -> Any:
    """A (slim) lark tree as nested tuples: ``marshal``-able and quick to rebuild."""
    if isinstance(node, Token):
        return (node.type, str(node))
    kids = [encode_tree(c) for c in node.children]
    meta = node.meta if node.data in _LINE_NODES else None
    if meta is None or meta.empty:
        return (str(node.data), 0, 0, kids)
    return (str(node.data), meta.line, meta.end_line, kids)


def decode_tree(data: Any) -> Any:
    if len(data) == 2:
        # Token() validates and copies position fields; the evaluator only
        # reads ``type`` and the text, so build the str subclass directly.
        token = str.__new__(Token, data[1])
        token.type = data[0]
        token.value = data[1]
        token.start_pos = token.line = token.column = token.end_line = token.end_column = token.end_pos = None
        return token
    tree = Tree(data[0], [decode_tree(c) for c in data[3]])
    if data[1]:
        meta = tree.meta
        meta.empty = False
        meta.line = data[1]
        meta.end_line = data[2]
    return tree


class ParseCache:
    """Parse trees keyed by file content, under the user's cache directory.

    A pre-commit hook re-runs on the same few hundred files again and again;
    loading a stored tree is several times cheaper than parsing. The key
    includes python-hcl2's version, so an upgrade never reads stale trees.
    Trees put during a run are kept in memory and written as one pack by
    ``flush()`` (``load_hcl`` calls it; otherwise when the cache is released
    or the interpreter exits): see ``pack_store``. Any problem with the cache
    (read-only home, corrupt pack) just means parsing again.
    """

    def __init__(self, directory: Path | None | str = "default") -> None:
        self.directory = _default_cache_dir() if directory == "default" else (Path(directory) if directory else None)
        try:
            from hcl2.version import version as hcl2_version
        except ImportError:  # pragma: no cover - older python-hcl2
            hcl2_version = "unknown"
        self._salt = f"natpolicy-parse-1:{hcl2_version}:".encode()
        self._store = PackStore(self.directory / "packs") if self.directory is not None else None
        self._stored: dict[bytes, bytes] | None = None  # what earlier runs stored, read on first use
        self._mine: dict[bytes, bytes] = {}  # what this run stored
        self._new: dict[bytes, bytes] = {}  # what this run stored and has not written yet: the next pack
        # Written when the cache is released or at exit, if no one called flush(): a caller
        # that forgets only loses time, never trees already parsed.
        weakref.finalize(self, _write_pending, self._store, self._new)

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(self._salt + text.encode("utf-8", "surrogatepass")).digest()

    def _known(self) -> dict[bytes, bytes]:
        if self._stored is None:
            self._stored = self._store.read_all() if self._store is not None else {}
        return self._stored

    def has(self, text: str) -> bool:
        if self._store is None:
            return False
        key = self._key(text)
        return key in self._mine or key in self._known()

    def get(self, text: str) -> Any | None:
        if self._store is None:
            return None
        key = self._key(text)
        data = self._mine.get(key) or self._known().get(key)
        if data is None:
            return None
        try:
            return decode_tree(marshal.loads(zlib.decompress(data)))
        except (ValueError, EOFError, TypeError, IndexError, KeyError, AttributeError, RecursionError, zlib.error):
            return None  # zlib's checksum caught a damaged entry, or its data is not a tree: parse again

    def put(self, text: str, tree: Any) -> None:
        if self._store is None:
            return
        try:
            encoded = marshal.dumps(encode_tree(tree))
        except (ValueError, RecursionError):
            return
        self.put_encoded(text, encoded)

    def put_encoded(self, text: str, encoded: bytes) -> None:
        """Store a tree already in ``marshal``-ed ``encode_tree`` form (what parse workers send back)."""
        if self._store is None:
            return
        key = self._key(text)
        self._mine[key] = self._new[key] = zlib.compress(encoded, 1)

    def flush(self) -> None:
        """Write the trees stored since the last flush, as one pack."""
        _write_pending(self._store, self._new)


def _write_pending(store: PackStore | None, pending: dict[bytes, bytes]) -> None:
    if store is not None and pending:
        store.write(pending)
    pending.clear()
