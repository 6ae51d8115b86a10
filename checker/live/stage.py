"""The ``--live`` step of ``natpolicy check``, between loading and the rules.

It runs before the rules because NAT004 needs the live route tables (put in
the model's context here); the evidence is put into the findings after the
rules ran (``natpolicy.live.enrich``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from natpolicy.errors import UsageError

if TYPE_CHECKING:
    from natpolicy.live.gather import LiveRun
    from natpolicy.model import ResourceModel
    from natpolicy.progress import Progress

__all__ = ["read_live"]


def read_live(model: ResourceModel, roles: tuple[str, ...], progress: Progress) -> LiveRun:
    import importlib.util

    if importlib.util.find_spec("boto3") is None:
        raise UsageError("--live needs boto3: pip install 'natpolicy[aws]'")
    for role in roles:
        if not role.startswith("arn:aws") or ":role/" not in role:
            raise UsageError(f"--live-role wants an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME), got {role!r}")
    from natpolicy.live.gather import gather

    with progress.step("reading live evidence from AWS"):
        live = gather(model, roles)
    model.context.live_route_tables = live.unmanaged_tables()
    return live
