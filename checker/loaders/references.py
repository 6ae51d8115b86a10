"""The plan's ``configuration`` section, indexed by config address.

Terraform records, for each expression, the names it references
(``aws_vpc.main.id``, ``var.vpc_id``, ``module.vpc.vpc_id``). Those names are
relative to the module they appear in. ``ConfigIndex`` resolves them through
``module_calls`` (inputs flow down, outputs flow up) to module-qualified
resource addresses without instance keys, e.g. ``module.vpc.aws_vpc.this``.
Each (module, name) pair is resolved once and memoised.
"""
from __future__ import annotations

from typing import Any

from natpolicy.model import skip_index

_NOT_RESOURCES = frozenset({"local", "each", "count", "path", "terraform", "self"})
_MAX_DEPTH = 64  # module nesting deeper than this is a cycle, not a config


class ConfigIndex:
    def __init__(self, configuration: Any) -> None:
        self._modules: dict[tuple[str, ...], dict[str, Any]] = {}
        self._calls: dict[tuple[str, ...], dict[str, Any]] = {}
        self._resources: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}
        self._refs: dict[str, dict[str, tuple[str, ...]]] = {}
        self._memo: dict[tuple[tuple[str, ...], str], frozenset[str]] = {}
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        if isinstance(root, dict):
            self._index_module(root, ())

    def _index_module(self, module: dict[str, Any], path: tuple[str, ...]) -> None:
        stack = [(module, path)]
        while stack:
            mod, mpath = stack.pop()
            self._modules[mpath] = mod
            prefix = "".join(f"module.{m}." for m in mpath)
            for res in mod.get("resources") or ():
                if not isinstance(res, dict):
                    continue
                local = res.get("address") or (
                    f"data.{res.get('type')}.{res.get('name')}" if res.get("mode") == "data" else f"{res.get('type')}.{res.get('name')}"
                )
                self._resources[prefix + str(local)] = (mpath, res)
            calls = mod.get("module_calls") or {}
            if isinstance(calls, dict) and len(mpath) < _MAX_DEPTH:
                for name, call in calls.items():
                    if isinstance(call, dict):
                        child = (*mpath, str(name))
                        self._calls[child] = call
                        sub = call.get("module")
                        if isinstance(sub, dict):
                            stack.append((sub, child))

    def expressions(self, config_address: str) -> dict[str, Any] | None:
        entry = self._resources.get(config_address)
        if entry is None:
            return None
        expressions = entry[1].get("expressions")
        return expressions if isinstance(expressions, dict) else None

    def references(self, config_address: str) -> dict[str, tuple[str, ...]]:
        """Top-level attribute -> resolved resource config addresses."""
        cached = self._refs.get(config_address)
        if cached is not None:
            return cached
        entry = self._resources.get(config_address)
        out: dict[str, tuple[str, ...]] = {}
        if entry is not None:
            mpath, res = entry
            expressions = res.get("expressions")
            if isinstance(expressions, dict):
                for attr, expr in expressions.items():
                    names: list[str] = []
                    _collect(expr, names)
                    targets: set[str] = set()
                    for name in names:
                        targets |= self.resolve(mpath, name)
                    if targets:
                        out[attr] = tuple(sorted(targets))
            for key in ("count_expression", "for_each_expression"):
                names = []
                _collect(res.get(key), names)
                targets = set()
                for name in names:
                    targets |= self.resolve(mpath, name)
                if targets:
                    out[key] = tuple(sorted(targets))
        self._refs[config_address] = out
        return out

    def resolve(self, mpath: tuple[str, ...], name: str, depth: int = 0) -> frozenset[str]:
        key = (mpath, name)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        self._memo[key] = frozenset()  # cycle guard
        result = self._resolve(mpath, name, depth)
        self._memo[key] = result
        return result

    def _resolve(self, mpath: tuple[str, ...], name: str, depth: int) -> frozenset[str]:
        if depth > _MAX_DEPTH:
            return frozenset()
        parts = split_reference(name)
        if not parts:
            return frozenset()
        head = parts[0]
        prefix = "".join(f"module.{m}." for m in mpath)
        if head == "var" and len(parts) >= 2:
            call = self._calls.get(mpath)
            if call is None:
                return frozenset()
            expr = (call.get("expressions") or {}).get(parts[1])
            return self._resolve_all(mpath[:-1], expr, depth)
        if head == "module" and len(parts) >= 3:
            child = (*mpath, parts[1])
            module = self._modules.get(child)
            if module is None:
                return frozenset()
            output = (module.get("outputs") or {}).get(parts[2])
            expr = output.get("expression") if isinstance(output, dict) else None
            return self._resolve_all(child, expr, depth)
        if head in _NOT_RESOURCES or head == "module" or head == "var":
            return frozenset()
        if head == "data":
            return frozenset({f"{prefix}data.{parts[1]}.{parts[2]}"}) if len(parts) >= 3 else frozenset()
        if len(parts) >= 2:
            return frozenset({f"{prefix}{head}.{parts[1]}"})
        return frozenset()

    def _resolve_all(self, mpath: tuple[str, ...], expr: Any, depth: int) -> frozenset[str]:
        names: list[str] = []
        _collect(expr, names)
        out: set[str] = set()
        for name in names:
            out |= self.resolve(mpath, name, depth + 1)
        return frozenset(out)


def _collect(expr: Any, out: list[str]) -> None:
    """All reference names inside an expression, including nested blocks."""
    if isinstance(expr, dict):
        refs = expr.get("references")
        if isinstance(refs, list):
            out.extend(r for r in refs if isinstance(r, str))
        for key, value in expr.items():
            if key not in ("references", "constant_value") and isinstance(value, (dict, list)):
                _collect(value, out)
    elif isinstance(expr, list):
        for item in expr:
            _collect(item, out)


def split_reference(name: str) -> list[str]:
    """``module.vpc["a"].aws_vpc.this[0].id`` -> ``["module", "vpc", "aws_vpc", "this", "id"]``.

    Index keys are dropped: references resolve to config addresses, and
    instances are matched later by module instance.
    """
    if "[" not in name:
        # Nearly every reference: nothing to skip, so a plain split gives the
        # same parts as the character walk below, several times faster.
        return [p for p in name.split(".") if p]
    parts: list[str] = []
    current: list[str] = []
    i, n = 0, len(name)
    while i < n:
        ch = name[i]
        if ch == ".":
            parts.append("".join(current))
            current = []
        elif ch == "[":
            i = skip_index(name, i)
            continue
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p for p in parts if p]
