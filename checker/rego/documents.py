"""JSON and YAML documents for user policies: ``--data`` files, and inputs that are not plans.

conftest hands a policy any structured file as ``input``; natpolicy does the
same for YAML and non-plan JSON given with ``--policy``. Every such file may be
written by an attacker, so YAML is read with PyYAML's SafeLoader (no Python
objects), without anchors and aliases (a "billion laughs" file would expand
to gigabytes once turned into JSON for the engine), and every value is
checked to be JSON: a YAML date stays text (as conftest's YAML-to-JSON reading
leaves it), keys become strings, and what JSON cannot hold (``.nan``,
``!!binary``) is one error line.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError

__all__ = ["YAML_SUFFIXES", "is_yaml", "read_documents", "parse_yaml_documents"]

YAML_SUFFIXES = (".yaml", ".yml")
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
    import yaml

    try:
        docs = [_json_value(doc, display) for doc in yaml.load_all(text, Loader=_loader())]  # noqa: S506
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
    # `---` at the end, or an empty file, makes a None document; conftest skips those too.
    return [doc for doc in docs if doc is not None]


def _json_value(value: Any, display: str) -> Any:
    """``value`` as JSON would hold it, or one error line naming what cannot be."""
    if isinstance(value, dict):
        return {_json_key(k, display): _json_value(v, display) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v, display) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(display, f"holds the number {value}, which JSON (and Rego) cannot hold")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise InputError(display, f"holds a YAML {type(value).__name__} value, which JSON (and Rego) cannot hold")


def _json_key(key: Any, display: str) -> str:
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

    class DocumentLoader(yaml.SafeLoader):
        """SafeLoader without anchors, aliases, dates, or unbounded nesting."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise _Refused(event.start_mark.line + 1, "YAML anchors and aliases (&, *) are not read by "
                                                          "natpolicy (a small file could expand without bound); "
                                                          "write the values out")
            if self._depth >= _MAX_DEPTH:
                raise _Refused(event.start_mark.line + 1, f"nested more than {_MAX_DEPTH} levels deep")
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    DocumentLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return DocumentLoader


class _Refused(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem
