"""What natpolicy prints cannot forge workflow commands, drive the terminal, or show a credential."""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from natpolicy.outputs.registry import NAMES
from natpolicy.redact import REDACTED, redact
from natpolicy.safe_text import defang_line, escape
from planbuilder import PlanBuilder

Cli = Callable[..., CliResult]
FORMATS = NAMES  # every registered format, so a new one is held to these rules too
# Hostile instance keys: a newline then a workflow command, colour, window title, hyperlink, C1 CSI.
HOSTILE = ["x\n::error title=pwned::forged", "\x1b[31mred\x1b[0m", "\x1b]0;owned title\x07",
           "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "\x9b31m", "a\r::warning::over"]
# Only click.style's SGR codes: ESC [ digits (; digits) m.
_OWN_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _open_sgs(path: Path, keys: list[str]) -> Path:
    builder = PlanBuilder()
    for key in keys:
        builder.create(f'aws_security_group.sg["{key}"]', {"name": "sg", "ingress": [
            {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})
    return builder.write(path)


def _assert_safe_lines(text: str) -> None:
    for line in text.splitlines():
        assert not line.lstrip().startswith("::"), line
    leftover = _OWN_SGR.sub("", text)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", leftover), repr(leftover[:200])


@pytest.mark.parametrize("colour", ["--color", "--no-color"])
def test_text_report_cannot_forge_commands_or_terminal_sequences(tmp_path: Path, cli: Cli, colour: str) -> None:
    plan = _open_sgs(tmp_path / "plan.json", HOSTILE)
    result = cli("check", str(plan), colour)
    assert result.code == 1
    _assert_safe_lines(result.out)
    assert "SG002" in result.out and "\\e]0;owned title\\x07" in result.out  # shown, escaped
    if colour == "--color":
        assert _OWN_SGR.search(result.out)  # natpolicy's own colours still pass


def test_wrapping_never_starts_a_line_with_a_command(tmp_path: Path, cli: Cli) -> None:
    from natpolicy.outputs.text import wrap

    # One long word per padding: somewhere the cut falls right before "::error".
    keys = ["p" * pad + "::error::forged" for pad in range(60)]
    raw_starts = [piece for key in keys for piece in wrap(f"aws_security_group.sg[{key}] allows", 60)
                  if piece.startswith("::")]
    assert raw_starts  # the test does reach the case the writer must defang
    result = cli("check", str(_open_sgs(tmp_path / "plan.json", keys)), "--no-color")
    assert result.code == 1
    _assert_safe_lines(result.out)


def test_stderr_errors_are_one_escaped_line(tmp_path: Path, cli: Cli) -> None:
    name = str(tmp_path / "x\n::error::forged\x1b]0;t\x07.json")
    result = cli("check", name)
    assert result.code == 2 and result.err.count("\n") == 1
    _assert_safe_lines(result.err)
    assert "\\n::error::forged\\e]0;t\\x07.json" in result.err
    usage = cli("check", "--format", "\x1b[2J")  # click's own errors too
    assert usage.code == 2 and usage.err.count("\n") == 2 and "\x1b" not in usage.err  # Error: ... + Try ...


def test_escape_and_defang() -> None:
    assert escape("a\tb\x1b[0m\u202e") == "a\\tb\\e[0m\\u202e"
    assert escape("plain ünïcode") == "plain ünïcode"
    assert defang_line("  ::error::x") == "  \\::error::x" and defang_line("a ::b") == "a ::b"


# -- credentials of any shape never printed ------------------------------------------------------

AWS = "AKIAIOSFODNN7EXAMPLE"
GHS = "ghs_" + "0123456789abcdefghijABCDEFGHIJ012345"
TFC = "Xk9sQ2pLmN4rTw.atlasv1." + "a" * 60
PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA=\n-----END OPENSSH PRIVATE KEY-----"
PAT = "github_pat_11ABCDEFG0" + "x" * 70


@pytest.mark.parametrize("secret", [AWS, "ASIAY34FZKBOKMUTVV7A", GHS, "ghp_" + "Z" * 36, TFC, PEM, PAT])
def test_credential_shapes_their_reversals_and_base64_are_redacted(secret: str) -> None:
    for form in (secret, secret[::-1], base64.b64encode(secret.encode()).decode(),
                 base64.b64encode(f"k={secret}\n".encode()).decode()):
        out = redact(f"value: {form} end")
        assert out == f"value: {REDACTED} end", (form, out)


@pytest.mark.parametrize("ordinary", [
    "aws_security_group.AKIA_admin", "module.ghs_runner.aws_vpc.main", "arn:aws:iam::123456789012:role/AKIA",
    "vpc-0abc1234def5678901", "sg-0123456789abcdef0", "aws_instance.web[\"ghp_short\"]",
    "AKIAIOSFODNN7EXAMPLEXX", "docs mention .atlasv1. tokens", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END",
    "dXNlcl9kYXRhIGlzIG9yZGluYXJ5IGJhc2U2NCB0ZXh0IGZvciBhbiBpbnN0YW5jZQ==",
])
def test_ordinary_addresses_ids_and_base64_are_kept(ordinary: str) -> None:
    assert redact(ordinary) == ordinary


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_format_prints_a_credential(tmp_path: Path, cli: Cli, fmt: str) -> None:
    plan = _open_sgs(tmp_path / "plan.json", [AWS, GHS[::-1], base64.b64encode(TFC.encode()).decode()])
    out = tmp_path / f"report.{fmt}"
    result = cli("check", str(plan), "-f", fmt, "-o", str(out))
    assert result.code == 1, result.err
    for text in (out.read_text(encoding="utf-8"), result.out):
        for secret in (AWS, GHS, GHS[::-1], TFC, "atlasv1", base64.b64encode(TFC.encode()).decode()[:40]):
            assert secret not in text.replace("\\", ""), (fmt, secret)
    if fmt in ("json", "sarif"):
        json.loads(out.read_text(encoding="utf-8"))


def test_stderr_errors_are_redacted(tmp_path: Path, cli: Cli) -> None:
    result = cli("check", str(tmp_path / f"{GHS}.json"))
    assert result.code == 2 and GHS not in result.err and REDACTED in result.err


def test_legacy_commands_anywhere_in_a_line_are_defanged(tmp_path: Path, cli: Cli) -> None:
    result = cli("check", str(_open_sgs(tmp_path / "plan.json", ["##[set-output name=failed]false"])))
    assert result.code == 1 and "##[" not in result.out and "##\\[set-output" in result.out


def test_word_trie_matches_like_a_longest_first_alternation() -> None:
    import random

    from natpolicy.wordtrie import trie_pattern

    rng = random.Random(7)
    words = sorted({"".join(rng.choice("ab.") for _ in range(rng.randint(1, 6))) for _ in range(200)})
    text = "".join(rng.choice("ab.-") for _ in range(3000))
    plain = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    trie = re.compile(trie_pattern(words))
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert re.fullmatch(trie_pattern(["x" * 50_000]), "x" * 50_000)  # deeper than the recursion limit
    assert re.search(trie_pattern([]), "anything") is None


@pytest.mark.parametrize("fmt", ["markdown", "github"])
def test_markdown_and_github_write_control_characters_out(tmp_path: Path, cli: Cli, fmt: str) -> None:
    keys = [*HOSTILE, "##[set-output name=failed]false"]
    result = cli("check", str(_open_sgs(tmp_path / "plan.json", keys)), "-f", fmt)
    assert result.code == 1 and "SG002" in result.out
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.out), repr(result.out[:300])
    lines = result.out.splitlines()
    if fmt == "github":  # every line is one of natpolicy's own commands, so the runner reads nothing else
        assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    else:
        assert "##[" not in result.out and not any(line.lstrip().startswith("::") for line in lines)
