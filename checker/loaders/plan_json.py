"""Terraform plan JSON (``terraform show -json plan.out``) -> ``Resource`` list.

Everything here is one linear pass: each section is walked once and joined
to the configuration through dictionaries keyed by config address (Checkov
scans the configuration once per resource, which is O(n*m)).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from natpolicy.errors import InputError
from natpolicy.gc_pause import paused_gc
from natpolicy.loaders import plan_fast
from natpolicy.loaders.plan_shapes import problem_resources
from natpolicy.loaders.plan_text import decode, parse_json, read_bytes
from natpolicy.loaders.plan_values import apply_unknown, full_address
from natpolicy.loaders.references import ConfigIndex
from natpolicy.loaders.sourcemap import module_call_sources
from natpolicy.model import Resource, SourceLocation

SUPPORTED_MAJOR = (0, 1)


@cache
def _printable() -> re.Pattern[str]:  # compiled on first use: only a refused version reads it
    return re.compile(r"[ -~]{1,40}")


_PLAN_KEYS = ("resource_changes", "planned_values", "prior_state", "configuration", "output_changes", "resource_drift")


def load_plan(path: str, display: str | None = None, data: bytes | None = None,
              sections: dict[str, Any] | None = None) -> list[Resource]:
    """Read one plan file (``-`` for stdin) into resources; ``data``: its bytes, when the caller read them already,
    ``sections``: their top-level keys' raw values, where the caller decoded those (``plan_fast.decode``)."""
    source = "<stdin>" if path == "-" else path
    with paused_gc():  # millions of acyclic objects: see natpolicy.gc_pause
        if data is None:
            data = read_bytes(path)
            sections = None  # only ever the handed bytes' own
        fast = _fast_resources(data, source, display or source, sections)
        if fast is not None:
            return fast
        # The reference decode: every plan the fast path declines, and every error's wording, comes from here.
        text = decode(data, source)
        doc = parse_json(text, source)
        del data
        check_is_plan(doc, source)
        try:
            return plan_resources(doc, origin=display or source, text=text)
        except InputError:
            raise
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            # A section of the wrong JSON type somewhere we did not guard:
            # still one line naming the file, never a traceback.
            raise InputError(source, f"unexpected plan structure: {type(exc).__name__}: {exc}"[:300]) from None


def _fast_resources(data: bytes, source: str, origin: str,
                    sections: dict[str, Any] | None = None) -> list[Resource] | None:
    """The resources through ``plan_fast`` (sections the model does not read stay undecoded), or ``None``.

    Any failure at all returns ``None``: the reference decode then reads the
    same bytes and reports the problem in its own words, so errors never
    depend on the backend.
    """
    plan = plan_fast.decode(data, sections)
    if plan is None:
        return None

    try:
        check_is_plan(plan.head, source)
        text = data.decode("utf-8") if plan.multiline else None
        if plan.changes is None:  # no resource_changes: the planned_values (rare), read the reference way
            resources = build_resources(None, lambda: _module_resources(plan.planned_values()),
                                        lambda seen: plan.prior_resources(
                                            {address for address, deposed in seen if deposed is None}, origin),
                                        plan.configuration, origin,
                                        text)
        else:
            resources = plan.change_resources(origin)
            # prior_resources skips the addresses of the plan's own (not deposed) resources and each one it has
            # yielded: a set of strings, half the cost of (address, deposed) pairs; _add_unchanged's starts empty.
            _add_unchanged(resources, set(), plan.prior_resources(
                {res.address for res in resources if res.deposed is None}, origin))
            finish_resources(resources, plan.configuration, origin, text)
        if text is None:
            _attach_plan_lines(resources, "", origin)  # compact: every resource on line 1, as the reference does
        return resources
    except Exception:  # noqa: BLE001 - whatever it is, the reference decode names it
        return None


