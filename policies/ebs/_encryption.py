"""Shared logic of the EBS family: is this volume going to be encrypted?

Three facts decide it: the ``encrypted`` value, whether the volume is being
created by this plan, and the account's default encryption.

*Unset is not unknown.* ``encrypted`` is optional and computed, so a real plan
shows an unset value as "known after apply", exactly like a value that comes
from an unknown variable. The configuration tells them apart: if the
resource's configuration does not set ``encrypted``, AWS decides, and the
account default is what it decides with. If we have no configuration to
look at, an unknown stays unknown and is never reported.

*Default encryption only matters at creation.* An existing volume keeps the
encryption it was created with, so for resources that are not being
created, a known ``false`` in the state is the truth. For a volume being
created, ``encrypted = false`` merely does not *ask* for encryption; with
the account default on, AWS encrypts it anyway.
"""
from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any

from natpolicy.check import record
from natpolicy.model import UNKNOWN, Resource, ResourceModel

DEFAULT_TYPE = "aws_ebs_encryption_by_default"
_FACT = "ebs.default_encryption"  # its ``ResourceModel.memo`` key
# All natpolicy knows of the account: what the checked plan or code declares, never the live setting.
_NO_DEFAULT = "no `aws_ebs_encryption_by_default` in the checked plan or code enables account default encryption"


class Default(enum.Enum):
    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class State(enum.Enum):
    ENCRYPTED = "encrypted"
    FALSE = "false"      # explicitly not encrypted
    UNSET = "unset"      # AWS decides: snapshot, then account default
    UNKNOWN = "unknown"  # only known after apply


def default_encryption(model: ResourceModel) -> Default:
    """The account default after apply, computed once per model.

    Any ``aws_ebs_encryption_by_default`` that exists after apply with
    ``enabled`` true (or unset: the provider default is true) turns it on,
    whether it is planned or already in the prior state. We cannot tell
    regions or accounts apart, so one enabled resource counts for all.
    A pure delete of the resource disables default encryption (the
    provider's delete calls ``DisableEbsEncryptionByDefault``), so it
    counts for nothing here. A ``forget`` (a ``removed`` block with
    ``destroy = false``) only drops it from the state: AWS keeps the
    setting, so its ``before`` value still holds.
    """
    return model.memo(_FACT, lambda: _default_encryption(model))


def _default_encryption(model: ResourceModel) -> Default:
    result = Default.OFF
    for res in model.of_type(DEFAULT_TYPE):
        if res.mode != "managed":
            continue
        if res.exists_after:
            values = res.after
        elif "forget" in res.actions and not res.is_deleted and res.deposed is None:
            values = res.before
        else:
            continue
        if not isinstance(values, dict):
            continue
        enabled = values.get("enabled")
        if enabled is UNKNOWN:
            result = Default.UNKNOWN
        elif enabled is None or enabled is True or (isinstance(enabled, str) and enabled.lower() == "true"):
            result = Default.ON
            break
    return result


def state_of(value: Any, config: Mapping[str, Any] | None, attribute: str = "encrypted") -> State:
    """Classify an ``encrypted`` value; ``config`` is the block's expressions.

    Launch templates carry the value as a string ("true", "false", "" for
    unset); HCL input may carry a boolean. Both are accepted everywhere.
    """
    if value is UNKNOWN:
        if config is not None and attribute not in config:
            return State.UNSET
        return State.UNKNOWN
    if value is True:
        return State.ENCRYPTED
    if value is False:
        return State.FALSE
    if value is None:
        return State.UNSET
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "true":
            return State.ENCRYPTED
        if text == "false":
            return State.FALSE
        if text == "":
            return State.UNSET
    return State.UNKNOWN  # an interpolation left in HCL input, or something odd


def has_snapshot(value: Any, config: Mapping[str, Any] | None) -> bool | None:
    """Is the volume made from a snapshot? ``None`` when unknown."""
    if value is UNKNOWN:
        if config is not None and "snapshot_id" not in config:
            return False  # computed attribute the configuration does not set
        return None
    return isinstance(value, str) and value.strip() != ""


@record(frozen=True)
class Verdict:
    """Whether a volume is unencrypted after apply, and why."""

    unencrypted: bool
    reason: str = ""


def judge(state: State, *, creating: bool, snapshot: bool | None, default: Default) -> Verdict:
    """Will this volume be unencrypted after apply?"""
    if state in (State.ENCRYPTED, State.UNKNOWN):
        return Verdict(False)
    if not creating:
        # An existing volume's encryption was fixed when it was created.
        if state is State.FALSE:
            return Verdict(True, "it is not encrypted")
        return Verdict(False)  # no value in the state: we cannot know
    if default is not Default.OFF:
        return Verdict(False)  # on, or unknown (never reported)
    if state is State.FALSE:
        return Verdict(True, f"`encrypted` is false and {_NO_DEFAULT}")
    if snapshot is not False:
        return Verdict(False)  # inherits the snapshot's encryption
    return Verdict(True, f"`encrypted` is not set and {_NO_DEFAULT}")


def expressions(resource: Resource) -> Mapping[str, Any] | None:
    """The resource's configuration expressions, or ``None`` when the plan has none."""
    expr = resource.expressions
    return expr if isinstance(expr, dict) else None


def leaves_open(*values: Any) -> bool:
    """Does any of these planned values need the configuration to be judged (``state_of``, ``has_snapshot``)?

    Both read the configuration only for a value known after apply. A plan
    resource's expressions are decoded when first read (``loaders.plan_resource``),
    and a 10k plan's 787 EBS blocks cost 16 M instructions to decode where few
    values are unknown: the rules ask for them only when this says so.
    """
    return any(value is UNKNOWN for value in values)


