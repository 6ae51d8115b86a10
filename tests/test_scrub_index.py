"""The sensitive-value scrubber costs the text's length, not the number of secrets times the findings."""
from __future__ import annotations

from natpolicy.runner import _HIDDEN, _SecretIndex


class _CountingDict(dict):  # type: ignore[type-arg]
    lookups = 0

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        _CountingDict.lookups += 1
        return super().get(key, default)


def _lookups(index: _SecretIndex, text: str) -> int:
    index._heads = _CountingDict(index._heads)
    _CountingDict.lookups = 0
    index.sub(text)
    index.find(text)
    return _CountingDict.lookups


def test_lookups_do_not_grow_with_the_number_of_secrets() -> None:
    text = "aws_db_instance.main has password hunter2-secret and port 5432 " * 20
    few = _SecretIndex([f"secret-{i:06}" for i in range(10)] + ["hunter2-secret"])
    many = _SecretIndex([f"secret-{i:06}" for i in range(100_000)] + ["hunter2-secret"])
    assert few.sub(text) == many.sub(text) == text.replace("hunter2-secret", _HIDDEN)
    # At most one head lookup per position, twice (sub and find), whatever the number of secrets.
    assert _lookups(few, text) == _lookups(many, text) <= 2 * len(text)


def test_longest_secret_wins_and_matches_do_not_overlap() -> None:
    index = _SecretIndex(["abcd", "abcdef", "cdefgh"])
    assert index.sub("xxabcdefgh abcdX") == f"xx{_HIDDEN}gh {_HIDDEN}X"
    assert index.find("no secret here") is None and index.find("..abcd") == 2
    assert not _SecretIndex([])


def test_every_side_s_secrets_are_hidden_whether_or_not_the_sides_are_one_object() -> None:
    # The plan decode shares one object (and one mask) between a no-op's two sides; the
    # scrubber walks such a pair once. Sides that differ in value or in mask are each walked.
    from natpolicy.model import Resource, ResourceModel
    from natpolicy.runner import Scrubber

    shared = {"password": "shared-secret", "name": "public-name"}
    mask = {"password": True}
    one_object = Resource("aws_db_instance.a", "aws_db_instance", "a", before=shared, after=shared,
                          before_sensitive=mask, after_sensitive=mask)
    other_value = Resource("aws_db_instance.b", "aws_db_instance", "b", before={"password": "old-secret"},
                           after={"password": "new-secret"}, before_sensitive=mask, after_sensitive=mask)
    same_value = {"password": "pw-after", "token": "token-before", "name": "also-public"}
    other_mask = Resource("aws_db_instance.c", "aws_db_instance", "c", before=same_value, after=same_value,
                          before_sensitive={"token": True}, after_sensitive=mask)
    scrub = Scrubber(ResourceModel([one_object, other_value, other_mask]))
    for secret in ("shared-secret", "old-secret", "new-secret", "pw-after", "token-before"):
        assert scrub(f"value {secret} here") == f"value {_HIDDEN} here", secret
    assert scrub("public-name and also-public") == "public-name and also-public"  # not marked: shown


def test_a_shared_mask_is_judged_once_and_a_deep_true_still_counts() -> None:
    # The scrubber looks once at each mask object (shared by the plan decode) for a `true` at any
    # depth; one without (only empty objects and `false`) collects nothing, one with still collects.
    from natpolicy.model import Resource, ResourceModel
    from natpolicy.runner import Scrubber

    inert = {"tags": {}, "tags_all": {}, "list": [False, {}]}
    deep = {"tags": {}, "blocks": [{"inner": [False, {"token": True}]}]}
    values = {"tags": {"a": "tag-value"}, "list": ["list-value", {}],
              "blocks": [{"inner": ["first-value", {"token": "deep-secret"}]}]}
    resources = [Resource(f"aws_x.r{i}", "aws_x", f"r{i}", before=values, after=dict(values),
                          before_sensitive=mask, after_sensitive=mask)
                 for i, mask in enumerate([inert, inert, deep, inert])]
    scrub = Scrubber(ResourceModel(resources))
    assert scrub("deep-secret") == _HIDDEN
    for public in ("tag-value", "list-value", "first-value"):
        assert scrub(public) == public
    assert Scrubber(ResourceModel(resources[:2] + resources[3:]))("deep-secret") == "deep-secret"


class _Mapping(dict):  # type: ignore[type-arg]
    pass


class _Text(str):
    pass


def test_with_nothing_to_hide_value_copies_as_the_scrubbing_walk_does() -> None:
    from natpolicy.model import Resource, ResourceModel
    from natpolicy.runner import Scrubber

    nothing = Scrubber(ResourceModel([]))
    # A secret in no value below: the scrubbing walk itself runs, and changes no string.
    walking = Scrubber(ResourceModel([Resource(address="aws_db_instance.a", type="aws_db_instance", name="a",
                                               after={"password": "unrelated-secret"},
                                               after_sensitive={"password": True})]))
    assert nothing._hides is False and walking._hides is True
    values = [
        {"a": 1, "b": (1, [2, (3,)]), "c": {"d": ("x",), 5: None}, "e": _Mapping(f=(1,)), "g": _Text("t")},
        _Mapping(a=(1, 2), b={"c": [()]}), [({"a": (1,)},)], ("t",), "text", 3, None, {},
    ]
    for value in values:
        copied, walked = nothing.value(value), walking.value(value)
        assert copied == walked and repr(copied) == repr(walked)  # tuples become lists on both
        assert type(copied) is type(walked)
        if isinstance(value, (dict, list, tuple)):
            assert copied is not value  # a copy: the finding's details are not the violation's
    assert nothing("a message") == walking("a message") == "a message"


def test_masks_in_any_order_each_side_judged_by_its_own_mask() -> None:
    # The build compares each mask with the last one judged before looking it up: runs of one mask,
    # masks alternating, a before side whose mask is the after side's, or the last one judged.
    from natpolicy.model import Resource, ResourceModel
    from natpolicy.runner import Scrubber

    marks, inert = {"token": True}, {"token": False}
    sides = [(marks, inert), (inert, marks), (marks, marks), (inert, inert), (marks, inert), (inert, marks),
             (False, marks), (marks, False), (inert, inert)]
    resources = [Resource(f"aws_x.r{i}", "aws_x", f"r{i}", before={"token": f"before-{i:02}"},
                          after={"token": f"after-{i:02}"}, before_sensitive=before, after_sensitive=after)
                 for i, (before, after) in enumerate(sides)]
    scrub = Scrubber(ResourceModel(resources))
    for i, (before, after) in enumerate(sides):
        assert scrub(f"before-{i:02}") == (_HIDDEN if before is marks else f"before-{i:02}")
        assert scrub(f"after-{i:02}") == (_HIDDEN if after is marks else f"after-{i:02}")
