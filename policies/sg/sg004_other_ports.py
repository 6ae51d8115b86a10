"""SG004: some other port range is reachable from the internet."""
from __future__ import annotations

from natpolicy.check import Severity
from natpolicy.policies.sg._ingress import OTHER, IngressExposureCheck


class SecurityGroupOtherPortFromInternet(IngressExposureCheck):
    id = "SG004"
    name = "Security group allows other ports from the internet"
    severity = Severity.MEDIUM
    summary = "ingress open to the internet on any other port"
    precision = "high"
    grade = OTHER
