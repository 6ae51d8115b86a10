"""``natpolicy check --live`` end to end against moto's server on 127.0.0.1 (``AWS_ENDPOINT_URL``).

The CLI runs in-process, botocore speaks real HTTP to a ``ThreadedMotoServer``
the test starts on a free loopback port. The second test switches the
server's IAM enforcement on: a user allowed only ``ec2:DescribeNatGateways``
is denied the route tables, which gives a note and leaves the static result alone.
"""
from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from test_live_evidence import REGION, _hand_made_table, _network, replace_plan, safe_plan

moto_server = pytest.importorskip("moto.server")
import boto3  # noqa: E402

Cli = Callable[..., CliResult]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SESSION_TOKEN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ENDPOINT_URL", url)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-never-printed")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        try:
            yield url
        finally:
            server.stop()


def _client(service: str, **keys: str) -> Any:
    return boto3.client(service, region_name=REGION, **keys)


def test_cli_reads_a_real_http_endpoint_and_reports_nat004(endpoint: str, cli: Cli, tmp_path: Path) -> None:
    ec2 = _client("ec2")
    ids = _network(ec2)
    hand = _hand_made_table(ec2, ids)
    result = cli("check", str(safe_plan(ids, tmp_path / "plan.json")), "--live", "--format", "sarif")
    assert result.code == 1, result.err
    [res] = json.loads(result.out)["runs"][0]["results"]
    assert res["ruleId"] == "NAT004" and hand in res["message"]["text"]
    assert "AKIAFAKE" not in result.out and "fake-secret" not in result.out


def test_access_denied_is_a_note_and_the_static_result_stands(endpoint: str, cli: Cli, tmp_path: Path) -> None:
    import requests

    iam = _client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="only-gateways", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:DescribeNatGateways"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    ids = _network(_client("ec2"))
    plan = replace_plan(ids, tmp_path / "plan.json")
    static = cli("check", str(plan), "--format", "json")
    requests.post(f"{endpoint}/moto-api/reset-auth", data=b"0", timeout=10)  # enforce IAM from now on
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
            mp.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
            result = cli("check", str(plan), "--format", "json", "--live")
            required = cli("check", str(plan), "--live", "--live-required", "--quiet")
    finally:
        requests.post(f"{endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)
    report = json.loads(result.out)
    assert result.code == static.code == 1
    assert [f["severity"] for f in report["findings"]] == [f["severity"] for f in json.loads(static.out)["findings"]]
    [note] = [n for n in report["notes"] if n.startswith("live evidence")]
    assert "with the default credentials (access denied:" in note and "DescribeRouteTables" in note
    assert key["SecretAccessKey"] not in result.out + result.err
    assert required.code == 2
