"""The fast plan decode (msgspec, sections the model does not read left undecoded) against the reference decode.

Each plan is checked twice in this process, once per decoder, and the two
runs must agree byte for byte: the JSON report, the terminal output, the
exit code, and every field of every resource the loader built. The plans:
every plan fixture, every corpus plan (``../shared``; skipped when absent),
crafted inputs where the fast path must decline (its errors would differ),
and hypothesis-mutated plans.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from conftest import CORPUS, FIXTURES, PlanBuilder
from natpolicy.cli import main
from natpolicy.loaders import plan_fast
from natpolicy.loaders.plan_json import load_plan
from natpolicy.model import Resource
from test_plan_fuzz import HUGE_NUMBER, mutated_plans

pytestmark = pytest.mark.skipif("msgspec" not in plan_fast.BACKENDS, reason="msgspec is not installed here")

FIXTURE_PLANS = sorted(p for p in FIXTURES.glob("**/*.json") if p.is_file())
CORPUS_PLANS = sorted(CORPUS.glob("**/*.json")) if CORPUS.is_dir() else []


@contextlib.contextmanager
def _backend(name: str) -> Any:
    saved = plan_fast.BACKEND
    plan_fast.BACKEND = name
    try:
        yield
    finally:
        plan_fast.BACKEND = saved


def _check(path: Path, backend: str, out: Path) -> tuple[int, str, str, str]:
    """One in-process ``natpolicy check`` with ``backend``: exit code, stdout, stderr, the JSON report."""
    out.unlink(missing_ok=True)
    stdout, stderr = io.StringIO(), io.StringIO()
    with _backend(backend), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["check", str(path), "--format", "json", "--output", str(out), "--no-progress"])
    report = out.read_text(encoding="utf-8") if out.exists() else ""
    return code, stdout.getvalue(), stderr.getvalue(), report


def _fields(resource: Resource) -> tuple[Any, ...]:
    return tuple(repr(getattr(resource, name)) for name in Resource.__slots__)


def _model(path: Path, backend: str) -> list[tuple[Any, ...]] | str:
    with _backend(backend):
        try:
            return [_fields(r) for r in load_plan(str(path))]
        except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
            return f"{type(exc).__name__}: {exc}"


def _assert_same(path: Path, tmp_path: Path) -> None:
    fast, reference = (_check(path, b, tmp_path / f"{b}.json") for b in ("msgspec", "json"))
    assert fast == reference
    assert _model(path, "msgspec") == _model(path, "json")


@pytest.mark.parametrize("path", FIXTURE_PLANS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_plans_give_the_same_findings_on_both_decoders(path: Path, tmp_path: Path) -> None:
    _assert_same(path, tmp_path)


def test_corpus_plans_give_the_same_findings_on_both_decoders(tmp_path: Path) -> None:
    if not CORPUS_PLANS:
        pytest.skip("../shared/corpus is not available beside the project")
    declined = []
    for path in CORPUS_PLANS:  # one test, one loop: 199 plans in a few seconds
        _assert_same(path, tmp_path)
        if plan_fast.decode(path.read_bytes()) is None:
            declined.append(path.name)
    # The fast path is really taken: only the UTF-16 plans (the reference's to decode) are declined.
    assert all("utf" in name.lower() or _is_utf16(CORPUS, name) for name in declined), declined
    assert len(declined) < 5


def _is_utf16(root: Path, name: str) -> bool:
    return any(p.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff") for p in root.glob(f"**/{name}"))


def _plan() -> PlanBuilder:
    return (PlanBuilder()
            .create("aws_security_group.web", {"name": "web", "ingress": [
                {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
            .noop("aws_vpc.main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"})
            .prior("aws_flow_log.old", {"id": "fl-1", "vpc_id": "vpc-1"}))


def _text(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


def _with(**sections: Any) -> str:
    doc = _plan().build()
    doc.update(sections)
    return _text(doc)


def _prior_item(**fields: Any) -> str:
    doc = _plan().build()
    doc["prior_state"]["values"]["root_module"]["resources"].append(fields)
    return _text(doc)


_LONG = "9" * 5000
# (name, file text, must the fast path decline it?)
CRAFTED: list[tuple[str, str, bool]] = [
    ("ordinary", _text(_plan().build()), False),
    ("pretty-printed", json.dumps(_plan().build(), indent=2), False),
    ("planned_values only", _text({k: v for k, v in _plan().build().items() if k != "resource_changes"}), False),
    ("duplicate keys", _text(_plan().build())[:-1] + ', "resource_changes": []}', False),
    ("prior_state resource not in the plan", _prior_item(address="aws_route.r", mode="managed", type="aws_route",
                                                         name="r", values={"route_table_id": "rtb-1"}), False),
    ("a huge integer where nothing is decoded", _with(planned_values={"root_module": {"n": 1}}).replace(
        '"n": 1', f'"n": {_LONG}'), True),
    ("a huge integer in the changes", _text(_plan().build()).replace('"to_port": 22', f'"to_port": {_LONG}'), True),
    ("NaN", _text(_plan().build()).replace('"to_port": 22', '"to_port": NaN'), True),
    ("Infinity where nothing is decoded", _with(planned_values={"x": 1}).replace('"x": 1', '"x": Infinity'), True),
    ("a lone surrogate where nothing is decoded", _with(planned_values={"x": "\ud800"}), True),
    ("a lone surrogate in the changes", _text(_plan().build()).replace('"name": "web"', '"name": "\\udc00"'), True),
    ("prior_state values of the wrong kind", _prior_item(address="aws_vpc.main", values="x"), True),
    ("prior_state sensitive_values of the wrong kind", _prior_item(address="aws_vpc.main", sensitive_values=[1]),
     True),
    # The fast path reads a prior_state value's kind from its first byte: each other kind, and the ones it takes.
    *((f"prior_state values {value!r}", _prior_item(address="aws_vpc.main", values=value), True)
      for value in ([1], 7, -1, True, False, "")),
    *((f"prior_state sensitive_values {value!r}", _prior_item(address="aws_vpc.main", sensitive_values=value), True)
      for value in ("", 0, -2.5)),
    ("prior_state values null, sensitive_values true", _prior_item(address="aws_vpc.other", type="aws_vpc",
                                                                    values=None, sensitive_values=True), False),
    ("prior_state values {}, sensitive_values false", _prior_item(address="aws_vpc.other", type="aws_vpc",
                                                                   values={}, sensitive_values=False), False),
    ("prior_state address not a string", _prior_item(address=7, values={}), True),
    ("prior_state entry not an object", _prior_item(address="x").replace('{"address": "x"}', '"x"'), True),
    ("state file", _with(lineage="x", serial=1), False),
    ("resource_changes of the wrong type", _with(resource_changes={"a": 1}), True),
    ("a mask leaf that is not a boolean", _text(_plan().build()).replace('"after_unknown": {}',
                                                                         '"after_unknown": {"id": null}', 1), True),
    ("unsupported format_version", _with(format_version="9.0"), False),
    ("a number too large for a float", _text(_plan().build()).replace('"to_port": 22', '"to_port": 1e400'), True),
]


def _prior_twice(with_changes: bool) -> str:
    """prior_state listing one address twice (the first is kept), one at a deposed object's address (it is not the
    plan's current object, so it is kept), one the plan lists (left out); with or without resource_changes."""
    doc = (PlanBuilder().noop("aws_vpc.main", {"id": "vpc-1"})
           .delete("aws_route.old", {"id": "r-9", "route_table_id": "rtb-1"}, deposed="d-1")
           .prior("aws_route.twice", {"id": "r-1", "route_table_id": "rtb-1"})
           .prior("aws_route.twice", {"id": "r-2", "route_table_id": "rtb-2"})
           .prior("aws_route.old", {"id": "r-3", "route_table_id": "rtb-3"})
           .prior("aws_vpc.main", {"id": "vpc-0"}).build())
    if not with_changes:
        doc.pop("resource_changes")
    return _text(doc)