class ExpressionsOnDemand:
    """``expressions(resource)``, read the first time ``get`` is called (see ``leaves_open``)."""

    __slots__ = ("_read", "_resource", "_value")

    def __init__(self, resource: Resource) -> None:
        self._resource = resource
        self._read = False
        self._value: Mapping[str, Any] | None = None

    def get(self) -> Mapping[str, Any] | None:
        if not self._read:
            self._value = expressions(self._resource)
            self._read = True
        return self._value


def config_block(config: Mapping[str, Any] | None, name: str, block: Any, index: int,
                 count: int) -> Mapping[str, Any] | None:
    """The configuration of one nested block, matched to its planned value.

    ``None`` means "we do not know what the configuration says" (no config,
    or the block comes from a ``dynamic`` block the plan does not describe).
    """
    if config is None:
        return None
    blocks = config.get(name)
    if not isinstance(blocks, list) or not blocks:
        return None
    if isinstance(block, dict) and isinstance(block.get("device_name"), str):
        same = [b for b in blocks if isinstance(b, dict)
                and (b.get("device_name") or {}).get("constant_value") == block["device_name"]]
        if len(same) == 1:
            return same[0]
    if len(blocks) == count and isinstance(blocks[index], dict):
        return blocks[index]
    return None


def creating(resource: Resource) -> bool:
    return "create" in resource.actions


@record(frozen=True)
class BlockFinding:
    """One volume (root or EBS block) of an instance or launch template that is unencrypted after apply."""

    key: str
    label: str
    reason: str
    block: int | None = None  # index in ebs_block_device; None for the root volume

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"volume": self.label}
        if self.block is not None:
            out["ebs_block_device"] = self.block
        return out


def device_label(resource: Resource, device: Any, path: tuple[str | int, ...], index: int) -> tuple[str, str]:
    """How a block's ``device_name`` is shown, and the violation key part that tells blocks apart.

    A known, public device name is its own key (stable when blocks are
    reordered). One known only after apply, or marked sensitive, is shown
    as such and keyed by the block's index: two of them must not collapse
    into one finding, and a sensitive name must not reach the key (keys
    are written to baseline files).
    """
    if device is UNKNOWN or resource.is_sensitive(*path):
        return f"device #{index} {resource.show(device, *path)}", f"#{index}"
    if isinstance(device, str) and device:
        return device, device
    return f"#{index}", f"#{index}"


def default_root(resource: Resource, blocks: str, *, creating: bool, default: Default) -> BlockFinding | None:
    """The AMI's own root volume, when the resource plans no ``blocks`` (``root_block_device``,
    ``block_device_mappings``) that could say how it is encrypted.

    An instance without ``root_block_device`` and a launch template without
    ``block_device_mappings`` both boot the AMI's root volume as the AMI
    describes it, so EBS002, EBS003 and EBS004 judge it alike: unset, against
    the account default. Declared but only known after apply (a ``dynamic``
    block over an unknown list), or no configuration to tell: never a violation.
    """
    after = resource.after if isinstance(resource.after, dict) else {}
    planned = after.get(blocks)
    if planned is UNKNOWN:  # only then does the configuration tell anything: read it only then
        config = expressions(resource)
        if config is None or config.get(blocks):
            return None
    verdict = judge(State.UNSET, creating=creating, snapshot=False, default=default)
    if not verdict.unencrypted:
        return None
    return BlockFinding("root", f"default root volume (no {blocks})", verdict.reason)


def instance_volumes(resource: Resource, model: ResourceModel, *, at_launch: bool = False) -> Iterator[BlockFinding]:
    """Unencrypted root and EBS volumes of an ``aws_instance`` or ``aws_launch_configuration``.

    ``at_launch``: the volumes are created whenever an instance is launched
    from this resource, so they always get the account default of that time.
    """
    after = resource.after if isinstance(resource.after, dict) else {}
    config = ExpressionsOnDemand(resource)
    new = at_launch or creating(resource)
    default = default_encryption(model)

    roots = after.get("root_block_device")
    if roots is UNKNOWN or roots is None or roots == []:
        found = default_root(resource, "root_block_device", creating=new, default=default)
        if found is not None:
            yield found
    elif isinstance(roots, list):
        for i, block in enumerate(roots):
            if not isinstance(block, dict):
                continue
            encrypted = block.get("encrypted")
            block_config = (config_block(config.get(), "root_block_device", block, i, len(roots))
                            if leaves_open(encrypted) else None)
            # The root volume always comes from the AMI's snapshot, which we
            # cannot see; unset is judged against the account default.
            verdict = judge(state_of(encrypted, block_config), creating=new, snapshot=False, default=default)
            if verdict.unencrypted:
                yield BlockFinding("root", "root volume", verdict.reason)

    ebs = after.get("ebs_block_device")
    if isinstance(ebs, list):
        for i, block in enumerate(ebs):
            if not isinstance(block, dict):
                continue
            encrypted, snapshot_id = block.get("encrypted"), block.get("snapshot_id")
            block_config = (config_block(config.get(), "ebs_block_device", block, i, len(ebs))
                            if leaves_open(encrypted, snapshot_id) else None)
            verdict = judge(state_of(encrypted, block_config), creating=new,
                            snapshot=has_snapshot(snapshot_id, block_config), default=default)
            if verdict.unencrypted:
                name, key = device_label(resource, block.get("device_name"), ("ebs_block_device", i, "device_name"), i)
                yield BlockFinding(f"ebs:{key}", f"EBS volume {name}", verdict.reason, i)


__all__ = [
    "Default", "State", "Verdict", "BlockFinding", "default_encryption", "state_of", "has_snapshot", "judge",
    "expressions", "leaves_open", "ExpressionsOnDemand",
    "config_block", "creating", "default_root", "device_label", "instance_volumes",
]
