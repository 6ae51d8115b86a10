"""A package read whole on regorus 0.13.0, where it loses rules of the package's later files.

OPA reads ``data.lib`` (a package as an object: its rules, its packages below, the base documents there) by
evaluating each rule on its own (topdown ``evalTree``). regorus evaluates the package's rules file by file, and in
every file of the package but its first (in the order the engine gets them), a rule that reads a rule of the
package not evaluated yet (defined after it, there or in a later file; or in a package below) gets that rule as
undefined: ``u := l + 1`` before ``l := 2`` in ``lib``'s second file is missing from ``data.lib``, ``s contains l``
and ``[x | x := l]`` are empty, ``default u := 0`` answers its default (measured; with one file, or in the first,
every rule is there). regorus reads a package whole where a policy reads it as a value (``data.lib``,
``some k, v in data.lib``, ``object.keys(data.lib)``, ``data.lib[k]``, ``data`` itself) and, measured, where it reads
a rule through an import of the package (``import data.lib`` then ``lib.u``), but not ``data.lib.u`` written out.

So on regorus an import of a ``data`` package is spelled out as its ref where every use of its name is a ref
(``import_names.data_import_refs_for_regorus``: ``lib.u`` becomes ``data.lib.u``, on its line, which OPA reads alike: an
import is the ref it names); and a package read whole, where one of its later files holds such a rule, is refused
with the read's line (:func:`whole_package_refusals`).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from natpolicy.records import record
from natpolicy.rego.import_names import import_binding, rule_heads, uses_as_refs
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import Token, tokens
from natpolicy.rego.static_checks import rule_statements

__all__ = ["whole_package_refusals"]


@record(frozen=True)
class _Late:
    """A rule of a package's later file that reads a rule of the package regorus has not evaluated yet."""

    policy: PolicyFile
    offset: int
    rule: str
    read: str


def whole_package_refusals(policies: Sequence[PolicyFile]) -> Iterator[tuple[PolicyFile, int, str]]:
    """(policy, character offset, message) of each read of a package as a whole (or of a package above it) whose
    later files hold a rule regorus answers otherwise there; ``policies`` in the order the engine gets them."""
    late = _late_rules(policies)
    if not late:
        return
    for policy in policies:
        for offset, path, shown in _whole_reads(policy.source):
            hit = next((p for p in sorted(late) if p[:len(path)] == path), None)
            if hit is None:
                continue
            case = late[hit]
            yield policy, offset, (
                f"`{shown}` reads package {'.'.join(hit)} as a whole, and regorus 0.13.0 evaluates a package read so "
                "file by file: in every file of the package but its first, a rule reading a rule not evaluated yet "
                f"(`{case.rule}` in {case.policy.display} reads `{case.read}`, defined after it) is answered as "
                "undefined (a set or object of it as empty), where OPA answers it; natpolicy refuses it on regorus: "
                "read the rules "
                f"by name (`data.{'.'.join(hit)}.<rule>`), define `{case.read}` before `{case.rule}` in the "
                "package's first file, or run on regopy")


def _late_rules(policies: Sequence[PolicyFile]) -> dict[tuple[str, ...], _Late]:
    """Package path -> the first rule of one of its later files that reads a rule of the package (or of a package
    below it) defined after it."""
    files: dict[tuple[str, ...], list[int]] = {}
    for index, policy in enumerate(policies):
        files.setdefault(tuple(policy.package.split(".")), []).append(index)
    # each rule (not function) of each package: where it is first defined, as (file index, offset)
    defined: dict[tuple[str, ...], dict[str, tuple[int, int]]] = {}
    for index, policy in enumerate(policies):
        names = defined.setdefault(tuple(policy.package.split(".")), {})
        for name, offset, function in rule_heads(policy.source):
            if not function:  # a function is not in a package read whole
                names.setdefault(name, (index, offset))
    out: dict[tuple[str, ...], _Late] = {}
    for package, indexes in files.items():
        if len(indexes) < 2:
            continue
        for index in indexes[1:]:
            policy = policies[index]
            found = _late_read(policy, index, package, defined)
            if found is not None:
                out[package] = found
                break
    return out


def _late_read(policy: PolicyFile, index: int, package: tuple[str, ...],
               defined: dict[tuple[str, ...], dict[str, tuple[int, int]]]) -> _Late | None:
    """The first rule of ``policy`` (a later file of ``package``) reading a rule of the package, or of a package
    below it, that is defined after it."""
    toks = tokens(policy.source)
    for start, end in rule_statements(policy.source, toks, rules_only=True):
        head = start + 1 if toks[start].text == "default" else start
        for k in range(head + 1, end):
            tok = toks[k]
            if tok.kind != "ident" or toks[k - 1].text == ".":
                continue
            if tok.text == "data":
                path = _constant_path(toks, k, end)
                name, place = (path[len(package)], package) if len(path) > len(package) \
                    and path[:len(package)] == package else ("", ())
                # a rule of a package below: read through data.<package>.<below>...
                below = next((p for p in defined if len(p) > len(package) and path[:len(p)] == p
                              and len(path) > len(p)), None)
                if below is not None:
                    name, place = path[len(below)], below
            else:
                name, place = tok.text, package
            at = defined.get(place, {}).get(name) if name else None
            if at is not None and (at[0] > index or (at[0] == index and at[1] > toks[head].offset)):
                shown = name if place == package else ".".join(["data", *place, name])
                return _Late(policy, toks[head].offset, toks[head].text, shown)
    return None


def _whole_reads(source: str) -> Iterator[tuple[int, tuple[str, ...], str]]:
    """(offset, constant path, text) of each ``data`` ref (a read of a package whole where its constant path stops
    at or above the package: ``data.lib``, ``data.lib[k]``), and of each use of an import's name whose uses are not
    all refs (regorus reads the import's target whole there); a ``with`` target is no read."""
    toks = tokens(source)
    imports: dict[str, tuple[str, ...]] = {}
    for start, end in rule_statements(source, toks):
        if toks[start].text != "import":
            continue
        path, alias = import_binding(toks, start, end)
        if len(path) >= 2 and path[0] == "data" and alias and uses_as_refs(toks, alias, end) is None:
            imports[alias] = tuple(path[1:])
    for k, tok in enumerate(toks):
        if tok.kind != "ident" or (k > 0 and toks[k - 1].text in (".", "with", "import")):
            continue
        if tok.text == "data":
            read = _constant_path(toks, k, len(toks))
            yield tok.offset, read, ".".join(["data", *read])
        elif tok.text in imports and not _declares(toks, k):
            yield tok.offset, imports[tok.text], tok.text


def _declares(toks: list[Token], k: int) -> bool:
    """Is ``toks[k]`` a local's declaration (``x := ...``, ``some x``), not a read of an import of that name?"""
    after = toks[k + 1].text if k + 1 < len(toks) else ""
    return after == ":=" or (k > 0 and toks[k - 1].text == "some")


def _constant_path(toks: list[Token], k: int, end: int) -> tuple[str, ...]:
    """The constant string parts after ``data`` at ``toks[k]``: ``data.lib["k8s"].x[i]`` is ("lib", "k8s", "x")."""
    path: list[str] = []
    j = k + 1
    while j + 1 < end:
        if toks[j].text == "." and toks[j + 1].kind == "ident":
            path.append(toks[j + 1].text)
            j += 2
        elif toks[j].text == "[" and j + 2 < end and toks[j + 2].text == "]" and toks[j + 1].kind == "string" \
                and toks[j + 1].text.startswith('"'):
            path.append(toks[j + 1].text[1:-1])
            j += 3
        else:
            break
    return tuple(path)
