"""Checkov check NATPOLICY_NAT002: a NAT gateway replaced destroy-before-create.

Checkov never passes a purely deleted resource to a check, so inside Checkov
a NAT gateway is visible only while it is *replaced*. Deleting a NAT gateway
without a replacement (NAT001) and the routes it leaves behind (NAT003) can
only be found by ``natpolicy check plan.json``, which reads every change.
"""
from natpolicy.checkov_adapter import make_checks

checks = make_checks("NAT")
