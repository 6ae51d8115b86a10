"""The boto3 side of ``--live``: bounded, read-only calls in one account and region.

boto3 is imported here only, and this module only by ``natpolicy.live.gather``
(a run without ``--live`` never imports it). Every call:

* is one of ``natpolicy.live.calls.READ_CALLS`` (anything else raises before a request is made);
* has a connect and a read timeout and botocore's adaptive retries (bounded attempts);
* is paginated, with a cap on the items read, so a huge account cannot hold the run.

``AWS_ENDPOINT_URL`` (botocore's standard setting) points the clients elsewhere;
the tests use it for a moto server on 127.0.0.1.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

from natpolicy.live.calls import READ_CALLS

__all__ = ["AccountReader", "assume_role", "default_session"]

CONNECT_TIMEOUT = 5  # seconds per connection attempt
READ_TIMEOUT = 20  # seconds per response
MAX_ATTEMPTS = 4  # adaptive retry mode: client-side rate limiting, then at most this many tries
MAX_ITEMS = 2000  # route tables or interfaces read per query; more are left unread with a note
FILTER_VALUES = 200  # AWS caps the values of one filter
METRIC_QUERIES = 500  # GetMetricData's cap on queries per request
ROLE_SESSION = "natpolicy-live"
ROLE_SECONDS = 900  # the shortest session AWS allows: the run needs minutes at most

_CONFIG = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                 retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}, user_agent_extra="natpolicy-live")
_ALLOWED = frozenset(READ_CALLS)


def default_session() -> boto3.session.Session:
    """boto3's standard configuration chain (environment, shared files, container and instance roles)."""
    return _deduped(boto3.session.Session(botocore_session=_botocore_session()))


def _deduped(session: boto3.session.Session) -> boto3.session.Session:
    # boto3 appends its data folder to the loader of every session it makes: keep the shared list short.
    paths = _shared_loader().search_paths
    paths[:] = list(dict.fromkeys(paths))
    return session


def _botocore_session() -> Any:
    """A fresh botocore session (credentials and settings read anew) sharing one loader of API models.

    Loading the EC2 model alone costs about half a second; in-process callers
    (the tests, a long-lived wrapper) run several checks in one process.
    """
    import botocore.session

    core = botocore.session.Session()
    core.register_component("data_loader", _shared_loader())
    return core


@functools.cache
def _shared_loader() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


def assume_role(session: boto3.session.Session, role_arn: str, region: str | None) -> boto3.session.Session:
    """A session with ``role_arn``'s temporary credentials; they stay inside the session object."""
    sts = _client(session, "sts", region)
    answer = _call(sts, "AssumeRole", RoleArn=role_arn, RoleSessionName=ROLE_SESSION, DurationSeconds=ROLE_SECONDS)
    creds = answer["Credentials"]
    assumed = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"], region_name=region, botocore_session=_botocore_session())
    return _deduped(assumed)


class AccountReader:
    """The read-only queries of one account (a session) in one region."""

    def __init__(self, session: boto3.session.Session, region: str | None) -> None:
        self._ec2 = _client(session, "ec2", region)
        self._session = session
        self.region: str = self._ec2.meta.region_name or ""
        self.truncated: list[str] = []  # what hit MAX_ITEMS

    def nat_gateways(self, ids: list[str]) -> list[dict[str, Any]]:
        # A filter, not NatGatewayIds: an id the account does not know is simply absent, not an error.
        return list(self._paged("DescribeNatGateways", "NatGateways", "nat-gateway-id", ids))

    def route_tables(self, gateway_ids: list[str]) -> list[dict[str, Any]]:
        return list(self._paged("DescribeRouteTables", "RouteTables", "route.nat-gateway-id", gateway_ids))

    def interfaces(self, subnet_ids: list[str]) -> list[dict[str, Any]]:
        return list(self._paged("DescribeNetworkInterfaces", "NetworkInterfaces", "subnet-id", subnet_ids))

    def nat_metrics(self, gateway_ids: list[str], now: dt.datetime) -> dict[str, dict[str, Any]]:
        """Per gateway and query id ("bytes", "peak", "established", "recent"): (timestamps, values)."""
        cloudwatch = _client(self._session, "cloudwatch", self.region or None)
        queries: list[dict[str, Any]] = []
        for n, gid in enumerate(gateway_ids):
            for qid, metric, stat, period in _METRICS:
                queries.append({"Id": f"{qid}{n}", "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": "AWS/NATGateway", "MetricName": metric,
                               "Dimensions": [{"Name": "NatGatewayId", "Value": gid}]},
                    "Period": period, "Stat": stat}})
        start = now - dt.timedelta(days=7)
        out: dict[str, dict[str, Any]] = {gid: {} for gid in gateway_ids}
        for first in range(0, len(queries), METRIC_QUERIES):
            batch = queries[first:first + METRIC_QUERIES]
            pages = cloudwatch.get_paginator(_snake("GetMetricData")).paginate(
                MetricDataQueries=batch, StartTime=start, EndTime=now, ScanBy="TimestampDescending",
                PaginationConfig={"MaxItems": 100_000})
            _check("cloudwatch", "GetMetricData")
            for page in pages:
                for result in page.get("MetricDataResults", []):
                    qid = str(result.get("Id", ""))
                    kind = qid.rstrip("0123456789")
                    index = int(qid[len(kind):] or 0)
                    series = out[gateway_ids[index]].setdefault(kind, ([], []))
                    series[0].extend(result.get("Timestamps", []))
                    series[1].extend(result.get("Values", []))
        return out

    def _paged(self, operation: str, key: str, filter_name: str, values: list[str]) -> Iterator[dict[str, Any]]:
        _check("ec2", operation)
        paginator = self._ec2.get_paginator(_snake(operation))
        for first in range(0, len(values), FILTER_VALUES):
            chunk = values[first:first + FILTER_VALUES]
            read = 0
            for page in paginator.paginate(Filters=[{"Name": filter_name, "Values": chunk}],
                                           PaginationConfig={"MaxItems": MAX_ITEMS, "PageSize": 200}):
                for item in page.get(key, []):
                    read += 1
                    yield item
            if read >= MAX_ITEMS:
                self.truncated.append(f"{operation}: the first {MAX_ITEMS:,} items only")


# (query id prefix, metric, statistic, period): daily sums and peaks, and 5-minute bytes for "last traffic".
_METRICS = (
    ("bytes", "BytesOutToDestination", "Sum", 86400),
    ("peak", "ActiveConnectionCount", "Maximum", 86400),
    ("established", "ConnectionEstablishedCount", "Sum", 86400),
    ("recent", "BytesOutToDestination", "Sum", 300),
)


def _client(session: boto3.session.Session, service: str, region: str | None) -> Any:
    return session.client(service, region_name=region, config=_CONFIG)


def _call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    _check(client.meta.service_model.service_name, operation)
    answer: dict[str, Any] = getattr(client, _snake(operation))(**params)
    return answer


def _check(service: str, operation: str) -> None:
    if (service, operation) not in _ALLOWED:
        raise PermissionError(f"natpolicy --live does not call {service}:{operation} (not in natpolicy.live.calls)")


def _snake(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))
