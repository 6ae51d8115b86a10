"""Reading an attribute or an element of a value, and the lazily resolved namespaces that allow it.

Apart from the evaluator so that what a value offers (``a.b``, ``a[k]``) is
one small module; the evaluator, splats and traversals all read values this way.
"""
from __future__ import annotations

from typing import Any

from natpolicy.loaders.hcl.operations import to_number
from natpolicy.loaders.hcl.values import EvalError, TfSet, to_string
from natpolicy.model import UNKNOWN

__all__ = ["Lazy", "get_attr", "index_value"]


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


def index_value(base: Any, key: Any) -> Any:
    if isinstance(base, Lazy):
        return base.index(key)
    if base is UNKNOWN or key is UNKNOWN:
        return UNKNOWN
    if isinstance(base, TfSet):
        raise EvalError("elements of a set have no index")
    if isinstance(base, list):
        number = to_number(key)
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
