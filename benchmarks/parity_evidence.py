"""What parity.py's causes read: the inputs themselves, never natpolicy's verdict logic.

A cause files a disagreement under "natpolicy is right". If its classifier
asked natpolicy's own CIDR logic or loader whether that is so, a natpolicy
bug would vouch for itself: an audit mutation that made natpolicy call every
``/8`` the internet was filed as a Checkov split-CIDR miss. So this module
reads plan JSON and ``.tf`` text with the standard library alone: which
ranges cover the internet (``ipaddress.collapse_addresses``), which ports an
ingress entry opens, what the plan says is unknown, which flow log names
which VPC, whether default EBS encryption is on.

The one thing taken from natpolicy is its *evaluation* of Terraform code
(``HclFacts`` users pass natpolicy's evaluated values): re-implementing
Terraform's expression language here would be a second natpolicy. Those
causes still check literally that Checkov saw an expression, and judge the
evaluated values with the independent checks below.
"""
from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
QUESTION_PORTS: Mapping[str, int | None] = {"sg:22": 22, "sg:3389": 3389, "sg:80": 80, "sg:all": None}
# The strings AbsSecurityGroupUnrestrictedIngress compares against.
CHECKOV_INTERNET = frozenset({"0.0.0.0/0", "::/0", "0000:0000:0000:0000:0000:0000:0000:0000/0"})


# -- security group entries --------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One ingress permission: an inline block, or a rule resource itself."""

    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[str, ...]  # IPv4 and IPv6 ranges as written
    values: Mapping[str, Any]  # the block or resource it was read from
    index: int | None = None  # position among a group's inline blocks


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def entries(resource_type: str, values: Any) -> list[Entry]:
    if not isinstance(values, Mapping):
        return []
    if resource_type in GROUP_TYPES:
        blocks = values.get("ingress")
        if not isinstance(blocks, list):
            return []
        return [Entry(b.get("protocol"), b.get("from_port"), b.get("to_port"),
                      tuple(_strings(b.get("cidr_blocks")) + _strings(b.get("ipv6_cidr_blocks"))), b, i)
                for i, b in enumerate(blocks) if isinstance(b, Mapping)]
    if resource_type == "aws_security_group_rule":
        if values.get("type") != "ingress":
            return []
        return [Entry(values.get("protocol"), values.get("from_port"), values.get("to_port"),
                      tuple(_strings(values.get("cidr_blocks")) + _strings(values.get("ipv6_cidr_blocks"))), values)]
    if resource_type == "aws_vpc_security_group_ingress_rule":
        return [Entry(values.get("ip_protocol"), values.get("from_port"), values.get("to_port"),
                      tuple(_strings(values.get("cidr_ipv4")) + _strings(values.get("cidr_ipv6"))), values)]
    return []