def check_is_plan(doc: Any, source: str) -> None:
    if not isinstance(doc, dict):
        raise InputError(source, f"expected a Terraform plan (a JSON object), found a JSON {_kind(doc)}")
    if "lineage" in doc and "serial" in doc:
        raise InputError(source, "this is a Terraform state file, not a plan; run `terraform plan -out plan.out` "
                                 "then `terraform show -json plan.out > plan.json`")
    version = doc.get("format_version")
    has_sections = any(k in doc for k in _PLAN_KEYS)
    if version is None or not has_sections:
        if "values" in doc and version is not None:
            raise InputError(source, "this is the JSON of a Terraform state (`terraform show -json` without a plan "
                                     "file), not a plan; pass the plan file to `terraform show -json`")
        if "provider_schemas" in doc:
            raise InputError(source, "this is `terraform providers schema -json` output, not a plan; run "
                                     "`terraform show -json plan.out > plan.json`")
        # Say what is actually missing, not a fixed list.
        missing = [] if version is not None else ["`format_version`"]
        if not has_sections:
            missing.append("`resource_changes`/`planned_values`")
        raise InputError(source, f"not a Terraform plan: no {' and no '.join(missing)}")
    changes = doc.get("resource_changes")
    if changes is not None and not isinstance(changes, list):
        raise InputError(source, f"unexpected plan structure: `resource_changes` is a JSON {_kind(changes)}, "
                                 "not an array")
    major = str(version).split(".", 1)[0]
    # ASCII digits only: str.isdigit() also takes "¹" (int() then fails) and "١" (which int() reads as 1).
    if not _ascii_number(major):
        raise InputError(source, f"unreadable plan format_version {_shown_version(version)}")
    if int(major) not in SUPPORTED_MAJOR:
        raise InputError(source, f"plan format_version {_shown_version(version)} is not supported (natpolicy "
                                 "reads 0.x and 1.x); upgrade natpolicy")


def _shown_version(version: Any) -> str:
    """The version for a message: escaped (``ascii``) and short, whatever the file holds."""
    if isinstance(version, str) and _printable().fullmatch(version):
        return version
    text = ascii(version)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", int: "number", float: "number",
            bool: "boolean"}.get(type(value), "null")


def plan_resources(doc: dict[str, Any], origin: str, text: str | None = None) -> list[Resource]:
    changes = doc.get("resource_changes")
    prior = doc.get("prior_state")
    prior_values = prior.get("values") if isinstance(prior, dict) else None

    def planned() -> Iterator[tuple[dict[str, Any], str]]:
        return _module_resources(doc.get("planned_values"))

    def unchanged(seen: set[tuple[str, str | None]]) -> Iterator[Resource]:
        for item, module in _module_resources(prior_values):
            res = _from_values(item, module, origin, ("no-op",), after=True, before=True)
            if (res.address, None) not in seen:
                yield res

    return build_resources(changes, planned, unchanged, doc.get("configuration"), origin, text)


def build_resources(changes: Any, planned: Callable[[], Iterable[tuple[dict[str, Any], str]]],
                    unchanged: Callable[[set[tuple[str, str | None]]], Iterable[Resource]],
                    configuration: Any, origin: str, text: str | None) -> list[Resource]:
    """The resources of one plan, from its sections (shared by the reference and the fast decode).

    ``planned`` is read only when there is no ``resource_changes`` list;
    ``unchanged`` yields the ``prior_state`` resources whose address is not in
    the set it is given (the fast decode decodes only their values).
    """
    resources: list[Resource] = []
    seen: set[tuple[str, str | None]] = set()

    if isinstance(changes, list):
        for position, rc in enumerate(changes):
            # Dropping an entry we cannot read would pass it silently: the plan is refused instead.
            _check_entry(rc, origin, position)
            res = _from_change(rc, origin, position)
            resources.append(res)
            seen.add((res.address, res.deposed))
    else:
        # No resource_changes (refresh-only or very old plans): what will
        # exist is planned_values, and nothing is known to change.
        for item, module in planned():
            res = _from_values(item, module, origin, ("no-op",), after=True)
            if (res.address, None) not in seen:
                resources.append(res)
                seen.add((res.address, None))

    _add_unchanged(resources, seen, unchanged(seen))
    finish_resources(resources, configuration, origin, text)
    return resources


def _add_unchanged(resources: list[Resource], seen: set[tuple[str, str | None]], unchanged: Iterable[Resource]) -> None:
    # prior_state holds resources the plan does not mention (older formats,
    # data sources); routes living there still matter to the NAT analysis.
    for res in unchanged:
        if (res.address, None) not in seen:  # a prior_state listing one address twice keeps the first
            res.from_prior_state = True
            resources.append(res)
            seen.add((res.address, None))


def finish_resources(resources: list[Resource], configuration: Any, origin: str, text: str | None) -> None:
    """What the configuration adds to each resource, and what the rules could not read (both decoders)."""
    # Module call sources let --source-root map a resource to its .tf block.
    ConfigIndex(configuration).join(resources, module_call_sources(configuration))

    for res, problems in problem_resources(resources):
        res.unjudged = tuple(problems)
    if text is not None:
        _attach_plan_lines(resources, text, origin)


# What Terraform writes in each field of a ``resource_changes`` entry; ``None`` (absent) always passes.
_ENTRY_FIELDS: dict[str, tuple[type, ...]] = {
    "address": (str,), "type": (str,), "name": (str,), "mode": (str,), "module_address": (str,),
    "deposed": (str,), "previous_address": (str,), "action_reason": (str,), "change": (dict,),
}
_CHANGE_FIELDS: dict[str, tuple[type, ...]] = {
    "before": (dict,), "after": (dict,), "after_unknown": (dict, bool),
    "before_sensitive": (dict, bool), "after_sensitive": (dict, bool),
}


