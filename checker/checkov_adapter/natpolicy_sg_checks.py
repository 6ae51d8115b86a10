"""Checkov checks NATPOLICY_SG001..SG004: security groups open to the internet.

Loaded by ``checkov --external-checks-dir $(natpolicy checkov-dir)``; the
logic is natpolicy's own (``natpolicy.policies.sg``), asked about each
resource Checkov passes. Unlike CKV_AWS_24/25/260/277, a ``self`` rule never
hides a later open rule, a ``null`` prefix list opens nothing, split CIDRs
that cover the internet count, and ``ip_protocol = "-1"`` is all traffic.
"""
from natpolicy.checkov_adapter import make_checks

checks = make_checks("SG")
