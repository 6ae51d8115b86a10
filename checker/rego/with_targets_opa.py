"""``with`` targets OPA's compiler refuses, which regorus 0.13.0 answers: refused at load, with the line.

OPA checks every ``with`` of every rule when it compiles the modules (``validateWith`` and
``validateWithBuiltinTarget`` in v1/ast/compile.go, the ``rewriteWithModifiers`` stage), before any query runs:

* a ``data`` target passing through a rule or function (``with data.p.q.r as 5`` where ``q`` is a rule):
  "with keyword cannot partially replace virtual document(s)";
* a builtin that answers nothing (``print``, ``test.sleep``): "target must not be a void function";
* a relation (``walk``): "target must not be a relation";
* ``eq``, ``rego.metadata.chain``, ``rego.metadata.rule`` and any ``internal.*``: "replacement of ... invalid".

regorus checks none of them: measured, ``v := 1 with data.p.q.r as 5`` answered 1, and ``print("a") with print
as 3`` held (a partial replacement it evaluates stops on "complete rules should not produce multiple outputs",
but one in a rule no query reaches, or whose target no statement reads, answered). regopy refuses every
``with``. A target whose head is a rule of the package or an import (``with q.r as``) is resolved to its
``data`` path first, as OPA's resolveRefs does. A target naming nothing OPA knows ("with keyword target must
reference existing input, data, or a function") is refused where the engine is asked which names are its
builtins, as for calls (``natpolicy.rego.builtins``).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.recursion import import_paths, rule_paths
from natpolicy.rego.source import scan_module, tokens, with_targets

__all__ = ["with_target_refusals"]

_VOID = frozenset({"print", "test.sleep"})  # declared with no result (types.NewFunction(..., nil))
_RELATIONS = frozenset({"walk"})  # Relation: true
_NEVER = frozenset({"eq", "rego.metadata.chain", "rego.metadata.rule"})


def with_target_refusals(source: str, package_sources: Sequence[str] = (),
                         loaded_sources: Sequence[str] = ()) -> Iterator[tuple[int, str]]:
    """(offset, message) of each ``with`` target of ``source`` that OPA's compiler refuses."""
    if "with" not in source:
        return
    toks = tokens(source)
    targets = list(with_targets(toks))
    if not targets:
        return
    info = scan_module(source)
    package = tuple(info.package.split(".")) if info.package else ()
    names = set(info.rules).union(*(scan_module(s).rules for s in package_sources))
    aliases = import_paths(source)
    paths: frozenset[tuple[str, ...]] | None = None
    for offset, name in targets:
        parts = name.split(".")
        head = parts[0]
        if head == "input":
            continue
        if head == "data":
            path: tuple[object, ...] = tuple(parts[1:])
        elif head in aliases:
            path = (*aliases[head], *parts[1:])
        elif head in names:
            path = (*package, *parts)
        else:
            message = _builtin_refusal(name)
            if message:
                yield offset, message
            continue
        if paths is None:
            paths = rule_paths([source, *package_sources, *loaded_sources])
        for k in range(1, len(path)):
            if path[:k] in paths:
                shown = ".".join(str(p) for p in path[:k])
                yield offset, (f"`with {name} as`: data.{shown} is a rule, so this replaces part of its value, which "
                               "OPA refuses at compile time (with keyword cannot partially replace virtual "
                               "document(s)), where regorus 0.13.0 answers; natpolicy refuses it: replace the "
                               f"whole rule (`with data.{shown} as`)")
                break


def _builtin_refusal(name: str) -> str:
    reason = ("target must not be a void function" if name in _VOID
              else "target must not be a relation" if name in _RELATIONS
              else f'replacement of "{name}" invalid' if name in _NEVER or name.startswith("internal.")
              else "")
    if not reason:
        return ""
    return (f"`with {name} as`: OPA refuses the module at compile time (with keyword replacing built-in function: "
            f"{reason}), where regorus 0.13.0 answers; natpolicy refuses it")
