"""Structure fuzzing of plans: random mutations of builder plans never crash natpolicy or leak a sensitive value.

Each example takes one of a few plans built with ``PlanBuilder`` (every rule
family, with sensitive values) and applies a few mutations: a node replaced
by a random JSON value (wrong types, NaN, huge numbers, deep lists), a key
deleted, a value marked sensitive (and set to a marker string), a value
marked unknown, a mask leaf that is not a boolean. One run renders all five formats (``--also-output``); the
run must exit 0, 1 or 2 without an internal error, and no marker may appear
anywhere in what it prints or writes.

Bounded for CI: ``max_examples`` (40; ``NATPOLICY_FUZZ_EXAMPLES`` raises it
for a longer hunt) and a per-example deadline keep it well under 20 s; no
example database is written (the checkout stays clean).
"""
from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import examples
from natpolicy.cli import main
from planbuilder import PlanBuilder

MARKER = "Zq7-sensitive-marker"
_MASKS = ("after_sensitive", "before_sensitive", "sensitive_values")
FORMATS = ("json", "sarif", "text", "github", "markdown")
# Written as 5,000 digits (a real int that long breaks hypothesis's own reporting).
HUGE_NUMBER = "<huge number>"


def _base_plans() -> list[dict[str, Any]]:
    sg = (PlanBuilder()
          .create("aws_security_group.web", {
              "name": "web", "description": MARKER,
              "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                           "cidr_blocks": ["0.0.0.0/0", MARKER]}]},
              sensitive={"description": True, "ingress": [{"cidr_blocks": [False, True]}]})
          .create("aws_security_group_rule.rdp", {"type": "ingress", "from_port": 3389, "to_port": 3389,
                                                  "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
                                                  "security_group_id": MARKER},
                  sensitive=["security_group_id"])
          .create("aws_vpc_security_group_ingress_rule.any", {"ip_protocol": "-1", "cidr_ipv6": "::/0",
                                                              "security_group_id": "sg-1"}))
    ebs = (PlanBuilder()
           .create("aws_ebs_volume.data", {"encrypted": False, "size": 8, "kms_key_id": MARKER},
                   sensitive=["kms_key_id"])
           .create("aws_instance.web", {"ami": "ami-1", "user_data": MARKER,
                                        "root_block_device": [{"encrypted": False}],
                                        "ebs_block_device": [{"device_name": MARKER, "encrypted": False}]},
                   sensitive={"user_data": True, "ebs_block_device": [{"device_name": True}]})
           .create("aws_launch_template.lt", {"block_device_mappings": [
               {"device_name": "/dev/sda1", "ebs": [{"encrypted": "false", "snapshot_id": ""}]}]})
           .delete("aws_ebs_encryption_by_default.this", {"enabled": True, "id": MARKER},
                   before_sensitive=["id"]))
    flow = (PlanBuilder()
            .create("aws_vpc.main", {"cidr_block": "10.0.0.0/16", "tags": {"Owner": MARKER}},
                    unknown=["id"], sensitive={"tags": {"Owner": True}})
            .create("aws_flow_log.other", {"vpc_id": "vpc-9", "traffic_type": "ALL"}))
    nat = examples.nat_deleted().delete("aws_nat_gateway.spare", {"id": MARKER, "subnet_id": "subnet-9",
                                                                  "allocation_id": "eipalloc-9"},
                                        before_sensitive=["id"])
    return [sg.build(), ebs.build(), flow.build(), nat.build()]


BASES = _base_plans()

json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.just(HUGE_NUMBER),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["", "22", "0.0.0.0/0", "-1", "true"]))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path below ``node``, never into a sensitivity mask (mutating a mask could legitimately unmask)."""
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        if key in _MASKS:
            continue
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _mark(change: dict[str, Any], side: str, path: tuple[Any, ...], mask_name: str, leaf: Any) -> None:
    """Set ``change[side]`` at ``path`` to ``leaf`` (if given) and ``change[mask_name]`` at ``path`` to true."""
    value = change[side]
    mask = change.get(mask_name)
    if not isinstance(mask, dict):
        mask = change[mask_name] = {}
    for depth, step in enumerate(path):
        if isinstance(mask, list) and not isinstance(step, int):
            return  # an earlier mutation turned this list into an object: leave it unmarked, and no marker
        last = depth == len(path) - 1
        if last:
            if leaf is not None:
                value[step] = leaf
            if isinstance(mask, dict) or (isinstance(mask, list) and isinstance(step, int)):
                if isinstance(mask, list):
                    mask.extend([False] * (step + 1 - len(mask)))
                mask[step] = True
            return
        child = value[step]
        empty: Any = {} if isinstance(child, dict) else []
        if isinstance(mask, list):
            mask.extend([False] * (step + 1 - len(mask)))
        sub = mask[step] if isinstance(mask, dict) and step in mask else (
            mask[step] if isinstance(mask, list) else None)
        if sub is True:
            if leaf is not None:  # already sensitive above: the marker is hidden with it
                _parent(value, path[depth:])[path[-1]] = leaf
            return
        if not isinstance(sub, (dict, list)):
            sub = copy.copy(empty)
            mask[step] = sub
        value, mask = child, sub


def _changes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``change`` objects of the plan's entries; a replace may have made ``resource_changes`` any JSON value."""
    entries = doc.get("resource_changes")
    return [rc["change"] for rc in (entries if isinstance(entries, list) else [])
            if isinstance(rc, dict) and isinstance(rc.get("change"), dict)]


