"""A Custom Event Bus subscriber's delivery role must be able to write its on-failure queue and
use the queue's KMS key (custom-bus facts §2.6, lint candidate 8).

A Classic rule's DLQ is written by ``events.amazonaws.com`` under the queue's policy
(:mod:`.dlq_policy`); a subscriber's on-failure record is written as the subscriber's role. A
record the role cannot write is lost, and only the ``OnFailureDestinationFailed`` metric says
so. The role may send when one of its policies (inline, an ``AWS::IAM::Policy`` or
``ManagedPolicy`` attached to it) or the queue's policy allows ``sqs:SendMessage`` on the queue;
with a customer-managed key it also needs ``kms:GenerateDataKey`` and ``kms:Decrypt`` on the
key, from the key's policy, or from its own policies where the key policy leaves the account's
principals to IAM (a ``...:root`` principal, CDK's default).

Judged only when the queue, the role and the key are in the loaded templates and every policy
of the role is readable there: a role with an AWS-managed policy is not judged. An explicit
``Deny`` is not weighed.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.service_nodes import PolicyDocument, Queue

_ROLE_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _arn(graph_id: str) -> str:
    """How a template names the resource's ARN (``${LogicalId.Arn}``)."""
    return f"${{{graph_id.rsplit('/', 1)[-1]}.Arn}}"


def _allows(statement: Any, action: str, resources: tuple[str, ...]) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    actions = [a for a in _listed(statement.get("Action")) if isinstance(a, str)]
    patterns = [r for r in _listed(statement.get("Resource")) if isinstance(r, str)]
    return any(fnmatchcase(action, a.lower()) for a in actions) and any(
        fnmatchcase(form, pattern) for pattern in patterns for form in resources
    )


def _names(statement: Any, principal: str) -> bool:
    """Whether the statement's ``Principal`` names ``principal`` (or everyone)."""
    named = statement.get("Principal") if isinstance(statement, dict) else None
    if named == "*":
        return True
    return isinstance(named, dict) and any(p in ("*", principal) for p in _listed(named.get("AWS")))


def _role_statements(role: str, graph: Graph) -> list[Any] | None:
    """Every statement of the role's policies, or None when one of them cannot be read."""
    documents = {d.id: d for d in graph.permissions}
    own = documents.get(role)
    if own is None or own.type != "AWS::IAM::Role":
        return None
    attached = [d for d in graph.permissions if role in d.roles and d.type in _ROLE_TYPES]
    for name in own.managed:
        policy = documents.get(name)
        if policy is None:  # AWS-managed, or defined elsewhere: unreadable here
            return None
        attached.append(policy)
    return [s for d in attached for s in d.statements]


def _key_usable(key: PolicyDocument, role: str, statements: list[Any]) -> bool:
    grants = ("kms:generatedatakey", "kms:decrypt")
    principal, forms = _arn(role), (_arn(key.id), "*")
    direct = [s for s in key.statements if _names(s, principal)]
    if all(any(_allows({**s, "Resource": "*"}, g, ("*",)) for s in direct) for g in grants):
        return True
    delegated = any(  # the key policy leaves the account's principals to IAM
        s.get("Effect") == "Allow"
        and any(isinstance(p, str) and p.endswith(":root")
                for p in _listed(s["Principal"].get("AWS")))
        for s in key.statements if isinstance(s, dict) and isinstance(s.get("Principal"), dict)
    )  # fmt: skip
    return delegated and all(any(_allows(s, g, forms) for s in statements) for g in grants)


def subscriber_on_failure_access(subscriber: Subscriber, graph: Graph) -> Verdict:
    dlq = subscriber.target.dead_letter_queue
    queue = graph.find(dlq) if dlq else None
    if not isinstance(queue, Queue) or subscriber.role is None:
        return Compliance.COMPLIANT  # a queue or role outside the templates: not judged
    statements = _role_statements(subscriber.role, graph)
    if statements is None:
        return Compliance.COMPLIANT
    role, problems = subscriber.role, []
    queue_forms = (_arn(queue.id), "*")
    queue_policy = [s for p in graph.queue_policies if queue.id in p.queues for s in p.statements
                    if _names(s, _arn(role))]  # fmt: skip
    if not any(_allows(s, "sqs:sendmessage", queue_forms) for s in statements) and not any(
        _allows({**s, "Resource": "*"}, "sqs:sendmessage", ("*",)) for s in queue_policy
    ):
        problems.append(f"its role {role} may not sqs:SendMessage to its on-failure queue "
                        f"{queue.id}")  # fmt: skip
    key = next((d for d in graph.permissions if d.id == queue.kms_key and d.type ==
                "AWS::KMS::Key"), None)  # fmt: skip
    if key is not None and not _key_usable(key, role, statements):
        problems.append(f"its role {role} may not use the queue's key {key.id} "
                        "(kms:GenerateDataKey and kms:Decrypt)")  # fmt: skip
    if not problems:
        return Compliance.COMPLIANT
    return NonCompliant("; ".join(problems) + ": its on-failure records would be lost, counted "
                        "only by OnFailureDestinationFailed")  # fmt: skip
