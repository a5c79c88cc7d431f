"""A DLQ must be a standard SQS queue in the rule's Region (eventbridge-facts §3); Scheduler
does not take a FIFO queue as a schedule's DLQ either."""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, Invoker, NonCompliant, Verdict, targets_of
from bridgetwin.graph.nodes import Rule
from bridgetwin.graph.service_nodes import Queue


def dlq_constraints(rule: Invoker, graph: Graph) -> Verdict:
    queues = [
        (t.target_id, graph.get(t.dead_letter_queue))
        for t in targets_of(rule)
        if t.dead_letter_queue and t.dead_letter_queue in {q.id for q in graph.queues}
    ]
    if not queues:
        return Compliance.NOT_APPLICABLE
    problems = []
    for target_id, queue in queues:
        assert isinstance(queue, Queue)
        if queue.fifo:
            problems.append(f"{target_id}: {queue.id} is FIFO (SQS FIFO is not supported by DLQs)")
        if isinstance(rule, Rule) and queue.region and queue.region != rule.region:
            problems.append(
                f"{target_id}: {queue.id} is in {queue.region}, the rule in {rule.region}"
            )
    return NonCompliant("; ".join(problems)) if problems else Compliance.COMPLIANT