def _entry_with(**fields: Any) -> str:
    """The plan's first resource_changes entry with ``fields`` set (``...``: the key removed)."""
    doc = _plan().build()
    entry = doc["resource_changes"][0]
    for name, value in fields.items():
        if value is ...:
            entry.pop(name, None)
        else:
            entry[name] = value
    return _text(doc)


# type/name/mode: strings on the fast path, the reference's defaults when absent; a null (which the reference
# reads as "None") goes to the reference decode.
CRAFTED += [(f"resource_changes {name} null", _entry_with(**{name: None}), True) for name in ("type", "name", "mode")]
CRAFTED += [(f"resource_changes {name} absent", _entry_with(**{name: ...}), False)
            for name in ("type", "name", "mode")]
CRAFTED += [("resource_changes type, name and mode absent", _entry_with(type=..., name=..., mode=...), False)]
def _prior_sensitive(*texts: Any) -> str:
    """prior_state items (not in the plan) with these sensitive_values, one after the other (``...``: absent)."""
    doc = _plan().build()
    items = doc["prior_state"]["values"]["root_module"]["resources"]
    for n, value in enumerate(texts):
        item: dict[str, Any] = {"address": f"aws_route.s{n}", "mode": "managed", "type": "aws_route", "name": f"s{n}",
                                "values": {"id": f"r-{n}"}}
        if value is not ...:
            item["sensitive_values"] = value
        items.append(item)
    return _text(doc)


