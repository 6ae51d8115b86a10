"""SG001: a security group lets the whole internet reach every port."""
from __future__ import annotations

from natpolicy.check import Severity
from natpolicy.policies.sg._ingress import ALL_TRAFFIC, IngressExposureCheck


class SecurityGroupAllTrafficFromInternet(IngressExposureCheck):
    id = "SG001"
    name = "Security group allows all traffic from the internet"
    severity = Severity.CRITICAL
    summary = "ingress open to the internet on every protocol or every port"
    precision = "very-high"
    grade = ALL_TRAFFIC
