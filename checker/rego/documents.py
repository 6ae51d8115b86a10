"""JSON and YAML documents for user policies: ``--data`` files, and inputs that are not plans.

conftest hands a policy any structured file as ``input``; natpolicy does the
same for YAML and non-plan JSON given with ``--policy``. Every such file may be
written by an attacker, so YAML is read with PyYAML's safe loader over libyaml's
scanner and parser (no Python objects; go-yaml is a port of libyaml), without
anchors and aliases (a "billion laughs" file would expand to gigabytes once
turned into JSON for the engine), merge keys or tags other
than the core ones, and every value is checked to be JSON. Plain scalars and
keys are read as conftest's go-yaml v2 and ``sigs.k8s.io/yaml`` read them
(``yaml_goyaml``: ``1e2`` is 100, ``y`` true, ``0o17`` 15, ``1:20`` text, a
date text, the key ``1.0`` ``"1"``); what JSON cannot hold (``.nan``) is one
error line.
"""
from __future__ import annotations

import math
import re
from collections.abc import Hashable
from functools import lru_cache
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError
from natpolicy.rego.conftest_numbers import conftest_number

__all__ = ["YAML_SUFFIXES", "is_yaml", "read_documents", "parse_yaml_documents", "parse_yaml_values"]

YAML_SUFFIXES = (".yaml", ".yml")
# A UTF-16 surrogate in a string read from UTF-8 text came from a `\ud83d` escape, which go-yaml's scanner (v2 and v3,
# scannerc.go: "found invalid Unicode character escape code", as libyaml's) refuses, so conftest and OPA's loader fail
# on the file; PyYAML's pure reader took it (JSON's way of writing an emoji, in a .yaml file that is JSON).
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = ("holds a \\u escape of a UTF-16 surrogate (such as \\ud83d), which conftest's YAML reader "
                     "(go-yaml) refuses: found invalid Unicode character escape code; write the character itself or "
                     "one \\U escape")
# Deeper than any configuration file; the engines convert values recursively.
_MAX_DEPTH = 200


def is_yaml(path: str) -> bool:
    return Path(path).suffix.lower() in YAML_SUFFIXES


def read_documents(path: str, display: str) -> list[Any]:
    """The documents of one JSON or YAML file (a YAML file may hold several)."""
    from natpolicy.loaders.plan_text import decode, read_bytes
    from natpolicy.rego.input_json import parse_input_json

    text = decode(read_bytes(path), display)
    if is_yaml(path):
        return parse_yaml_documents(text, display)
    return [parse_input_json(text, display, "a JSON document")]  # an integer -0 read as -0.0 (input_json)


def parse_yaml_documents(text: str, display: str) -> list[Any]:
    # `---` at the end, or an empty file, makes a None document; conftest skips those too.
    return [doc for doc in parse_yaml_values(text, display) if doc is not None]


