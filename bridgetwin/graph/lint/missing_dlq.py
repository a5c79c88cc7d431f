"""A target without a dead-letter queue drops what it cannot deliver."""

from __future__ import annotations

from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.model import Graph
from bridgetwin.graph.nodes import Rule


def missing_dlq(rule: Rule, graph: Graph) -> Verdict:
    missing = [t.target_id for t in rule.targets if t.dead_letter_queue is None]
    if not rule.targets:
        return Compliance.NOT_APPLICABLE
    if missing:
        return NonCompliant(f"target(s) {', '.join(missing)} have no DeadLetterConfig")
    return Compliance.COMPLIANT
