"""SG003: only web ports (80/443 by default) are reachable from the internet."""
from __future__ import annotations

from natpolicy.check import Severity
from natpolicy.policies.sg._ingress import WEB, IngressExposureCheck


class SecurityGroupWebPortFromInternet(IngressExposureCheck):
    id = "SG003"
    name = "Security group allows web ports from the internet"
    severity = Severity.LOW
    summary = "ingress open to the internet on web ports only (80/443; configurable `web_ports`)"
    # Public web servers do this on purpose; the finding asks for a look, not a fix.
    precision = "medium"
    grade = WEB
