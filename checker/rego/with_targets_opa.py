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

A target key that is not a string (``with input[k] as``, ``with data.p[1] as``): OPA's parser and ``validateWith``
take it, and its safety order reads the key's variables as inputs of the statement (``outputVarsForExpr``: "With
modifier inputs must be safe"), but topdown's ``evalWith`` hands the target to ``mergeTermWithValues`` as written,
never plugged, and that takes a path of string keys only (``IsValidImportPath``): a query that evaluates the
statement stops with "bad document path", whatever ``k`` is bound to. Where the keys before it pass through a rule,
``validateWith`` refuses the module first ("cannot partially replace"). regorus 0.13.0 cannot parse such a key at
all ("expected string", for a raw string too, which OPA reads as a string and which is left to that error here).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.rego.recursion import import_paths, rule_paths
from natpolicy.rego.source import Token, matching_close, scan_module, tokens, with_targets

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
    keyed = dict(_non_string_keys(toks))
    for offset, name in targets:
        parts = name.split(".")
        head = parts[0]
        if head == "input":
            if offset in keyed:
                yield keyed[offset][1:]
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
        # Past a key that is not a string, validateWith also checks the whole written prefix (all of it comes before
        # the target's last key).
        for k in range(1, len(path) + (offset in keyed)):
            if path[:k] in paths:
                shown = ".".join(str(p) for p in path[:k])
                said = "which regorus 0.13.0 cannot parse" if offset in keyed else "where regorus 0.13.0 answers"
                written = keyed[offset][0] if offset in keyed else name
                yield offset, (f"`with {written} as`: data.{shown} is a rule, so this replaces part of its value, "
                               "which OPA refuses at compile time (with keyword cannot partially replace virtual "
                               f"document(s)), {said}; natpolicy refuses it: replace the whole rule (`with "
                               f"data.{shown} as`)")
                break
        else:
            if offset in keyed:
                yield keyed[offset][1:]


def _builtin_refusal(name: str) -> str:
    reason = ("target must not be a void function" if name in _VOID
              else "target must not be a relation" if name in _RELATIONS
              else f'replacement of "{name}" invalid' if name in _NEVER or name.startswith("internal.")
              else "")
    if not reason:
        return ""
    return (f"`with {name} as`: OPA refuses the module at compile time (with keyword replacing built-in function: "
            f"{reason}), where regorus 0.13.0 answers; natpolicy refuses it")


def _non_string_keys(toks: list[Token]) -> Iterator[tuple[int, tuple[str, int, str]]]:
    """(offset of the target, (the target as written, offset of the key, message)) of each `with` target holding
    a key in brackets that is not a string literal (``input[k]``, ``data.p.q[1]``), its first such key."""
    for i, tok in enumerate(toks):
        if tok.text != "with" or tok.kind != "ident" or i + 1 >= len(toks) or toks[i + 1].kind != "ident":
            continue
        j = i + 2
        while j + 1 < len(toks) and toks[j].text in (".", "["):
            if toks[j].text == ".":
                j += 2
                continue
            close = matching_close(toks, j)
            if close is None:
                break
            if close != j + 2 or toks[j + 1].kind not in ("string", "raw"):  # a raw string: regorus's own error
                written = "".join(t.text for t in toks[i + 1:close + 1])
                written = written if len(written) <= 60 else written[:57] + "..."
                yield toks[i + 1].offset, (written, toks[j + 1].offset, _key_message(written))
                break
            j = close + 1


def _key_message(written: str) -> str:
    return (f"`with {written} as`: a `with` target's keys must be strings: OPA stops any query that evaluates "
            "this statement with \"bad document path\" (it reads the target as written, not what a variable in it "
            "is bound to), and regorus 0.13.0 cannot parse it; natpolicy refuses it: write each key as a string "
            "(`with input.a as`, `with input[\"a\"] as`)")