_MASKS = ("after_unknown", "before_sensitive", "after_sensitive")


def _check_entry(rc: Any, origin: str, position: int) -> None:
    """A ``resource_changes`` entry whose own fields have the wrong JSON type is a broken plan."""
    if _plain_entry(rc):
        return  # what Terraform writes: one pass, no messages built
    where = f"resource_changes[{position}]"
    if not isinstance(rc, dict):
        raise InputError(origin, f"unexpected plan structure: {where} is a JSON {_kind(rc)}, not an object")
    if not isinstance(rc.get("address"), str):
        raise InputError(origin, f"unexpected plan structure: {where}: `address` is a JSON "
                                 f"{_kind(rc.get('address'))}, not a string; that resource cannot be judged")
    for fields, values, prefix in ((_ENTRY_FIELDS, rc, ""), (_CHANGE_FIELDS, rc.get("change") or {}, "change.")):
        for name, types in fields.items():
            value = values.get(name)
            if value is not None and not isinstance(value, types):
                wanted = " or ".join(_kind(t()) for t in types)
                raise InputError(origin, f"unexpected plan structure: {where} ({_shown_address(rc['address'])}): "
                                         f"`{prefix}{name}` is a JSON {_kind(value)}, not a JSON {wanted}; "
                                         "that resource cannot be judged")
    if not isinstance(rc.get("change"), dict):
        raise InputError(origin, f"unexpected plan structure: {where} ({_shown_address(rc['address'])}): no `change`; "
                                 "that resource cannot be judged")
    for name in _MASKS:
        odd = _odd_mask_leaf(rc["change"].get(name))
        if odd is not None:
            # A leaf "yes" would read as "not sensitive" (only true is): never guess which values to show.
            raise InputError(origin, f"unexpected plan structure: {where} ({_shown_address(rc['address'])}): "
                                     f"`change.{name}` holds a JSON {_kind(odd)} where only true or false can be; "
                                     "that resource cannot be judged")


def _plain_entry(rc: Any) -> bool:
    """True when ``_check_entry`` has nothing to say (the same checks, over the keys present); else it explains."""
    if type(rc) is not dict or type(rc.get("address")) is not str:
        return False
    change = rc.get("change")
    if type(change) is not dict:
        return False
    for values, fields in ((rc, _ENTRY_FIELDS), (change, _CHANGE_FIELDS)):
        for name, value in values.items():
            types = fields.get(name)
            if types is not None and value is not None and not isinstance(value, types):
                return False
    return all(_odd_mask_leaf(change.get(name)) is None for name in _MASKS)


def _odd_mask_leaf(mask: Any) -> Any:
    """The first leaf of a mask that is not a boolean (masks are objects and arrays of booleans), else ``None``."""
    if not isinstance(mask, (dict, list)) or not mask:
        return None
    stack = [mask]
    while stack:
        node = stack.pop()
        for item in node.values() if isinstance(node, dict) else node:
            if item is True or item is False:  # nearly every leaf: tested first
                continue
            if isinstance(item, (dict, list)):
                stack.append(item)
            else:
                return item if item is not None else _NULL
    return None


_NULL = object()  # a null leaf, told apart from "no odd leaf"


def _shown_address(address: str) -> str:
    """An address for an error line: one line, printable, not endless."""
    shown = address.encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(ch if " " <= ch <= "~" else f"\\x{ord(ch):02x}" for ch in shown)
    return shown if len(shown) <= 200 else shown[:197] + "..."


def _from_change(rc: dict[str, Any], origin: str, position: int = 0) -> Resource:
    raw_change = rc.get("change")
    change: dict[str, Any] = raw_change if isinstance(raw_change, dict) else {}
    actions = _actions(change.get("actions"), rc["address"], origin, position)
    after = change.get("after")
    unknown = change.get("after_unknown")
    if unknown:
        after = apply_unknown(after, unknown)
    return Resource(
        address=rc["address"],
        type=str(rc.get("type", "")),
        name=str(rc.get("name", "")),
        mode=str(rc.get("mode", "managed")),
        module=str(rc.get("module_address", "") or ""),
        index=_index(rc.get("index"), rc["address"], origin),
        actions=actions,
        action_reason=rc.get("action_reason"),
        previous_address=rc.get("previous_address"),
        deposed=rc.get("deposed"),
        before=change.get("before"),
        after=after,
        before_sensitive=change.get("before_sensitive", False),
        after_sensitive=change.get("after_sensitive", False),
        origin=origin,
    )


