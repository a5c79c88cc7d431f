"""A rule that sends events back to its own bus, directly or through a chain of buses.

An event forwarded to a bus keeps its content, so if it reaches the bus it came from, the same rule
matches it again, forever (AWS's pattern guide: "Avoid writing infinite loops"). A target that
rewrites the event (Input, InputPath, InputTransformer) may break the loop, so that case is reported
as a risk, not a certainty.
"""

from __future__ import annotations

from collections import deque

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import Rule, Target, TargetKind


def _forwards_unchanged(target: Target) -> bool:
    return not (target.input or target.input_path or target.input_transformer)


def _path_back(graph: Graph, start: str, goal: str) -> list[str] | None:
    """The shortest chain of forwarding rules from ``start`` to ``goal`` (breadth first)."""
    frontier, seen = deque([[start]]), {start}
    while frontier:
        path = frontier.popleft()
        if path[-1] == goal:
            return path
        for nxt in graph.forwards_from(path[-1]):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append([*path, nxt])
    return None


def _loop(rule: Rule, graph: Graph, unchanged: bool) -> Verdict:
    bus_targets = [
        t
        for t in rule.targets
        if t.kind is TargetKind.EVENT_BUS and t.resource and _forwards_unchanged(t) == unchanged
    ]
    if not bus_targets or not rule.enabled:
        return Compliance.NOT_APPLICABLE
    for target in bus_targets:
        path = _path_back(graph, target.resource, rule.bus)  # type: ignore[arg-type]
        if path is not None:
            route = " -> ".join([rule.bus, *path])
            how = "unchanged" if unchanged else "after rewriting them"
            return NonCompliant(f"target {target.target_id} forwards matched events {how}: {route}")
    return Compliance.COMPLIANT


def event_loop(rule: Rule, graph: Graph) -> Verdict:
    """Forwarded unchanged: the rule matches its own output again (certain loop)."""
    return _loop(rule, graph, unchanged=True)


def event_loop_after_rewrite(rule: Rule, graph: Graph) -> Verdict:
    """Forwarded after Input/InputPath/InputTransformer: a loop if the rewrite still matches."""
    return _loop(rule, graph, unchanged=False)
