"""The SG family's shortcuts answer as the long way does.

* ``Source``, ``IngressEntry`` and ``Exposure`` are built without their frozen ``__init__``
  (``_source``, ``_ingress_entry``, ``_exposure``): each must be the very instance the class builds.
* ``_grading.judged`` and ``ports_refused`` keep ``judge`` and ``port_problem`` per distinct typed value.
* ``port_set`` gives one object per distinct set (the memos' keys).
* ``_marks_first_step`` answers False only where no port or protocol can be sensitive.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from natpolicy.model import UNKNOWN, Resource
from natpolicy.policies.sg import _grading, _ingress
from natpolicy.policies.sg._ingress import ADMIN, Exposure, IngressEntry, Source

_OWNER = Resource(address="aws_security_group.a", type="aws_security_group", name="a")


def _same(built: Any, twin: Any) -> None:
    cls = type(twin)
    assert type(built) is cls
    assert built == twin and hash(built) == hash(twin) and repr(built) == repr(twin)
    assert list(vars(built).items()) == list(vars(twin).items())  # every field, in the class's order
    assert [f.name for f in dataclasses.fields(cls)] == list(vars(built))
    assert not hasattr(cls, "__post_init__") and "__slots__" not in vars(cls)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.owner = None


def test_the_three_records_are_the_instances_their_classes_build() -> None:
    source = _ingress._source("0.0.0.0/0", ("ingress", 0, "cidr_blocks", 0), _OWNER, "cidr_blocks")
    _same(source, Source("0.0.0.0/0", ("ingress", 0, "cidr_blocks", 0), _OWNER, "cidr_blocks"))
    entry = _ingress._ingress_entry("tcp", 22, 22, (source,), 0, True, _OWNER)
    _same(entry, IngressEntry("tcp", 22, 22, (source,), 0, True, _OWNER))
    _same(_ingress._ingress_entry(UNKNOWN, None, 1, (), None, False, None), IngressEntry(UNKNOWN, None, 1, ()))
    twin = Exposure(ADMIN, "SSH (22/tcp)", "tcp:22-22:ipv4", (source,), entry)
    built = _ingress._exposure(ADMIN, "SSH (22/tcp)", "tcp:22-22:ipv4", (source,), entry)
    assert built == twin and list(vars(built).items()) == list(vars(twin).items())
    assert not hasattr(Exposure, "__post_init__") and "__slots__" not in vars(Exposure)
    assert [f.name for f in dataclasses.fields(Exposure)] == list(vars(built))
    union = _ingress._exposure(ADMIN, "w", "k", (source,), entry, (entry, entry))
    assert union == Exposure(ADMIN, "w", "k", (source,), entry, (entry, entry))


# Values of one protocol or port that compare equal across types, and ones no memo can hold.
_VALUES: list[Any] = [22, 22.0, 22.5, "22", " 22", True, False, 1, 0, -1, 70000, None, UNKNOWN, "tcp", "TCP", "6",
                      6, 6.0, "-1", -1.0, "all", "icmp", "gre", "47", 47, "var.proto", 443, 3389, [22], {"a": 1}]
_PROTOCOLS: list[Any] = ["tcp", "udp", "6", 6, 6.0, True, 1, "-1", -1, "all", "icmp", "gre", 47, None, UNKNOWN, ["tcp"]]


@pytest.mark.parametrize("protocol", _PROTOCOLS)
def test_judged_and_ports_refused_answer_as_the_functions_they_keep(protocol: Any) -> None:
    admin = _grading.port_set(_grading.DEFAULT_ADMIN_PORTS)
    web = _grading.port_set(_grading.DEFAULT_WEB_PORTS)
    other_admin = _grading.port_set([8080])
    _grading._JUDGED.clear()
    _grading._REFUSED_PORTS.clear()
    for order in (_VALUES, _VALUES[::-1]):  # whichever of two equal values is kept first
        for low in order:
            for high in (22, 22.0, True, 1, "65535", 65535, 70000, UNKNOWN, [1]):
                for ports in ((admin, web), (other_admin, web)):
                    assert _grading.judged(protocol, low, high, *ports) == _grading.judge(protocol, low, high, *ports)
                assert _grading.ports_refused(protocol, low, high) == _grading.port_problem(protocol, low, high)


def test_port_problem_is_what_refusals_asked_before() -> None:
    from natpolicy.policies.sg._validity import port_range_problem

    for protocol in _PROTOCOLS:
        for low in _VALUES:
            name = _grading.protocol_of(protocol)
            expected = (port_range_problem(_grading.port_of(low), _grading.port_of(22), name)
                        if name in ("tcp", "udp") else None)
            assert _grading.port_problem(protocol, low, 22) == expected


def test_port_sets_are_one_object_per_distinct_set() -> None:
    first = _grading.port_set([22, 3389, "80"])
    assert _grading.port_set(("80", 3389, 22, 22.0)) is first
    assert first == frozenset({22, 80, 3389})
    assert _grading.port_set([22]) is not first
    assert _ingress.port_set is _grading.port_set


_MASKS: list[Any] = [{}, {"tags": {}}, {"ingress": []}, {"ingress": [{}]}, {"ingress": [{"protocol": True}]},
                     {"ingress": [{}, {"to_port": True}]}, {"ingress": True}, {"ingress": False}, {"ingress": None},
                     {"ingress": [True]}, {"ingress": {"0": True}}, {"protocol": True}, {"from_port": True},
                     {"to_port": [True]}, {"to_port": {}}, {"protocol": False, "tags": {"a": True}}]


@pytest.mark.parametrize("mask", _MASKS)
def test_marks_first_step_is_false_only_where_nothing_is_sensitive(mask: Any) -> None:
    resource = Resource(address="aws_security_group.a", type="aws_security_group", name="a", after_sensitive=mask)
    for prefix in (("ingress", 0), ("ingress", 1), ()):
        any_sensitive = any(resource.is_sensitive(*prefix, a) for a in ("protocol", "from_port", "to_port"))
        if not _ingress._marks_first_step(mask, prefix):
            assert not any_sensitive, (mask, prefix)