def _actions(value: Any, address: str, origin: str, position: int) -> tuple[str, ...]:
    """``change.actions``: a list of strings; anything else is a broken plan, not something to guess at."""
    if value is None or value == []:
        return ("no-op",)
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        what = (f"a JSON {_kind(value)}" if not isinstance(value, list)
                else "a list holding something other than strings")
        raise InputError(origin, f"unexpected plan structure: resource_changes[{position}] ({address}): "
                                 f"`change.actions` is {what}, not a list of action names")
    return tuple(value)


def _index(value: Any, address: str, origin: str) -> int | str | None:
    """An instance key: a ``count`` number or a ``for_each`` string (the model indexes by it)."""
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise InputError(origin, f"unexpected plan structure: {address}: `index` is a JSON {_kind(value)}, "
                             "not a number or a string")


def _from_values(item: dict[str, Any], module: str, origin: str, actions: tuple[str, ...], *,
                 after: bool, before: bool = False) -> Resource:
    address = item.get("address")
    if not isinstance(address, str):
        raise InputError(origin, f"unexpected plan structure: a resource's `address` is a JSON {_kind(address)}, "
                                 "not a string; that resource cannot be judged")
    address = full_address(address, module, item.get("index"))
    values = item.get("values")
    sensitive = item.get("sensitive_values", False)
    for name, value, types in (("values", values, (dict,)), ("sensitive_values", sensitive, (dict, bool)),
                               ("type", item.get("type"), (str,)), ("name", item.get("name"), (str,))):
        if value is not None and not isinstance(value, types):
            raise InputError(origin, f"unexpected plan structure: {_shown_address(address)}: `{name}` is a JSON "
                                     f"{_kind(value)}; that resource cannot be judged")
    return Resource(
        address=address,
        type=str(item.get("type", "")),
        name=str(item.get("name", "")),
        mode=str(item.get("mode", "managed")),
        module=module,
        index=_index(item.get("index"), address, origin),
        actions=actions,
        before=values if before else None,
        after=values if after else None,
        before_sensitive=sensitive if before else False,
        after_sensitive=sensitive if after else False,
        origin=origin,
    )


def _module_resources(values: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Resources of ``root_module`` and every ``child_modules`` below it."""
    if not isinstance(values, dict):
        return
    stack: list[tuple[dict[str, Any], str]] = []
    root = values.get("root_module")
    if isinstance(root, dict):
        stack.append((root, ""))
    while stack:
        module, address = stack.pop()
        resources, children = module.get("resources"), module.get("child_modules")
        # A section of the wrong type holds nothing we can read (a dict would iterate its keys).
        for item in resources if isinstance(resources, list) else ():
            if isinstance(item, dict):
                yield item, address
        for child in children if isinstance(children, list) else ():
            if isinstance(child, dict):
                stack.append((child, str(child.get("address", ""))))


def _ascii_number(text: str) -> bool:
    """``re.fullmatch("[0-9]{1,9}", text)`` without compiling a pattern at every start: ASCII, digits (the only
    ASCII ones are 0-9), 1 to 9 of them (an empty text is not digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


# Compiled on first use: only a pretty-printed plan (not terraform's one-line output) reads it.
@cache
def _address() -> re.Pattern[str]:
    return re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _attach_plan_lines(resources: list[Resource], text: str, origin: str) -> None:
    """Point each resource at the line of its ``resource_changes`` entry.

    Real plans are one line, so this only pays off for pretty-printed files;
    for those, one regex pass over the section finds every entry.
    """
    start = text.find('"resource_changes"')
    # The newline `terraform show -json` ends its output with does not make
    # a compact plan multi-line (that mistake cost a regex pass over 20 MB).
    multiline = start >= 0 and text.find("\n", start, len(text.rstrip())) >= 0
    lines: dict[str, int] = {}
    if multiline:
        line, pos = text.count("\n", 0, start) + 1, start
        for match in _address().finditer(text, start):
            line += text.count("\n", pos, match.start())
            pos = match.start()
            lines.setdefault(match.group(1).replace('\\"', '"'), line)
    path = origin if origin == "<stdin>" else Path(origin).as_posix()
    if not lines:  # a compact plan: every resource on line 1, one (frozen) location for all
        first = SourceLocation(path=path, start_line=1)
        for res in resources:
            res.location = first
        return
    # One (frozen) location per line, shared: a compact plan puts 50k resources on line 1.
    shared: dict[int, SourceLocation] = {}
    for res in resources:
        line = lines.get(res.address, 1)
        location = shared.get(line)
        if location is None:
            location = shared[line] = SourceLocation(path=path, start_line=line)
        res.location = location