def covers_internet(sources: Iterable[str]) -> bool:
    """Does the union of ``sources`` hold every IPv4 or every IPv6 address?"""
    families: dict[int, list[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {4: [], 6: []}
    for text in sources:
        try:
            net = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue
        families[net.version].append(net)
    return any(net.prefixlen == 0 for nets in families.values() if nets
               for net in ipaddress.collapse_addresses(nets))  # type: ignore[type-var]


def port(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def protocol(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip().lower()


def every_protocol(entry: Entry) -> bool:
    return protocol(entry.protocol) in ("-1", "all")


def exposes(entry: Entry, question: str) -> bool:
    """Does the entry let the question's traffic in (from wherever its sources say)?

    ``-1`` is every protocol and port; TCP and UDP open ``from_port..to_port``
    (AWS refuses a range whose start is above its end, so that opens nothing).
    ``sg:all`` asks about protocol ``-1`` only, as CKV_AWS_277 does.
    """
    if every_protocol(entry):
        return True
    wanted = QUESTION_PORTS[question]
    if wanted is None or protocol(entry.protocol) not in ("tcp", "udp", "6", "17"):
        return False
    low, high = port(entry.from_port), port(entry.to_port)
    return low is not None and high is not None and low <= wanted <= high


def open_to(entry: Entry, question: str) -> bool:
    return covers_internet(entry.sources) and exposes(entry, question)


# -- plans ---------------------------------------------------------------------------
class Default(enum.Enum):
    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')


def config_path(address: str) -> tuple[tuple[str, ...], str]:
    """``module.a["x"].module.b.aws_x.y[0]`` -> (("a", "b"), "aws_x.y")."""
    parts = _KEY.sub("", address).split(".")
    modules: list[str] = []
    while len(parts) > 2 and parts[0] == "module":
        modules.append(parts[1])
        parts = parts[2:]
    return tuple(modules), ".".join(parts)


@dataclass
class PlanFacts:
    """One plan JSON document, read as it is written."""

    changes: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # address -> resource_changes item
    prior: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # address -> prior_state resource
    planned: frozenset[str] = frozenset()
    config: Mapping[str, Any] = field(default_factory=dict)  # configuration.root_module

    @classmethod
    def read(cls, path: Path) -> PlanFacts | None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            return None
        if not isinstance(doc, dict):
            return None
        facts = cls()
        for item in doc.get("resource_changes") or ():
            if isinstance(item, dict) and isinstance(item.get("address"), str) and not item.get("deposed"):
                facts.changes[item["address"]] = item
        prior = ((doc.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
        facts.prior = {r["address"]: r for r in _module_resources(prior) if isinstance(r.get("address"), str)}
        planned = (doc.get("planned_values") or {}).get("root_module") or {}
        facts.planned = frozenset(r["address"] for r in _module_resources(planned) if isinstance(r.get("address"), str))
        facts.config = (doc.get("configuration") or {}).get("root_module") or {}
        return facts

    # -- one resource --
    def actions(self, address: str) -> tuple[str, ...]:
        change = self.changes.get(address)
        if change is None:
            return ("no-op",) if address in self.prior else ()
        actions = (change.get("change") or {}).get("actions") or ()
        return tuple(a for a in actions if isinstance(a, str))

    def exists_after(self, address: str) -> bool:
        actions = self.actions(address)
        return bool(actions) and actions not in (("delete",), ("forget",))

    def creating(self, address: str) -> bool:
        return "create" in self.actions(address)

    def values(self, address: str) -> Mapping[str, Any]:
        """The values after apply (for an unchanged resource, its state)."""
        change = self.changes.get(address)
        if change is not None:
            after = (change.get("change") or {}).get("after")
            return after if isinstance(after, Mapping) else {}
        values = (self.prior.get(address) or {}).get("values")
        return values if isinstance(values, Mapping) else {}

    def before(self, address: str) -> Mapping[str, Any]:
        change = self.changes.get(address)
        before = (change.get("change") or {}).get("before") if change is not None else None
        if isinstance(before, Mapping):
            return before
        values = (self.prior.get(address) or {}).get("values")
        return values if isinstance(values, Mapping) else {}

    def unknown(self, address: str) -> Mapping[str, Any]:
        change = self.changes.get(address)
        mask = (change.get("change") or {}).get("after_unknown") if change is not None else None
        return mask if isinstance(mask, Mapping) else {}

    def type_of(self, address: str) -> str:
        item = self.changes.get(address) or self.prior.get(address) or {}
        return str(item.get("type") or config_path(address)[1].split(".")[0])

    def addresses(self, *types: str) -> Iterator[str]:
        """Every resource of ``types`` that exists after apply."""
        for address in {*self.changes, *self.prior}:
            item = self.changes.get(address) or self.prior.get(address) or {}
            if item.get("mode", "managed") == "managed" and item.get("type") in types and self.exists_after(address):
                yield address

    # -- configuration --
    def module_config(self, modules: tuple[str, ...]) -> Mapping[str, Any] | None:
        node: Any = self.config
        for name in modules:
            calls = node.get("module_calls") if isinstance(node, Mapping) else None
            node = ((calls or {}).get(name) or {}).get("module")
            if not isinstance(node, Mapping):
                return None
        return node if isinstance(node, Mapping) else None

    def expressions(self, address: str) -> Mapping[str, Any] | None:
        """The configuration's expressions for the resource; ``None`` when the plan has none."""
        modules, local = config_path(address)
        node = self.module_config(modules)
        for res in (node or {}).get("resources") or ():
            if isinstance(res, Mapping) and res.get("address") == local:
                expressions = res.get("expressions")
                return expressions if isinstance(expressions, Mapping) else {}
        return None

    def default_encryption(self) -> Default:
        """Account default EBS encryption after apply, as the plan states it."""
        found = Default.OFF
        for address in self.addresses("aws_ebs_encryption_by_default"):
            enabled = self.values(address).get("enabled", True)
            if self.unknown(address).get("enabled") is True:
                found = Default.UNKNOWN
            elif enabled is True or enabled is None:  # the provider's default is true
                return Default.ON
        return found


def _module_resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    stack = [module]
    while stack:
        node = stack.pop()
        yield from (r for r in node.get("resources") or () if isinstance(r, Mapping))
        stack.extend(c for c in node.get("child_modules") or () if isinstance(c, Mapping))


def references(expression: Any) -> list[str]:
    """Every reference string in a configuration expression, at any depth."""
    found: list[str] = []
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            refs = node.get("references")
            if isinstance(refs, list):
                found.extend(r for r in refs if isinstance(r, str))
            stack.extend(v for k, v in node.items() if k != "references")
        elif isinstance(node, list):
            stack.extend(node)
    return found


# -- Terraform code ---------------------------------------------------------------------
_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=\s*(.*)$")
_LITERAL_SCALAR = re.compile(r'^(?:-?\d+(?:\.\d+)?|true|false|null|"(?:[^"\\$]|\\.|\$(?!\{))*")$')


def _strip_comment(line: str) -> str:
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif not in_string and (ch == "#" or line.startswith("//", i)):
            return line[:i].rstrip()
    return line.rstrip()


def is_literal(text: str) -> bool:
    """A constant Terraform value: a number, bool, null, plain string, or a list of those."""
    text = text.strip()
    if _LITERAL_SCALAR.match(text):
        return True
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip().rstrip(",")
        return not inner or all(_LITERAL_SCALAR.match(part.strip()) for part in inner.split(","))
    return False


def assignments(block: str) -> list[tuple[str, str]]:
    """(name, value text) of every ``name = value`` in a block, nested blocks included.

    A value that spans lines (a list, a conditional) is joined until its
    brackets balance.
    """
    found: list[tuple[str, str]] = []
    lines = [_strip_comment(line) for line in block.splitlines()]
    i = 0
    while i < len(lines):
        match = _ASSIGNMENT.match(lines[i])
        i += 1
        if not match:
            continue
        name, value = match.group(1), match.group(2)
        while _depth(value) > 0 and i < len(lines):
            value += " " + lines[i].strip()
            i += 1
        found.append((name, value.strip()))
    return found


def _depth(text: str) -> int:
    depth, in_string = 0, False
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            in_string = not in_string
        elif not in_string:
            depth += ch in "[({"
            depth -= ch in "])}"
    return depth


def block_at(path: Path, first: int, last: int) -> str:
    """Lines ``first..last`` (1-based, as Checkov reports them) of a file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[max(first - 1, 0):last])


_BLOCK_HEAD = r'^\s*{kind}\s+"{name}"\s*{{'


def named_block(directory: Path, kind: str, name: str) -> str:
    """The text of ``kind "name" { ... }`` (a module call, a variable, an output) in a directory's .tf files."""
    head = re.compile(_BLOCK_HEAD.format(kind=re.escape(kind), name=re.escape(name)), re.M)
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8", errors="replace")
        match = head.search(text)
        if match:
            return _balanced(text, match.end() - 1)
    return ""


def _balanced(text: str, start: int) -> str:
    depth, in_string = 0, False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"' and text[i - 1] != "\\":
            in_string = not in_string
        elif not in_string and ch == "{":
            depth += 1
        elif not in_string and ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return text[start:]


def variable_is_unset(directory: Path, name: str) -> bool:
    """A root-module variable without a default that no tfvars file sets: unknown until apply."""
    block = named_block(directory, "variable", name)
    if not block or any(attr == "default" for attr, _ in assignments(block)):
        return False
    set_here = re.compile(rf"^\s*{re.escape(name)}\s*=", re.M)
    tfvars = [directory / "terraform.tfvars", *sorted(directory.glob("*.auto.tfvars"))]
    return not any(p.is_file() and set_here.search(p.read_text(encoding="utf-8", errors="replace")) for p in tfvars)


def module_source(directory: Path, name: str) -> Path | None:
    for attr, value in assignments(named_block(directory, "module", name)):
        if attr == "source" and value.startswith(('"./', '"../')):
            return (directory / value.strip('"')).resolve()
    return None


__all__ = [
    "CHECKOV_INTERNET", "Default", "Entry", "GROUP_TYPES", "PlanFacts", "QUESTION_PORTS", "assignments",
    "block_at", "config_path", "covers_internet", "entries", "every_protocol", "exposes", "is_literal",
    "module_source", "named_block", "open_to", "port", "protocol", "references", "variable_is_unset",
]
