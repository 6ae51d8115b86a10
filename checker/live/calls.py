"""Every AWS API call ``--live`` makes, in one place: the code calls nothing else.

``natpolicy.live.aws`` refuses an operation that is not listed here, and
docs/live.md prints the minimal IAM policy derived from this list (a test
compares the two, and another records the calls a moto-backed run really made).
All are read-only; ``sts:AssumeRole`` only with ``--live-role``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["READ_CALLS", "iam_actions", "iam_policy"]

# (botocore service name, API operation): the IAM action is "<prefix>:<operation>".
READ_CALLS: tuple[tuple[str, str], ...] = (
    ("ec2", "DescribeNatGateways"),
    ("ec2", "DescribeRouteTables"),
    ("ec2", "DescribeNetworkInterfaces"),
    ("cloudwatch", "GetMetricData"),
    ("sts", "AssumeRole"),
)

_IAM_PREFIX = {"ec2": "ec2", "cloudwatch": "cloudwatch", "sts": "sts"}


def iam_actions() -> list[str]:
    """The IAM actions of ``READ_CALLS``, sorted."""
    return sorted(f"{_IAM_PREFIX[service]}:{operation}" for service, operation in READ_CALLS)


def iam_policy() -> dict[str, Any]:
    """The minimal identity policy for ``--live``: read-only calls plus assuming the ``--live-role`` roles.

    Describe* and GetMetricData support no resource-level permissions, hence
    ``*``; the AssumeRole statement should be narrowed to the roles you pass.
    """
    reads = [a for a in iam_actions() if a != "sts:AssumeRole"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NatpolicyLiveRead", "Effect": "Allow", "Action": reads, "Resource": "*"},
            {"Sid": "NatpolicyLiveRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Resource": "arn:aws:iam::*:role/natpolicy-live-read"},
        ],
    }
