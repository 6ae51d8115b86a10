"""The Terraform CLI configuration: where it is found, host blocks, credentials, TF_TOKEN_ variables."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from natpolicy.loaders.modsource import load_cli_config
from natpolicy.loaders.modsource.hosts import token_variable_host
from natpolicy.loaders.modsource.secret import Secret

RC = '''
host "registry.example.corp" {
  services = {
    "modules.v1" = "https://mirror.example.corp/api/modules/v1/"
  }
}
credentials "registry.example.corp" {
  token = "file-token-123"
}
credentials "app.terraform.io" {
  token = "tfc-token-456"
}
credentials "bad host name!" {
  token = "x"
}
'''


def test_file_from_tf_cli_config_file(tmp_path: Path) -> None:
    rc = tmp_path / "custom.rc"
    rc.write_text(RC, encoding="utf-8")
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc), "HOME": str(tmp_path / "nohome")})
    assert config.path == rc
    assert config.service_override("registry.example.corp", "modules.v1") == \
        "https://mirror.example.corp/api/modules/v1/"
    token = config.token_for("registry.example.corp")
    assert token is not None and token.reveal() == "file-token-123"
    assert config.token_for("example.com") is None
    assert any("bad host name!" in note for note in config.notes)


def test_file_from_home_terraformrc(tmp_path: Path) -> None:
    (tmp_path / ".terraformrc").write_text(RC, encoding="utf-8")
    config = load_cli_config({"HOME": str(tmp_path)})
    assert config.path == tmp_path / ".terraformrc"
    assert config.token_for("app.terraform.io") is not None


def test_json_config_and_terraform_login_credentials(tmp_path: Path) -> None:
    rc = tmp_path / "rc.json"
    rc.write_text(json.dumps({"host": {"r.example.com": {"services": {"modules.v1": "/m/"}}}}), encoding="utf-8")
    (tmp_path / ".terraform.d").mkdir()
    (tmp_path / ".terraform.d" / "credentials.tfrc.json").write_text(
        json.dumps({"credentials": {"r.example.com": {"token": "login-token"}}}), encoding="utf-8")
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc), "HOME": str(tmp_path)})
    assert config.service_override("r.example.com", "modules.v1") == "/m/"
    token = config.token_for("r.example.com")
    assert token is not None and token.reveal() == "login-token"


@pytest.mark.parametrize(("suffix", "host"), [
    ("app_terraform_io", "app.terraform.io"),
    ("my__registry_example_com", "my-registry.example.com"),
    ("a__b__c_example_com", "a-b-c.example.com"),
    ("xn--r8jz45g_jp", "xn--r8jz45g.jp"),
    ("例え_jp", "xn--r8jz45g.jp"),
    ("EXAMPLE_COM", "example.com"),
    ("bad___name", None),  # an odd run of underscores names no valid host
])
def test_tf_token_variable_encoding(suffix: str, host: str | None) -> None:
    assert token_variable_host(suffix) == host


def test_environment_token_wins_over_the_file(tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    rc.write_text(RC, encoding="utf-8")
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc), "TF_TOKEN_registry_example_corp": "env-token-789",
                              "TF_TOKEN_other__host_example_com": "other"})
    token = config.token_for("registry.example.corp")
    assert token is not None and token.reveal() == "env-token-789"
    assert config.token_for("other-host.example.com") is not None


def test_tokens_never_appear_in_reprs_or_notes(tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    rc.write_text(RC + '\ncredentials "broken" { token = \n', encoding="utf-8")  # unparsable: a note
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc), "TF_TOKEN_example_com": "env-secret-000"})
    assert len(config.notes) == 1
    rc.write_text(RC, encoding="utf-8")
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc), "TF_TOKEN_example_com": "env-secret-000"})
    shown = repr(config) + str(config) + " ".join(config.notes) + f"{config.token_for('example.com')}"
    for secret in ("file-token-123", "tfc-token-456", "env-secret-000"):
        assert secret not in shown
    assert repr(Secret("abc")) == "Secret('***')" and "abc" not in f"{Secret('abc')!s}"


def test_unparsable_file_is_a_note_that_does_not_quote_it(tmp_path: Path) -> None:
    rc = tmp_path / "rc"
    rc.write_text('credentials "x.com" { token = "leaky-secret" \n', encoding="utf-8")
    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc)})
    assert len(config.notes) == 1 and "leaky-secret" not in config.notes[0]


def test_settings_for_the_user_read_the_cli_configuration(tmp_path: Path) -> None:
    from natpolicy.loaders.modsource import Settings

    rc = tmp_path / "rc"
    rc.write_text(RC, encoding="utf-8")
    settings = Settings.for_user(online=False, env={"TF_CLI_CONFIG_FILE": str(rc), "HOME": str(tmp_path)})
    assert settings.cli_config.token_for("app.terraform.io") is not None
    assert settings.online is False and settings.cache_root() == tmp_path / ".cache" / "natpolicy" / "modules"
    assert "tfc-token-456" not in repr(settings)
