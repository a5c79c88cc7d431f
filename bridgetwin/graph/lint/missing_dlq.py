"""A target without a dead-letter queue drops what it cannot deliver (a rule's, or a Scheduler
schedule's: both drop an event silently once their retry policy gives up)."""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, Invoker, NonCompliant, Verdict, targets_of


def missing_dlq(owner: Invoker, graph: Graph) -> Verdict:
    targets = targets_of(owner)
    missing = [t.target_id for t in targets if t.dead_letter_queue is None]
    if not targets:
        return Compliance.NOT_APPLICABLE
    if missing:
        return NonCompliant(f"target(s) {', '.join(missing)} have no DeadLetterConfig")
    return Compliance.COMPLIANT