def parse_yaml_values(text: str, display: str) -> list[Any]:
    """Every document of the YAML ``text``, an empty one as None, read as :func:`parse_yaml_documents` reads them."""
    import yaml

    loader = _loader()(text)
    loader.text = text  # the scanner gaps read the text around a tag (yaml_scanner_gaps)
    try:
        docs = []
        while loader.check_data():  # yaml.load_all, with the loader at hand
            docs.append(_json_value(loader.get_data(), display))
    except _Refused as exc:
        raise InputError(f"{display}:{exc.line}", exc.problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        # Never the whole exception text: it can quote the file.
        raise InputError(f"{display}{line}", f"invalid YAML: {(exc.problem or 'unreadable')[:80]}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InputError(display, f"invalid YAML ({type(exc).__name__})") from None
    except RecursionError:
        raise InputError(display, f"YAML nested more than {_MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    return docs


def _json_value(value: Any, display: str) -> Any:
    """``value`` as JSON would hold it, or one error line naming what cannot be."""
    if isinstance(value, dict):
        return {_json_key(k, display): _json_value(v, display) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v, display) for v in value]
    if isinstance(value, str) and _SURROGATE.search(value):
        raise InputError(display, _SURROGATE_ESCAPE)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(display, f"holds the number {value}, which JSON (and Rego) cannot hold")
    if isinstance(value, float):
        # go-yaml's float64, which encoding/json writes with Go's shortest digits, input and --data alike: a whole one
        # from 2^53 up is the integer of that text (`1.8446744073709552e19` is 18446744073709552000).
        return conftest_number(value)
    if isinstance(value, int) and type(value) not in (int, bool):
        return int(value)  # go-yaml's uint64 or big integer (yaml_goyaml): a plain integer from here on
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise InputError(display, f"holds a YAML {type(value).__name__} value, which JSON (and Rego) cannot hold")


def _json_key(key: Any, display: str) -> str:
    if isinstance(key, str) and _SURROGATE.search(key):
        raise InputError(display, _SURROGATE_ESCAPE)
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, (str, int, float)):
        return str(key)
    raise InputError(display, "holds a YAML mapping key that is not a scalar, which JSON cannot hold")


@lru_cache(maxsize=1)
def _loader() -> Any:
    import yaml

    from natpolicy.rego.yaml_goyaml import ALLOWED_TAGS, GO_PLAIN_TAG, go_resolve, go_tagged
    from natpolicy.rego.yaml_scanner_gaps import tag_runs_on, v2_question_mark

    class DocumentLoader(*_bases()):  # type: ignore[misc]
        """SafeLoader without anchors, aliases, merge keys, other tags or unbounded nesting, resolving plain
        scalars and keys as conftest's go-yaml v2 does (``yaml_goyaml``)."""

        _depth = 0
        text = ""  # the YAML text itself (parse_yaml_values)

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(event.start_mark.line + 1, "YAML anchors and aliases (&, *) are not read by "
                                                          "natpolicy (a small file could expand without bound); "
                                                          "write the values out")
            tag = getattr(event, "tag", None)
            # Where go-yaml v2's scanner reads otherwise than libyaml's (yaml_scanner_gaps): a `?` inside a flow
            # collection's plain scalar, a tag followed by `,` `[` `]`.
            gap = tag_runs_on(self.text, event.start_mark.index) if tag is not None else None
            if gap is None and isinstance(event, yaml.ScalarEvent) and event.style in (None, "") and \
                    getattr(parent, "flow_style", False):
                gap = v2_question_mark(event.value)
            if gap is not None:
                raise _Refused(event.start_mark.line + 1, gap)
            if tag not in (None, "!") and tag not in ALLOWED_TAGS:
                raise _Refused(event.start_mark.line + 1, f"the YAML tag {_shown(tag)} is not read by natpolicy "
                                                          "(only !!str, !!int, !!float, !!bool, !!null, !!map and "
                                                          "!!seq, as conftest's go-yaml reads them); drop the tag")
            if self._depth >= _MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested more than {_MAX_DEPTH} levels deep")
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # A plain scalar is go-yaml's to resolve (go_resolve), not PyYAML's YAML 1.1 table.
            if kind is yaml.ScalarNode and implicit[0]:
                return GO_PLAIN_TAG
            return super().resolve(kind, value, implicit)

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Hashable, Any]:
            return _go_mapping(self, node, deep)

    def plain(loader: Any, node: Any) -> Any:
        return _goyaml(node, lambda: go_resolve(loader.construct_scalar(node))[1])

    def tagged(loader: Any, node: Any) -> Any:
        return _goyaml(node, lambda: go_tagged(loader.construct_scalar(node), node.tag))

    DocumentLoader.add_constructor(GO_PLAIN_TAG, plain)
    for tag in ALLOWED_TAGS:
        if tag.rsplit(":", 1)[1] in ("int", "float", "bool", "null"):
            DocumentLoader.add_constructor(tag, tagged)
    # The merge key `<<` is refused where a mapping holds it (_go_mapping), never merged by PyYAML's rules.
    return DocumentLoader


def _bases() -> tuple[type, ...]:
    """SafeLoader's parts, with libyaml's scanner and parser where PyYAML has them (``CParser``: go-yaml is a port
    of libyaml, and it reads about twenty times faster than PyYAML's own), under PyYAML's Python composer, whose
    ``compose_node`` the loader refines."""
    import yaml
    from yaml.composer import Composer

    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return (yaml.SafeLoader,)

    class LibyamlLoader(Composer, CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    return (LibyamlLoader,)


def _shown(tag: str) -> str:
    text = tag.replace("tag:yaml.org,2002:", "!!")
    return text if len(text) <= 40 and text.isprintable() else text[:37] + "..."


def _goyaml(node: Any, read: Any) -> Any:
    from natpolicy.rego.yaml_goyaml import GoYamlRefusal

    try:
        return read()
    except GoYamlRefusal as exc:
        raise _Refused(node.start_mark.line + 1, str(exc)) from None


def _go_mapping(loader: Any, node: Any, deep: bool) -> dict[Hashable, Any]:
    """A mapping with its keys as ``sigs.k8s.io/yaml`` writes them (``go_key``); two keys go-yaml holds apart that
    become one string (``1`` and ``"1"``, ``1`` and ``1.0``) are refused, as Go's map order decides which wins
    there. A key repeated as itself is overwritten by the later one, as go-yaml v2 (and PyYAML) do."""
    import yaml

    from natpolicy.rego.yaml_goyaml import GO_PLAIN_TAG, MERGE_KEY, GoYamlRefusal, go_key

    if not isinstance(node, yaml.MappingNode):
        raise _Refused(node.start_mark.line + 1, "expected a mapping")
    out: dict[Hashable, Any] = {}  # every key a string (go_key); PyYAML's signature
    seen: dict[str, tuple[str, Any]] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == GO_PLAIN_TAG and key_node.value == MERGE_KEY:
            raise _Refused(line, "a YAML merge key (<<) is not read by natpolicy (conftest's go-yaml v2 merges in "
                                 "document order, overriding keys before it); write the keys out")
        key = loader.construct_object(key_node, deep=True)
        try:
            text = go_key(key)
        except GoYamlRefusal as exc:
            raise _Refused(line, str(exc)) from None
        identity = (type(key).__name__ if not isinstance(key, int) or isinstance(key, bool) else "int", key)
        if text in seen and seen[text] != identity:
            raise _Refused(line, f"two mapping keys are both written {text[:40]!r} as JSON (conftest's reader keeps "
                                 "one of them, in Go's map order); write one")
        seen[text] = identity
        out[text] = loader.construct_object(value_node, deep=deep)
    return out


class _Refused(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
