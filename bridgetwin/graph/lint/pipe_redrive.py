"""A pipe reading an SQS queue without a redrive policy retries a failing record until the queue's
retention period ends, then SQS deletes it.

For an SQS source a pipe has no dead-letter queue of its own: a record whose invocation fails
goes back to the queue and is received again after the visibility timeout; only the queue's
``RedrivePolicy`` (``maxReceiveCount``, ``deadLetterTargetArn``) moves it aside. Without one, a
record the target keeps refusing is retried for up to the retention period (4 days by default),
costing an invocation every visibility timeout, and is then lost without a trace.
"""

from __future__ import annotations

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.service_nodes import Pipe, Queue


def pipe_redrive(pipe: Pipe, graph: Graph) -> Verdict:
    queue = graph.find(pipe.source or "")
    if pipe.source_kind != "sqs" or not isinstance(queue, Queue):
        return Compliance.NOT_APPLICABLE
    if queue.redrive_dlq is not None:
        return Compliance.COMPLIANT
    days = queue.message_retention_seconds / 86_400
    return NonCompliant(
        f"its source {queue.id} has no RedrivePolicy, so a record the target keeps refusing is "
        f"received again every {queue.visibility_timeout_seconds} s for {days:g} days (the "
        "retention period), then deleted"
    )