def _corrupt_mask(doc: dict[str, Any], draw: st.DrawFn) -> None:
    """A node strictly inside a sensitivity mask becomes a leaf that is not a boolean (never unmasks: refused)."""
    masks = [(change, name) for change in _changes(doc)
             for name in _MASKS[:2] if isinstance(change.get(name), (dict, list)) and change[name]]
    if not masks:
        return
    change, name = draw(st.sampled_from(masks))
    inner = _paths({"mask": change[name]})  # _paths skips mask keys: wrap the mask under another name
    inner = [path[1:] for path in inner if len(path) > 1]
    path = draw(st.sampled_from(inner))
    _parent(change[name], path)[path[-1]] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=4)))


@st.composite
def mutated_plans(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["replace", "delete", "sensitive", "unknown", "mask"]))
        if op == "mask":
            _corrupt_mask(doc, draw)
            continue
        if op in ("replace", "delete"):
            paths = _paths(doc)
            path = draw(st.sampled_from(paths))
            parent = _parent(doc, path)
            if op == "delete" and isinstance(parent, dict):
                del parent[path[-1]]  # dict keys only: deleting a list item would shift it under another mask
            else:
                parent[path[-1]] = draw(json_value)
            continue
        sides = [(c, side) for c in _changes(doc) for side in ("before", "after") if isinstance(c.get(side), dict)
                 and (op == "sensitive" or side == "after")]
        if not sides:
            continue
        change, side = draw(st.sampled_from(sides))
        inner = _paths(change[side])
        if not inner:
            continue
        path = draw(st.sampled_from(inner))
        if op == "sensitive":
            _mark(change, side, path, f"{side}_sensitive", MARKER + draw(st.sampled_from(["", "-x", "/0"])))
        else:
            _mark(change, "after", path, "after_unknown", None)
    return doc


@settings(max_examples=int(os.environ.get("NATPOLICY_FUZZ_EXAMPLES", "40")), deadline=timedelta(seconds=5),
          database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=mutated_plans())
def test_mutated_plans_exit_cleanly_and_never_show_a_sensitive_value(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "plan.json"
        # NaN and Infinity as Python writes them.
        plan.write_text(json.dumps(doc).replace(json.dumps(HUGE_NUMBER), "9" * 5000), encoding="utf-8")
        outputs = {fmt: Path(folder) / f"out.{fmt}" for fmt in FORMATS[1:]}
        args = ["check", str(plan), "--format", FORMATS[0], "--no-progress"]
        for fmt, path in outputs.items():
            args += ["--also-output", f"{fmt}={path}"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
        assert code in (0, 1, 2), err.getvalue()
        assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue(), err.getvalue()
        if code == 2 and not out.getvalue():
            assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()  # an input error: one line
        written = [p.read_text(encoding="utf-8") for p in outputs.values() if p.exists()]
        for text in (out.getvalue(), err.getvalue(), *written):
            assert MARKER not in text


def test_the_markers_really_are_in_the_base_plans() -> None:
    # Otherwise the fuzz test above could not fail: each family's plan holds a marked value the rules reach.
    assert all(MARKER in json.dumps(doc) for doc in BASES)
