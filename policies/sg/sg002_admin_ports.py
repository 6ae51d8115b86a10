"""SG002: an administrative or database port is reachable from the internet."""
from __future__ import annotations

from natpolicy.check import Severity
from natpolicy.policies.sg._ingress import ADMIN, IngressExposureCheck


class SecurityGroupAdminPortFromInternet(IngressExposureCheck):
    id = "SG002"
    name = "Security group allows an administrative or database port from the internet"
    severity = Severity.HIGH
    summary = (
        "ingress open to the internet on an administrative or database port (SSH, RDP, MySQL, Redis…; "
        "configurable `admin_ports`)"
    )
    precision = "very-high"
    grade = ADMIN
