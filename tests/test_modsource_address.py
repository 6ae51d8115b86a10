"""Module source addresses parsed as Terraform parses them (internal/addrs/module_source.go, go-getter detectors)."""
from __future__ import annotations

import pytest

from natpolicy.loaders.modsource import SourceKind, parse_source

R, G, H, L, U = SourceKind.REGISTRY, SourceKind.GIT, SourceKind.HTTP, SourceKind.LOCAL, SourceKind.UNSUPPORTED


@pytest.mark.parametrize(("raw", "path"), [
    ("./modules/vpc", "./modules/vpc"),
    ("../shared/vpc/", "../shared/vpc"),
    ("./a/../b", "./b"),
    (".\\modules\\vpc", "./modules/vpc"),
    ("..\\up", "../up"),
])
def test_local_paths(raw: str, path: str) -> None:
    source = parse_source(raw)
    assert (source.kind, source.path) == (L, path)


@pytest.mark.parametrize(("raw", "host", "ns", "name", "provider", "subdir"), [
    ("terraform-aws-modules/vpc/aws", "registry.terraform.io", "terraform-aws-modules", "vpc", "aws", ""),
    ("terraform-aws-modules/security-group/aws//modules/http-80", "registry.terraform.io",
     "terraform-aws-modules", "security-group", "aws", "modules/http-80"),
    ("app.terraform.io/acme/vpc/aws", "app.terraform.io", "acme", "vpc", "aws", ""),
    ("Registry.Example.COM:443/acme/vpc/aws", "registry.example.com", "acme", "vpc", "aws", ""),
    ("127.0.0.1:5000/acme/vpc/aws//a/./b", "127.0.0.1:5000", "acme", "vpc", "aws", "a/b"),
    ("例え.jp/acme/vpc/aws", "xn--r8jz45g.jp", "acme", "vpc", "aws", ""),
])
def test_registry_addresses(raw: str, host: str, ns: str, name: str, provider: str, subdir: str) -> None:
    source = parse_source(raw)
    assert source.kind is R
    assert (source.host, source.namespace, source.name, source.provider, source.subdir) == (
        host, ns, name, provider, subdir)


def test_registry_package_names_the_default_host_and_keeps_case() -> None:
    assert parse_source("acme/vpc/aws").package == parse_source("Registry.Terraform.IO/acme/vpc/aws").package
    assert parse_source("Acme/VPC/aws").package == "registry.terraform.io/Acme/VPC/aws"


@pytest.mark.parametrize("raw", [
    "acme/vpc/AWS",  # the target system is lower case only
    "acme/vpc",  # two parts: not a registry address, and go-getter finds nothing either
    "-acme/vpc/aws",
    "acme/vpc/aws/extra/parts",
    "localhost:8080/acme/vpc/aws",  # a registry host has at least one dot
    "xn--r8jz45g.jp/acme/vpc/aws",  # and is written in Unicode, never punycode
    "github.com/acme/vpc/aws",  # reserved for git
])
def test_not_registry(raw: str) -> None:
    assert parse_source(raw).kind is not R


@pytest.mark.parametrize(("raw", "url", "ref", "depth", "subdir"), [
    ("github.com/hashicorp/example", "https://github.com/hashicorp/example.git", "", None, ""),
    ("github.com/hashicorp/example?ref=v1.2.0", "https://github.com/hashicorp/example.git", "v1.2.0", None, ""),
    ("github.com/hashicorp/example//modules/vpc?ref=main", "https://github.com/hashicorp/example.git", "main", None,
     "modules/vpc"),
    # go-getter's GitHub detector turns path segments after the repository into the subdirectory.
    ("github.com/hashicorp/example/modules/vpc", "https://github.com/hashicorp/example.git", "", None, "modules/vpc"),
    ("bitbucket.org/acme/vpc", "https://bitbucket.org/acme/vpc.git", "", None, ""),
    ("git::https://example.com/vpc.git", "https://example.com/vpc.git", "", None, ""),
    ("git::https://example.com/vpc.git?ref=v1.2.0&depth=1", "https://example.com/vpc.git", "v1.2.0", 1, ""),
    ("git::https://example.com/network.git//modules/vpc?ref=v1", "https://example.com/network.git", "v1", None,
     "modules/vpc"),
    ("git::ssh://git@example.com/storage.git", "ssh://git@example.com/storage.git", "", None, ""),
    ("git@github.com:hashicorp/example.git", "ssh://git@github.com/hashicorp/example.git", "", None, ""),
    ("git@github.com:hashicorp/example.git//sub?ref=v2", "ssh://git@github.com/hashicorp/example.git", "v2", None,
     "sub"),
    ("git::https://example.com/vpc.git?ref=51d462976d84fdea54b47d80dcabbf680badcdb8",
     "https://example.com/vpc.git", "51d462976d84fdea54b47d80dcabbf680badcdb8", None, ""),
    ("git::file:///srv/mirrors/vpc.git?ref=v1", "file:///srv/mirrors/vpc.git", "v1", None, ""),
    ("git::https://example.com/vpc.git?depth=x", "https://example.com/vpc.git", "", None, ""),
])
def test_git_sources(raw: str, url: str, ref: str, depth: int | None, subdir: str) -> None:
    source = parse_source(raw)
    assert source.kind is G, source.reason
    assert (source.url, source.ref, source.depth, source.subdir) == (url, ref, depth, subdir)


