"""``bridgetwin lint``: best-practice and correctness checks over a whole deployment.

Like cdk-nag, each rule is a pure function in a file of its own returning a verdict for one node;
the pack below gives each rule its code, severity and explanation. Every rule's pattern is also
checked with :func:`bridgetwin.patterns.lint`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph.custom_bus_nodes import FilterScope
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import GraphFinding, NonCompliant, invokers
from bridgetwin.graph.lint.dlq_constraints import dlq_constraints
from bridgetwin.graph.lint.dlq_policy import dlq_policy
from bridgetwin.graph.lint.endpoint_alarm import endpoint_alarm
from bridgetwin.graph.lint.endpoint_replication import endpoint_replication
from bridgetwin.graph.lint.event_loop import event_loop, event_loop_after_rewrite
from bridgetwin.graph.lint.inert_alarm import inert_alarm
from bridgetwin.graph.lint.missing_dlq import missing_dlq
from bridgetwin.graph.lint.pipe_redrive import pipe_redrive
from bridgetwin.graph.lint.plaintext_secret import (
    plaintext_secret,
    plaintext_target_secret,
    plaintext_url_secret,
)
from bridgetwin.graph.lint.retry_age_fit import retry_age_fit
from bridgetwin.graph.lint.shared_rate_limit import cross_stack_rate_limit, shared_rate_limit
from bridgetwin.graph.lint.subscriber_batch_payload import subscriber_batch_payload
from bridgetwin.graph.lint.subscriber_fifo_async import subscriber_fifo_async
from bridgetwin.graph.lint.subscriber_on_failure import (
    subscriber_fifo_on_failure,
    subscriber_without_on_failure,
)
from bridgetwin.graph.lint.subscriber_on_failure_access import subscriber_on_failure_access
from bridgetwin.graph.lint.subscriber_retry_defaults import subscriber_retry_implicit
from bridgetwin.graph.lint.subscriber_starting_point import subscriber_starting_point
from bridgetwin.patterns import Severity, lint

__all__ = ["PACK", "GraphFinding", "PackEntry", "lint_graph"]


@dataclass(frozen=True, slots=True)
class PackEntry:
    """A rule as this pack applies it: to which nodes, with which code, severity and why."""

    rule: Callable[[Any, Graph], Any]
    nodes: Callable[[Graph], tuple[Any, ...]]
    code: str
    severity: Severity
    explanation: str


_READABLE = "anyone who can read the template or stack can read the secret"

PACK: tuple[PackEntry, ...] = (
    PackEntry(
        event_loop, lambda g: g.rules, "event-loop", Severity.ERROR,
        "events it forwards reach its own bus again and match again, forever",
    ),
    PackEntry(
        event_loop_after_rewrite, lambda g: g.rules, "event-loop-risk", Severity.WARNING,
        "if the rewritten event still matches the pattern, it loops forever",
    ),
    PackEntry(
        missing_dlq, invokers, "missing-dlq", Severity.WARNING,
        "undeliverable events are dropped without a trace",
    ),
    PackEntry(
        pipe_redrive, lambda g: g.pipes, "pipe-source-without-redrive", Severity.WARNING,
        "what the target cannot take is retried for days and then lost without a trace",
    ),
    PackEntry(
        dlq_constraints, invokers, "invalid-dlq", Severity.ERROR,
        "EventBridge rejects this dead-letter queue",
    ),
    PackEntry(
        dlq_policy, lambda g: g.rules, "dlq-policy", Severity.ERROR,
        "undeliverable events then fail to reach the DLQ too (InvocationsFailedToBeSentToDlq)",
    ),
    PackEntry(
        retry_age_fit, lambda g: g.rules, "retry-age-too-short", Severity.WARNING,
        "the event-age limit stops retries before the attempt limit can",
    ),
    PackEntry(
        shared_rate_limit, lambda g: g.api_destinations, "shared-rate-limit", Severity.INFO,
        "rules targeting one API destination compete for its rate limit",
    ),
    PackEntry(
        plaintext_secret, lambda g: g.connections, "plaintext-secret", Severity.ERROR, _READABLE,
    ),
    PackEntry(
        plaintext_target_secret, lambda g: g.rules, "plaintext-secret", Severity.ERROR, _READABLE,
    ),
    PackEntry(
        plaintext_url_secret, lambda g: g.api_destinations, "plaintext-secret", Severity.ERROR,
        _READABLE,
    ),
    PackEntry(
        cross_stack_rate_limit, lambda g: g.api_destinations, "cross-stack-rate-limit",
        Severity.WARNING, "one stack's traffic throttles another's, which neither template shows",
    ),
    PackEntry(
        inert_alarm, lambda g: g.alarms, "inert-alarm", Severity.WARNING,
        "the alarm cannot follow what happens, so it will never tell you anything",
    ),
    PackEntry(
        endpoint_alarm, lambda g: g.endpoints, "endpoint-alarm-without-data",
        Severity.ERROR, "the endpoint's routing follows an alarm that cannot follow the Region",
    ),
    PackEntry(
        endpoint_replication, lambda g: g.endpoints, "endpoint-without-replication",
        Severity.WARNING, "AWS recommends replication so that failback is automatic",
    ),
    PackEntry(
        subscriber_retry_implicit, lambda g: g.subscribers, "subscriber-retry-implicit",
        Severity.WARNING, "a five-minute outage of the target then loses events",
    ),
    PackEntry(
        subscriber_without_on_failure, lambda g: g.subscribers, "subscriber-without-on-failure",
        Severity.WARNING, "only the EventsDropped metric records them",
    ),
    PackEntry(
        subscriber_on_failure_access, lambda g: g.subscribers, "subscriber-on-failure-access",
        Severity.ERROR, "the delivery role cannot write the on-failure queue",
    ),
    PackEntry(
        subscriber_fifo_on_failure, lambda g: g.subscribers, "subscriber-fifo-on-failure",
        Severity.WARNING, "the on-failure records of a FIFO subscriber lose their order",
    ),
    PackEntry(
        subscriber_starting_point, lambda g: g.subscribers, "subscriber-starting-point",
        Severity.ERROR, "CloudFormation would fail to create or update the subscriber",
    ),
    PackEntry(
        subscriber_fifo_async, lambda g: g.subscribers, "subscriber-fifo-async-lambda",
        Severity.WARNING, "the function may process a group's events out of order",
    ),
    PackEntry(
        subscriber_batch_payload, lambda g: g.subscribers, "subscriber-batch-payload",
        Severity.WARNING, "a handler written for one event fails on an array",
    ),
)  # fmt: skip


ENVELOPE_CODES = frozenset({"missing-source", "missing-detail-type"})
"""Pattern findings about the EventBridge envelope: a subscriber's METADATA and SYSTEM_METADATA
filters look at what the publisher or EventBridge attached, which has no source or detail-type."""


def lint_graph(graph: Graph) -> list[GraphFinding]:
    """Every finding for the deployment: pattern findings per rule, then the pack's rules."""
    findings = [
        GraphFinding(w.code, Severity.WARNING, w.message.split(":", 1)[0], w.message)
        for w in graph.warnings
    ]
    findings += [
        GraphFinding(
            f"pattern/{f.code}", f.severity, rule.id, f.message + (f" [{f.path}]" if f.path else "")
        )
        for rule in graph.rules
        if rule.pattern is not None
        for f in lint(rule.pattern)
    ]
    findings += [
        GraphFinding(f"pattern/{f.code}", f.severity, subscriber.id,
                     f"{flt.scope} filter: " + f.message + (f" [{f.path}]" if f.path else ""))
        for subscriber in graph.subscribers
        for flt in subscriber.filters
        for f in lint(flt.pattern)
        if flt.scope is FilterScope.DATA or f.code not in ENVELOPE_CODES
    ]  # fmt: skip
    for entry in PACK:
        for node in entry.nodes(graph):
            verdict = entry.rule(node, graph)
            if isinstance(verdict, NonCompliant):
                findings.append(
                    GraphFinding(
                        entry.code,
                        entry.severity,
                        node.id,
                        f"{verdict.detail}; {entry.explanation}",
                    )
                )
    return findings
