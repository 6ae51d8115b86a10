"""Run ``--live``'s reads and turn every failure into a note, never into a changed static result.

One pass per region: the default credentials read the gateways, the route
tables that target them, the interfaces in the subnets behind those tables
and the gateways' traffic; each ``--live-role`` then repeats the route-table
and interface queries in its account (shared-VPC participants, hub-and-spoke
egress). A region or account that cannot be read gives one note saying what
was not read and why (no credentials, access denied, no network); the
caller decides whether that fails the run (``--live-required``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from natpolicy.live.evidence import DailyTraffic, GatewayEvidence, InterfaceGroup, LiveTable, Traffic, interface_kind
from natpolicy.live.targets import GatewayTarget, gateway_targets
from natpolicy.model import LiveRouteTable, ResourceModel

__all__ = ["MAX_GATEWAYS", "LiveRun", "gather"]

MAX_GATEWAYS = 20  # gateways read per run; past it a note names how many were left out
_TABLE_TYPES = ("aws_route_table", "aws_default_route_table")
_TABLE_REFERRERS = ("aws_route", "aws_route_table_association", "aws_main_route_table_association")
_DENIED = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure", "InvalidClientTokenId",
    "UnrecognizedClientException", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
    "InvalidAccessKeyId", "OptInRequired",
})


@dataclass
class LiveRun:
    evidence: dict[str, GatewayEvidence] = field(default_factory=dict)  # gateway id -> what was read
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one per region or account that could not be read

    def unmanaged_tables(self) -> dict[str, tuple[LiveRouteTable, ...]]:
        """For the model's context (NAT004): gateway id -> live tables no plan manages."""
        out: dict[str, tuple[LiveRouteTable, ...]] = {}
        for gid, ev in self.evidence.items():
            tables = tuple(
                LiveRouteTable(route_table_id=t.route_table_id, gateway_id=gid, destinations=t.destinations,
                               subnets=t.subnets, name=t.name, owner=t.owner, main=t.main, region=ev.region)
                for t in ev.unmanaged)
            if tables:
                out[gid] = tables
        return out


def gather(model: ResourceModel, roles: tuple[str, ...] = (), *, max_gateways: int = MAX_GATEWAYS,
           now: dt.datetime | None = None) -> LiveRun:
    run = LiveRun()
    targets = gateway_targets(model)
    if not targets:
        return run
    if len(targets) > max_gateways:
        run.notes.append(f"live evidence: read {max_gateways} of the {len(targets)} NAT gateways the plan deletes "
                         f"(the limit per run); the other {len(targets) - max_gateways} were not looked at")
        targets = targets[:max_gateways]
    from natpolicy.live import aws

    moment = now or dt.datetime.now(dt.timezone.utc)
    managed = _managed_table_ids(model)
    base = aws.default_session()
    sessions: dict[str, Any] = {}
    by_region: dict[str | None, list[GatewayTarget]] = {}
    for target in targets:
        by_region.setdefault(target.region, []).append(target)
    for region, group in by_region.items():
        where = region or "the default region"
        found = {t.gateway_id: GatewayEvidence(target=t, region=region or "") for t in group}
        readers: list[tuple[str, Any]] = []
        # Pass 1, in every account: the gateways (whose account owns them) and the route tables that target them.
        for who in ("the default credentials", *(f"role {role}" for role in roles)):
            try:
                if who == "the default credentials":
                    session = base
                else:
                    role = who.removeprefix("role ")
                    if role not in sessions:
                        sessions[role] = aws.assume_role(base, role, region)
                    session = sessions[role]
                reader = aws.AccountReader(session, region)
                owned = _tables_and_gateways(reader, found, managed)
                readers.append((who, (reader, owned)))
            except Exception as exc:  # noqa: BLE001 -- _reason classifies it; a bug of ours is re-raised there
                run.failures.append(_failure_note(exc, where, who, found))
        # Pass 2: the interfaces in every subnet behind those tables, and the traffic where the gateway lives.
        subnets = sorted({s for ev in found.values() for t in ev.tables for s in t.subnets})
        enis: dict[str, dict[str, tuple[str, str]]] = {gid: {} for gid in found}
        for who, (reader, owned) in readers:
            try:
                _interfaces(reader, found, subnets, enis)
                if owned:
                    traffic = reader.nat_metrics(owned, moment)
                    for gid in owned:
                        found[gid].traffic = _traffic(traffic.get(gid, {}), moment)
                for ev in found.values():
                    ev.region = reader.region
                    ev.accounts_read.append(who.removeprefix("the "))
                _truncated(run, reader, where)
            except Exception as exc:  # noqa: BLE001
                run.failures.append(_failure_note(exc, where, who, found))
        for gid, ev in found.items():
            ev.interfaces = _groups(enis[gid])
        run.evidence.update(found)
    run.notes.extend(run.failures)
    return run


