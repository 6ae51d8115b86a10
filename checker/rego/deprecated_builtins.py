"""OPA's deprecated builtins, which OPA still runs in a Rego v0 module and neither library engine has.

OPA keeps them for v0 (``ast.DeprecatedBuiltins``; a v1 module may not call them), and older
conftest policies use them (``re_match`` in conftest's own early examples, ``any`` in
EmbarkStudios' set). Two are another builtin under an old name, registered with the same
implementation in OPA's ``v1/topdown``: ``re_match`` is ``regex.match`` and ``net.cidr_overlap`` is
``net.cidr_contains``; in a v0 module each call is renamed, on its line. The others are small
functions OPA implements in Go, written here in Rego and appended to the module; where their
operand is of another kind OPA fails (``builtins.NewOperandTypeErr``), which these answer as
undefined: OPA's default mode, so they are offered only there (under ``--strict-builtin-errors``
they stay refused, naming what replaces them):

* ``any(c)``/``all(c)``: an array or set holds ``true`` / holds nothing else (``builtinAny``,
  ``builtinAll`` in aggregates.go; ``all([])`` is true);
* ``set_diff(a, b)``: ``a - b`` of two sets (sets.go);
* ``cast_array(c)``: an array, or a set's elements in order; ``cast_set(c)``: an array's or a set's
  elements as a set; ``cast_string``, ``cast_boolean``, ``cast_null``, ``cast_object``: the value
  itself where it is of that kind (casts.go).
"""
from __future__ import annotations

import re

__all__ = ["ALIASES", "FUNCTIONS", "deprecated_renames", "deprecated_functions"]

ALIASES = {"re_match": "regex.match", "net.cidr_overlap": "net.cidr_contains"}

_PREFIX = "__natpolicy_dep_"
# Rego v0 (the only version that may call them), one definition per line; `x` and `y` renamed below.
FUNCTIONS: dict[str, str] = {
    "any": ("{f}(x) = true {{ is_array(x); x[_] == true }} else = true {{ is_set(x); x[_] == true }} "
            "else = false {{ is_array(x) }} else = false {{ is_set(x) }}"),
    "all": ("{f}(x) = false {{ is_array(x); x[_] != true }} else = false {{ is_set(x); x[_] != true }} "
            "else = true {{ is_array(x) }} else = true {{ is_set(x) }}"),
    "set_diff": "{f}(x, y) = z {{ is_set(x); is_set(y); z := x - y }}",
    "cast_array": "{f}(x) = x {{ is_array(x) }} else = z {{ is_set(x); z := [e | e := x[_]] }}",
    "cast_set": "{f}(x) = x {{ is_set(x) }} else = z {{ is_array(x); z := {{e | e := x[_]}} }}",
    "cast_string": "{f}(x) = x {{ is_string(x) }}",
    "cast_boolean": "{f}(x) = x {{ is_boolean(x) }}",
    "cast_null": "{f}(x) = x {{ is_null(x) }}",
    "cast_object": "{f}(x) = x {{ is_object(x) }}",
}


def deprecated_renames(undefined_builtin_errors: bool) -> dict[str, str]:
    """Old name -> what a v0 module's call of it becomes: the aliases always, the functions in OPA's default mode."""
    functions = {name: f"{_PREFIX}{name}" for name in FUNCTIONS} if undefined_builtin_errors else {}
    return {**ALIASES, **functions}


def deprecated_functions(used: set[str]) -> str:
    """The Rego v0 definitions of the functions among ``used`` (old names), with private argument names."""
    out = []
    for name in sorted(used & FUNCTIONS.keys()):
        text = FUNCTIONS[name].format(f=f"{_PREFIX}{name}")
        for local in ("x", "y", "z", "e"):
            text = _rename(text, local, f"__natpolicy_{local}")
        out.append(text + "\n")
    return "".join(out)


def _rename(text: str, name: str, to: str) -> str:
    return re.sub(rf"(?<![\w.]){name}(?![\w])", to, text)
