"""A Mermaid flowchart of one NAT finding, for the markdown report (GitHub renders ```mermaid blocks).

Subnets → route tables → the deleted gateway (marked), and what each table
has after apply: no egress (a blackhole or no route), a gateway that is
deleted too, or the new gateway of a replacement. Route tables that the
live account shows outside the plan (``--live``) are drawn with dashed
edges. At most ``MAX_NODES`` nodes; past that one "+N more" node says how
many were left out.

Labels come from the plan (addresses, ids): each is put in double quotes
with Mermaid's entity codes for the characters that could end the label or
the fenced block, so a hostile address cannot add nodes, links or text.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from natpolicy.findings import Finding

__all__ = ["MAX_NODES", "nat_diagram"]

MAX_NODES = 24
_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "#": "#35;", "&": "#amp;", "|": "#124;",
             "[": "#91;", "]": "#93;", "{": "#123;", "}": "#125;", "\\": "#92;"}
_AFTER = {
    "no_route": "no route after apply",
    "blackhole": "blackhole: the route stays on the deleted gateway",
    "target_deleted": "its new target is deleted too",
    "igw_not_public": "internet gateway, but the subnets have no public IPs",
    "private_nat": "a private NAT gateway: no internet egress",
    "no_egress": "no egress after apply",
}


def nat_diagram(finding: Finding) -> str | None:
    """The ```mermaid block for ``finding`` (a NAT rule's), or ``None`` when it names no gateway."""
    details = finding.details
    gateway_id = details.get("gateway_id")
    if not isinstance(gateway_id, str) and not finding.address:
        return None
    chart = _Chart()
    deleted = "replaced destroy-before-create" if finding.rule_id == "NAT002" else "deleted"
    gw = chart.node(f"{gateway_id or ''} {finding.address}".strip() + f" — {deleted}", shape="hex",
                    css="deleted")
    managed = [t for t in details.get("route_tables") or [] if isinstance(t, Mapping)]
    live = _live_tables(details, managed)
    new_gateway: str | None = None
    for table in managed:
        if chart.is_full():
            break
        rt = chart.node(_table_label(table), css="table")
        chart.edge(rt, gw, ", ".join(str(d) for d in table.get("destinations") or []))
        for subnet in table.get("subnets") or []:
            if chart.is_full():
                break
            label = subnet.get("address") or subnet.get("id") if isinstance(subnet, Mapping) else subnet
            chart.edge(chart.node(str(label or "?"), css="subnet"), rt)
        reason = table.get("reason")
        if finding.rule_id == "NAT002":
            new_gateway = new_gateway or chart.node("new gateway, minutes later", shape="round", css="egress")
            chart.edge(rt, new_gateway, "after apply", dotted=True)
        elif isinstance(reason, str):
            chart.edge(rt, chart.node(_AFTER.get(reason, reason), shape="round", css="lost"), "after apply",
                       dotted=True)
    for table in live:
        if chart.is_full():
            break
        rt = chart.node(_table_label(table) + " — not managed here", css="live")
        chart.edge(rt, gw, ", ".join(str(d) for d in table.get("destinations") or []), dashed=True)
        for subnet in table.get("subnets") or []:
            if chart.is_full():
                break
            chart.edge(chart.node(str(subnet), css="subnet"), rt, dashed=True)
    if not managed and not live:
        chart.edge(chart.node("route tables not in this plan", shape="round", css="lost"), gw, dashed=True)
    wanted = len(managed) + len(live) + sum(len(t.get("subnets") or []) for t in (*managed, *live))
    return chart.render(left_out=max(0, wanted - chart.counted))


def _live_tables(details: Mapping[str, Any], managed: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Live tables outside the plan: NAT004's own list, or the ``--live`` evidence on a NAT001/NAT002 finding."""
    seen = {str(t.get("id")) for t in managed}
    found = list(details.get("live_route_tables") or [])
    live = details.get("live")
    if isinstance(live, Mapping):
        found += [t for t in live.get("route_tables") or [] if isinstance(t, Mapping) and not t.get("managed_here")]
    out: list[Mapping[str, Any]] = []
    for table in found:
        if isinstance(table, Mapping) and str(table.get("id")) not in seen:
            seen.add(str(table.get("id")))
            out.append(table)
    return out


def _table_label(table: Mapping[str, Any]) -> str:
    parts = [str(p) for p in (table.get("address"), table.get("id")) if p]
    if table.get("name"):
        parts.append(f"({table['name']})")
    if table.get("main") or table.get("main_route_table"):
        parts.append("main table")
    return " ".join(parts) or "route table"


class _Chart:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ids: dict[tuple[str, str], str] = {}
        self.counted = 0  # tables and subnets drawn (the gateway and outcome nodes are not counted)

    def is_full(self) -> bool:  # a method: mypy would narrow a property across the loops
        return len(self.ids) >= MAX_NODES

    def node(self, label: str, *, shape: str = "box", css: str) -> str:
        key = (css, label)
        if key in self.ids:
            return self.ids[key]
        node_id = f"n{len(self.ids)}"
        self.ids[key] = node_id
        if css in ("table", "live", "subnet"):
            self.counted += 1
        text = _quoted(label)
        body = {"box": f"[{text}]", "round": f"([{text}])", "hex": f"{{{{{text}}}}}"}[shape]
        self.lines.append(f"    {node_id}{body}:::{css}")
        return node_id

    def edge(self, source: str, target: str, label: str = "", *, dashed: bool = False, dotted: bool = False) -> None:
        arrow = "-.->" if dashed or dotted else "-->"
        text = f"|{_quoted(label)}|" if label else ""
        self.lines.append(f"    {source} {arrow}{text} {target}")

    def render(self, *, left_out: int) -> str:
        lines = ["```mermaid", "flowchart LR", *self.lines]
        if left_out:
            lines.append(f"    more[{_quoted(f'+{left_out} more')}]:::more")
        lines += [
            "    classDef deleted fill:#fde2e1,stroke:#c62828,stroke-width:3px,color:#000",
            "    classDef table fill:#e3f2fd,stroke:#1565c0,color:#000",
            "    classDef live fill:#fff8e1,stroke:#f9a825,stroke-dasharray:5 5,color:#000",
            "    classDef subnet fill:#f1f8e9,stroke:#558b2f,color:#000",
            "    classDef lost fill:#fff,stroke:#c62828,stroke-dasharray:3 3,color:#c62828",
            "    classDef egress fill:#e8f5e9,stroke:#2e7d32,color:#000",
            "    classDef more fill:#eee,stroke:#999,color:#333",
            "```",
        ]
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    clean = " ".join(str(text).split())[:120]
    return '"' + "".join(_ENTITIES.get(ch, ch) for ch in clean) + '"'
