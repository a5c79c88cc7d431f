"""A dead-letter queue must let EventBridge send to it (eventbridge-facts §3).

EventBridge puts undeliverable events in a target's DLQ as ``events.amazonaws.com``, on behalf
of the rule. Without an ``Allow`` for ``sqs:SendMessage`` to that principal (and, where the policy
narrows ``aws:SourceArn``, for this rule), the events are lost after all and only the
``InvocationsFailedToBeSentToDlq`` metric says so. Only queues in the loaded templates are
checked; an explicit ``Deny`` is not weighed (AWS's default is to deny, which is what we look for).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.nodes import Rule
from bridgetwin.graph.service_nodes import Queue

_SERVICE = "events.amazonaws.com"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_ok(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return _SERVICE in _listed(principal.get("Service")) or "*" in _listed(principal.get("AWS"))


def _action_ok(action: Any) -> bool:
    return any(
        isinstance(a, str) and fnmatchcase("sqs:sendmessage", a.lower()) for a in _listed(action)
    )


def _source_ok(condition: Any, forms: tuple[str, ...]) -> bool:
    """Every aws:SourceArn condition admits this rule (by its ARN, or ``${Rule.Arn}``)."""
    if not isinstance(condition, dict):
        return True
    for operator, checks in condition.items():
        if not isinstance(checks, dict):
            continue
        for key, values in checks.items():
            if str(key).lower() != "aws:sourcearn":
                continue
            like = "like" in str(operator).lower()
            admitted = [
                v for v in _listed(values) if isinstance(v, str)
                and any(fnmatchcase(f, v) if like else f == v for f in forms)
            ]  # fmt: skip
            if not admitted:
                return False
    return True


def _allows(statement: Any, forms: tuple[str, ...]) -> bool:
    return (
        isinstance(statement, dict)
        and statement.get("Effect") == "Allow"
        and _principal_ok(statement.get("Principal"))
        and _action_ok(statement.get("Action"))
        and _source_ok(statement.get("Condition"), forms)
    )


def dlq_policy(rule: Rule, graph: Graph) -> Verdict:
    forms = (graph.rule_arn(rule), f"${{{rule.id.rsplit('/', 1)[-1]}.Arn}}")
    problems = []
    for target in rule.targets:
        queue = graph.find(target.dead_letter_queue) if target.dead_letter_queue else None
        if not isinstance(queue, Queue):
            continue  # no DLQ, or one outside the loaded templates
        policies = [p for p in graph.queue_policies if queue.id in p.queues]
        if not any(_allows(s, forms) for p in policies for s in p.statements):
            which = "has no queue policy" if not policies else "has a policy that does not"
            problems.append(
                f"target {target.target_id}'s DLQ {queue.id} {which}"
                + (" letting" if not policies else " let")
                + f" {_SERVICE} sqs:SendMessage from this rule"
            )
    if not problems:
        return Compliance.COMPLIANT
    return NonCompliant("; ".join(problems))