# The fast path checks a prior_state item's sensitive_values only when its text differs from the last one checked.
CRAFTED += [("prior_state sensitive_values {} then []", _prior_sensitive({}, {}, []), True),
            ("prior_state sensitive_values absent then a string", _prior_sensitive(..., ..., ""), True),
            ("prior_state sensitive_values true then 1", _prior_sensitive(True, 1), True),
            ("prior_state sensitive_values repeated and absent", _prior_sensitive(True, True, ..., {}, {}, False), False)]
CRAFTED += [("prior_state addresses twice, deposed and listed", _prior_twice(True), False),
            ("the same without resource_changes", _prior_twice(False), False)]


def test_prior_state_keeps_the_first_of_one_address_and_the_one_at_a_deposed_address(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(_prior_twice(True), encoding="utf-8")
    assert not _fast_loader_declines(path)
    prior = {}
    for backend in ("msgspec", "json"):
        with _backend(backend):
            prior[backend] = [(r.address, r.after["id"]) for r in load_plan(str(path)) if r.from_prior_state]
    assert prior["msgspec"] == prior["json"]
    assert sorted(address for address, _ in prior["msgspec"]) == ["aws_route.old", "aws_route.twice"]
    assert ("aws_route.twice", "r-1") in prior["msgspec"]


@pytest.mark.parametrize("name,text,declines", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_plans_read_the_same_and_the_fast_path_declines_what_it_must(
        name: str, text: str, declines: bool, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _assert_same(path, tmp_path)
    if declines:
        # It may not decline silently at decode time only: whatever it built, the reference had the last word.
        assert plan_fast.decode(path.read_bytes()) is None or _fast_loader_declines(path)
    else:
        assert plan_fast.decode(path.read_bytes()) is not None


def _fast_loader_declines(path: Path) -> bool:
    from natpolicy.loaders.plan_json import _fast_resources

    with _backend("msgspec"):
        return _fast_resources(path.read_bytes(), str(path), str(path)) is None


def test_invalid_utf8_where_nothing_is_decoded_is_the_reference_decode_s_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(_with(planned_values={"x": "@"}).encode().replace(b'"@"', b'"\xff"'))
    assert plan_fast.decode(path.read_bytes()) is None
    _assert_same(path, tmp_path)
    assert "not valid UTF-8" in _check(path, "msgspec", tmp_path / "r.json")[2]


def test_the_prior_state_values_are_decoded_only_for_resources_the_plan_does_not_list(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(_text(_plan().build()), encoding="utf-8")
    with _backend("msgspec"):
        resources = {r.address: r for r in load_plan(str(path))}
    assert resources["aws_flow_log.old"].after == {"id": "fl-1", "vpc_id": "vpc-1"}
    assert resources["aws_flow_log.old"].from_prior_state
    assert resources["aws_vpc.main"].before == {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}


@settings(max_examples=25, deadline=timedelta(seconds=10), database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=mutated_plans())
def test_mutated_plans_read_the_same_on_both_decoders(doc: dict[str, Any]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.json"
        path.write_text(json.dumps(doc).replace(json.dumps(HUGE_NUMBER), "9" * 5000), encoding="utf-8")
        fast, reference = (_check(path, b, Path(folder) / f"{b}.json") for b in ("msgspec", "json"))
        assert fast == reference


# after_unknown masks the fast path reads without calling apply_unknown (inert: nothing marked) beside ones that
# mark something, each over a null, an equal and a different ``after``; and sensitivity masks of every kind.
_UNKNOWN_MASKS: list[Any] = [None, True, False, {}, {"tags": {}}, {"tags": {}, "tags_all": {}}, {"a": False},
                             {"a": []}, {"a": {}, "b": False}, {"a": True}, {"a": [True]}, {"a": {"b": True}},
                             {"tags": {}, "id": True}, {"x": [False, True]},
                             # flat (members true or inert: one dict.update on the fast path), with keys the
                             # after lacks (they go last, in the mask's order) and inert members between them
                             {"z": True, "a": True, "b": False, "c": [], "d": {}, "id": True},
                             {"tags": [], "y": True, "x": {}, "tags_all": False}, {"a": True, "x": [True]}]
_SENSITIVE_MASKS: list[Any] = [None, True, False, {}, {"tags": {}}, {"a": True}, {"a": [{"b": True}]}]


def _mask_plan() -> dict[str, Any]:
    values = {"id": "i-1", "tags": {"a": "b"}, "a": [1], "x": [1, 2]}
    changes = []
    for n, mask in enumerate(_UNKNOWN_MASKS):
        for m, (before, after) in enumerate([(values, values), (values, {**values, "id": "i-2"}), (values, None),
                                             (None, values), (None, None)]):
            change: dict[str, Any] = {"actions": ["update"], "before": before, "after": after}
            if mask is not None or n % 2:  # null, and absent
                change["after_unknown"] = mask
            sensitive = _SENSITIVE_MASKS[(n + m) % len(_SENSITIVE_MASKS)]
            if sensitive is not None or m % 2:
                change["before_sensitive"] = change["after_sensitive"] = sensitive
            changes.append({"address": f"aws_instance.r{n}_{m}", "type": "aws_instance", "name": f"r{n}_{m}",
                            "change": change})
    return {"format_version": "1.2", "resource_changes": changes}


def test_every_kind_of_mask_reads_the_same_on_both_decoders(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(_text(_mask_plan()), encoding="utf-8")
    assert plan_fast.decode(path.read_bytes()) is not None and not _fast_loader_declines(path)
    _assert_same(path, tmp_path)
    with _backend("msgspec"):
        resources = {r.address: r for r in load_plan(str(path))}
    assert resources["aws_instance.r4_2"].after == {}  # an inert object mask over a null after: a new {}, as before
    assert resources["aws_instance.r4_0"].after is resources["aws_instance.r4_0"].before  # inert: one object
    assert resources["aws_instance.r9_0"].after is not resources["aws_instance.r9_0"].before  # marks `a`
    unknown = resources["aws_instance.r14_1"].after
    assert list(unknown) == ["id", "tags", "a", "x", "z"] and unknown["z"] is unknown["id"] is not None
    assert unknown["tags"] == {"a": "b"} and list(resources["aws_instance.r14_2"].after) == ["z", "a", "id"]


def test_masks_of_one_length_are_told_apart_by_their_bytes(tmp_path: Path) -> None:
    # The fast path finds a mask by its text's length first, then compares the bytes: texts of one length
    # (``{"a":true}``/``{"b":true}``, ``false``/``{"a":{}}``...), one after the other and interleaved, must each read
    # as themselves; so must a before of four bytes that is not null (``{  }``).
    masks = ['{"a":true}', '{"b":true}', '{"a":true}', '{"c":[1]}', '{"c":{}}', '{"d":{}}', "false", '{"a":{}}']
    entries = []
    for n, (unknown, sensitive) in enumerate(zip(masks, [*masks[3:], *masks[:3]], strict=True)):
        if sensitive == '{"c":[1]}':
            sensitive = '{"c":[true]}'
        unknown = unknown.replace("[1]", "[true]")
        before = "{  }" if n % 3 == 0 else ("null" if n % 3 == 1 else '{"a":1,"b":2,"c":[3],"d":{"e":4}}')
        entries.append(f'{{"address":"aws_instance.r{n}","type":"aws_instance","name":"r{n}","change":{{'
                       f'"actions":["update"],"before":{before},"after":{{"a":1,"b":2,"c":[3],"d":{{"e":4}}}},'
                       f'"after_unknown":{unknown},"before_sensitive":{sensitive},"after_sensitive":{sensitive}}}}}')
    path = tmp_path / "plan.json"
    path.write_text('{"format_version":"1.2","resource_changes":[' + ",".join(entries) + "]}", encoding="utf-8")
    assert not _fast_loader_declines(path)
    _assert_same(path, tmp_path)
    with _backend("msgspec"):
        resources = {r.address: r for r in load_plan(str(path))}
    assert resources["aws_instance.r0"].before == {} and resources["aws_instance.r1"].before is None
    assert [str(resources[f"aws_instance.r{n}"].after["a"]) for n in range(3)] != ["1", "1", "1"]
    assert resources["aws_instance.r1"].after["a"] == 1 and resources["aws_instance.r1"].after["b"] != 2
    assert resources["aws_instance.r0"].after_sensitive == {"c": [True]}
    assert resources["aws_instance.r1"].after_sensitive == {"c": {}}
    assert resources["aws_instance.r2"].after_sensitive == {"d": {}}
    assert resources["aws_instance.r3"].after_sensitive is False
    assert resources["aws_instance.r4"].after_sensitive == {"a": {}}
    assert resources["aws_instance.r5"].after_sensitive is resources["aws_instance.r7"].after_sensitive  # shared


def test_the_fast_path_sets_every_field_of_a_resource_as_its_init_would() -> None:
    # plan_fast.FastPlan.change_resources makes each Resource with object.__new__ and sets its slots one by one.
    # Given the sixteen fields read from the plan, the rest must be what Resource.__init__ gives (a field added to
    # the model and not to the loop reads as missing here, not as a default nobody set).
    doc = _plan().build()
    doc["resource_changes"][0].update(index=2, action_reason="replace_because_tainted", deposed="d-1",
                                      previous_address="aws_security_group.old", module_address="module.x")
    plan = plan_fast.decode(_text(doc).encode())
    assert plan is not None
    built = plan.change_resources("plan.json")
    from_plan = [f.name for f in dataclasses.fields(Resource)][:16]
    assert from_plan[-2:] == ["references", "origin"]
    for res in built:
        twin = Resource(**{name: getattr(res, name) for name in from_plan})
        assert [(f.name, getattr(res, f.name)) for f in dataclasses.fields(Resource)] == [
            (f.name, getattr(twin, f.name)) for f in dataclasses.fields(Resource)]
    assert [r.deposed for r in built] == ["d-1", None]
    assert built[0].references == {} and built[0].references is not built[1].references  # one dict each


def test_the_long_integer_probe_finds_exactly_the_runs_longer_than_python_reads() -> None:
    # Runs of the limit's length and one more, at every offset around the probes (every ``limit`` bytes), among
    # shorter runs, digits at probes that belong to short runs, and a run ending the file: the probe answers as
    # a search of the whole text does.
    import re
    import sys

    saved = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        limit = 640
        longer = re.compile(rb"[0-9]{%d}" % (limit + 1))
        for length in (limit - 1, limit, limit + 1, 2 * limit + 5):
            for offset in (0, 1, 2, limit - 3, limit - 2, limit - 1, limit, limit + 1, 2 * limit - 1):
                for filler in (b"x", b"1 "):
                    data = (filler * (3 * limit))[:offset] + b"7" * length + b"]" + filler * limit
                    assert plan_fast._has_long_integer(data) is bool(longer.search(data)), (length, offset, filler)
                    data = (filler * (3 * limit))[:offset] + b"7" * length
                    assert plan_fast._has_long_integer(data) is bool(longer.search(data)), (length, offset, filler)
    finally:
        sys.set_int_max_str_digits(saved)


def _multiline_by_search(data: bytes) -> bool:
    """The spelling ``plan_fast._multiline`` had: the key first, then a newline between it and the text's end."""
    start = data.find(b'"resource_changes"')
    if start < 0:
        return False
    end = len(data)
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    return data.find(b"\n", start, end) >= 0


@pytest.mark.parametrize("text", [
    b'{"resource_changes":[]}', b'{"resource_changes":[]}\n', b'{"resource_changes":[]}\r\n \t\n',
    b'{\n"format_version":"1.2","resource_changes":[]}', b'{"resource_changes":\n[]}',
    b'{"resource_changes":[]\n}\n', b'{"format_version":"1.2"}', b'{\n"format_version":"1.2"\n}\n', b"\n", b"",
    b'{"a":"\\n"}\n\n', b'{"resource_changes":[]}\n\n\n',
])
def test_a_plan_spans_lines_exactly_when_its_resource_changes_do(text: bytes) -> None:
    assert plan_fast._multiline(text) is _multiline_by_search(text)


def test_a_change_s_two_sensitivity_masks_are_read_apart(tmp_path: Path) -> None:
    # The fast path takes after_sensitive from before_sensitive when their bytes are equal: masks of one length
    # that differ, one side absent (False) beside false or {}, and the same text on both sides.
    pairs = [('{"a":true}', '{"b":true}'), ('{"b":true}', '{"a":true}'), ("false", None), (None, "false"),
             (None, "{}"), ("{}", None), ('{"a":true}', '{"a":true}'), (None, None), ("true", "false")]
    entries = []
    for n, (before, after) in enumerate(pairs):
        masks = "".join(f',"{key}":{text}' for key, text in (("before_sensitive", before),
                                                              ("after_sensitive", after)) if text is not None)
        entries.append(f'{{"address":"aws_instance.s{n}","type":"aws_instance","name":"s{n}","change":{{'
                       f'"actions":["update"],"before":{{"a":1}},"after":{{"a":2}}{masks}}}}}')
    path = tmp_path / "plan.json"
    path.write_text('{"format_version":"1.2","resource_changes":[' + ",".join(entries) + "]}", encoding="utf-8")
    assert not _fast_loader_declines(path)
    _assert_same(path, tmp_path)
    with _backend("msgspec"):
        read = [(r.before_sensitive, r.after_sensitive) for r in load_plan(str(path))]
    assert read == [({"a": True}, {"b": True}), ({"b": True}, {"a": True}), (False, False), (False, False),
                    (False, {}), ({}, False), ({"a": True}, {"a": True}), (False, False), (True, False)]


def _sections_model(path: Path) -> list[tuple[Any, ...]] | str | None:
    """The model the plan loader builds from the bytes and sections a run with --policy hands it
    (rego.plan_bytes.read_plan), or None where that read keeps no sections."""
    from natpolicy.rego.plan_bytes import read_plan

    data = path.read_bytes()
    try:
        sections = read_plan(data, str(path)).sections
    except Exception:  # noqa: BLE001 - not JSON at all: the plan loader gets the bytes alone
        return None
    if sections is None:
        return None
    with _backend("msgspec"):
        try:
            return [_fields(r) for r in load_plan(str(path), data=data, sections=sections)]
        except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
            return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("name,text,declines", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_a_plan_decoded_from_the_sections_read_for_rego_is_the_same_model(
        name: str, text: str, declines: bool, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    model = _sections_model(path)
    assert model is None or model == _model(path, "json") == _model(path, "msgspec")


@pytest.mark.parametrize("path", FIXTURE_PLANS + CORPUS_PLANS[::7], ids=str)
def test_fixture_plans_decoded_from_their_sections_are_the_same_model(path: Path) -> None:
    model = _sections_model(path)
    assert model is None or model == _model(path, "msgspec") == _model(path, "json")


def test_a_repeated_section_decoded_from_the_sections_keeps_the_last_as_the_reference_does(tmp_path: Path) -> None:
    # The whole-text decode checks the first copy against the structs too and declines (the reference decode then
    # reads it); from the sections, only the last copy is there: the same model as the reference's.
    path = tmp_path / "plan.json"
    path.write_text(_text(_plan().build())[:-1].replace('"resource_changes"', '"resource_changes": 5, "resource_changes"',
                                                         1) + "}", encoding="utf-8")
    assert plan_fast.decode(path.read_bytes()) is None
    model = _sections_model(path)
    assert model is not None and model == _model(path, "json")


def test_the_sections_handed_to_the_plan_loader_are_decoded_without_a_second_scan_of_the_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from natpolicy.loaders import plan_structs
    from natpolicy.loaders.inputs import load_inputs
    from natpolicy.rego.inputs import set_aside

    path = tmp_path / "plan.json"
    path.write_text(_text(_plan().build()), encoding="utf-8")
    with _backend("msgspec"):
        expected = [_fields(r) for r in load_inputs([str(path)]).resources]
    aside = set_aside([str(path)], staged=False)
    assert set(aside.plan_sections) == set(aside.plan_bytes) == {str(path)}

    def whole_text(data: bytes) -> Any:
        raise AssertionError("the whole text decoded again")

    monkeypatch.setattr(plan_structs, "decode_plan", whole_text)
    with _backend("msgspec"):
        model = load_inputs([str(path)], plan_bytes=aside.plan_bytes, plan_sections=aside.plan_sections)
    assert [_fields(r) for r in model.resources] == expected
    assert aside.plan_sections == {} and aside.plan_bytes == {}  # taken out as read