def _tables_and_gateways(reader: Any, found: dict[str, GatewayEvidence], managed: set[str]) -> list[str]:
    """Read, in one account, the gateways it owns (returned) and the route tables that target any of them."""
    ids = sorted(found)
    owned: list[str] = []
    for gw in reader.nat_gateways(ids):
        ev = found.get(str(gw.get("NatGatewayId", "")))
        if ev is not None:
            owned.append(ev.target.gateway_id)
            ev.state = str(gw.get("State") or "")
            ev.vpc_id = str(gw.get("VpcId") or "")
    for table in reader.route_tables(ids):
        table_id = str(table.get("RouteTableId", ""))
        assoc = [a for a in table.get("Associations") or [] if isinstance(a, dict)]
        subnets = tuple(sorted({str(a["SubnetId"]) for a in assoc if a.get("SubnetId")}))
        name = next((str(t.get("Value", "")) for t in table.get("Tags") or [] if t.get("Key") == "Name"), "")
        owner = str(table.get("OwnerId") or "")
        for gid in ids:
            destinations = tuple(sorted({_destination(r) for r in table.get("Routes") or []
                                         if r.get("NatGatewayId") == gid}))
            ev = found[gid]
            if not destinations or any(t.route_table_id == table_id for t in ev.tables):
                continue
            if gid in owned and not ev.account:
                ev.account = owner  # DescribeNatGateways names no owner; the account that holds it does
            ev.tables.append(LiveTable(
                route_table_id=table_id, destinations=destinations, subnets=subnets, name=name, owner=owner,
                main=any(a.get("Main") for a in assoc), vpc_id=str(table.get("VpcId") or ""),
                managed=table_id in managed))
    return owned


def _interfaces(reader: Any, found: dict[str, GatewayEvidence], subnets: list[str],
                enis: dict[str, dict[str, tuple[str, str]]]) -> None:
    if not subnets:
        return
    for eni in reader.interfaces(subnets):
        subnet = str(eni.get("SubnetId", ""))
        for gid, ev in found.items():
            if any(subnet in t.subnets for t in ev.tables):
                owner = str(eni.get("OwnerId") or "")
                # Keyed with the owner too: the same interface read from two accounts counts once.
                enis[gid][f"{owner}/{eni.get('NetworkInterfaceId', '')}"] = (interface_kind(eni), owner)


def _traffic(series: dict[str, Any], now: dt.datetime) -> Traffic:
    per_day: dict[str, dict[str, float]] = {}
    for kind in ("bytes", "peak", "established"):
        stamps, values = series.get(kind, ([], []))
        for stamp, value in zip(stamps, values, strict=False):
            day = per_day.setdefault(_utc(stamp).date().isoformat(), {})
            day[kind] = max(day.get(kind, 0.0), float(value)) if kind == "peak" else day.get(kind, 0.0) + float(value)
    stamps, values = series.get("recent", ([], []))
    active = [_utc(s) for s, v in zip(stamps, values, strict=False) if float(v) > 0]
    days = tuple(DailyTraffic(day=d, bytes_out=v.get("bytes", 0.0), peak_connections=v.get("peak", 0.0),
                              connections_established=v.get("established", 0.0)) for d, v in sorted(per_day.items()))
    return Traffic(days=days, last_seen=max(active) if active else None, now=now)


def _utc(stamp: Any) -> dt.datetime:
    if isinstance(stamp, dt.datetime):
        return stamp.astimezone(dt.timezone.utc) if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
    raise ValueError("a CloudWatch timestamp that is not a date")


def _destination(route: dict[str, Any]) -> str:
    for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"):
        if route.get(key):
            return str(route[key])
    return "?"


def _groups(enis: dict[str, tuple[str, str]]) -> list[InterfaceGroup]:
    counts: dict[tuple[str, str], int] = {}
    for kind, owner in enis.values():
        counts[(kind, owner)] = counts.get((kind, owner), 0) + 1
    return [InterfaceGroup(kind=k, owner=o, count=n) for (k, o), n in sorted(counts.items())]


def _truncated(run: LiveRun, reader: Any, where: str) -> None:
    for what in reader.truncated:
        run.notes.append(f"live evidence in {where}: {what} were read")


def _managed_table_ids(model: ResourceModel) -> set[str]:
    """Route tables some plan of the run holds: their routes were judged from the plan itself."""
    ids: set[str] = set()
    for res in model.of_type(*_TABLE_TYPES):
        for values in (res.before, res.after):
            if isinstance(values, dict) and isinstance(values.get("id"), str):
                ids.add(values["id"])
    for res in model.of_type(*_TABLE_REFERRERS):
        for values in (res.before, res.after):
            if isinstance(values, dict) and isinstance(values.get("route_table_id"), str):
                ids.add(values["route_table_id"])
    return ids


def _failure_note(exc: Exception, where: str, who: str, found: dict[str, GatewayEvidence]) -> str:
    reason = _reason(exc)
    for ev in found.values():
        ev.unread.append(f"{who}: {reason}")
    gateways = ", ".join(sorted(found))
    return (f"live evidence: could not read {where} with {who} ({reason}); no live route tables, interfaces or "
            f"traffic for {gateways} from there. The static findings stand as they are.")


def _reason(exc: Exception) -> str:
    """Why a read failed, in a few words: the error's class or code, never its text (it may quote request data)."""
    from botocore import exceptions as bex

    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError, bex.CredentialRetrievalError)):
        return "no AWS credentials"
    if isinstance(exc, bex.NoRegionError):
        return "no region: set AWS_REGION or the plan's provider region"
    if isinstance(exc, bex.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "")) or "error"
        operation = getattr(exc, "operation_name", "") or "a call"
        if code in _DENIED:
            return f"access denied: {code} on {operation}"
        return f"{code} on {operation}"
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError,
                        bex.ConnectionClosedError)):
        return "no network: the AWS endpoint could not be reached in time"
    if isinstance(exc, bex.BotoCoreError):
        return f"AWS client error: {type(exc).__name__}"
    if isinstance(exc, (KeyError, TypeError, ValueError)):
        return f"unexpected answer from AWS: {type(exc).__name__}"
    raise exc