@pytest.mark.parametrize(("raw", "url", "archive", "subdir"), [
    ("https://example.com/vpc-module.zip", "https://example.com/vpc-module.zip", "zip", ""),
    ("https://example.com/vpc.tar.gz", "https://example.com/vpc.tar.gz", "tar.gz", ""),
    ("https://example.com/vpc.tgz//modules/a", "https://example.com/vpc.tgz", "tgz", "modules/a"),
    ("https://example.com/vpc.tar.bz2", "https://example.com/vpc.tar.bz2", "tar.bz2", ""),
    ("https://example.com/vpc.tar.xz", "https://example.com/vpc.tar.xz", "tar.xz", ""),
    ("https://example.com/vpc-module?archive=zip", "https://example.com/vpc-module", "zip", ""),
    ("https://example.com/get?x=1&archive=tar.gz", "https://example.com/get?x=1", "tar.gz", ""),
    ("https://example.com/vpc-module", "https://example.com/vpc-module", "", ""),
    ("http://127.0.0.1:8080/m.zip", "http://127.0.0.1:8080/m.zip", "zip", ""),
])
def test_http_sources(raw: str, url: str, archive: str, subdir: str) -> None:
    source = parse_source(raw)
    assert source.kind is H, source.reason
    assert (source.url, source.archive, source.subdir) == (url, archive, subdir)


@pytest.mark.parametrize(("raw", "reason"), [
    ("s3::https://s3-eu-west-1.amazonaws.com/examplecorp/vpc.zip", "s3:: getter is not supported"),
    ("bucket.s3-eu-west-1.amazonaws.com/vpc/vpc.zip", "s3:: getter is not supported"),
    ("gcs::https://www.googleapis.com/storage/v1/modules/foomodule.zip", "gcs:: getter is not supported"),
    ("www.googleapis.com/storage/v1/modules/foomodule.zip", "gcs:: getter is not supported"),
    ("hg::http://example.com/vpc.hg", "hg:: getter is not supported"),
    ("/abs/path/vpc", "names this machine's disk"),
    ("modules/vpc", "must begin with ./ or ../"),
    ("file:///abs/path", "names this machine's disk"),
    ("git::ext::sh -c touch% /tmp/pwned", "not allowed"),
    ("git::https://example.com/vpc.git?sshkey=AAAA", "sshkey"),
    ("git::https://example.com/vpc.git//../../etc", "outside of the module package"),
    ("git::https://example.com/vpc.git?ref=--upload-pack=touch", "may not start with '-'"),
    ("https://example.com/vpc.gz", "single file"),
    ("https://example.com/vpc?archive=rar", "unknown archive type"),
    ("ftp://example.com/vpc.zip", "no supported getter"),
])
def test_unsupported_sources_carry_one_line_reason(raw: str, reason: str) -> None:
    source = parse_source(raw)
    assert source.kind is U
    assert reason in source.reason
    assert "\n" not in source.reason


def test_display_hides_password_in_url() -> None:
    source = parse_source("git::https://user:hunter2@example.com/vpc.git")
    assert source.kind is G
    assert "hunter2" not in source.display
    assert source.display == "git::https://user:***@example.com/vpc.git"


def test_same_package_same_key_whatever_the_spelling() -> None:
    assert parse_source("github.com/acme/vpc?ref=v1").package == parse_source(
        "git::https://github.com/acme/vpc.git?ref=v1").package
