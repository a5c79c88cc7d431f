"""SQS in the graph: queues (targets and dead-letter queues) and the policies that let EventBridge
send to them. A rule's DLQ receives nothing unless the queue's policy allows
``events.amazonaws.com`` to ``sqs:SendMessage`` (eventbridge-facts §3), so the policies are kept
for ``bridgetwin lint``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._values import render
from bridgetwin.graph.service_nodes import Queue, QueuePolicy


def build_queue(b: Build) -> Queue:
    if b.props.get("KmsMasterKeyId"):
        encryption = "kms"
    elif b.props.get("SqsManagedSseEnabled") in (False, "false"):
        encryption = "none"
    else:
        encryption = "sqs-managed"  # the default for new queues since 2022
    raw = b.props.get("RedrivePolicy")
    if isinstance(raw, str):  # CloudFormation takes the policy as an object or as JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raise b.error("is not JSON (an object or JSON text)", "RedrivePolicy") from None
    redrive = raw if isinstance(raw, Mapping) else {}
    target = redrive.get("deadLetterTargetArn")
    key = b.props.get("KmsMasterKeyId")
    return Queue(
        id=b.gid,
        name=b.name(b.props, "QueueName"),
        fifo=b.props.get("FifoQueue") in (True, "true"),
        encryption=encryption,
        message_retention_seconds=b.number(b.props, "MessageRetentionPeriod", 345_600),
        region=b.region,
        visibility_timeout_seconds=b.number(b.props, "VisibilityTimeout", 30, low=0,
                                            high=43_200, integer=True),
        max_receive_count=b.number(redrive, "maxReceiveCount", None, "RedrivePolicy.", low=1,
                                   high=1000, integer=True),
        redrive_dlq=(b.linker.link(target) or b.linker.text(target)) if target else None,
        kms_key=(b.linker.link(key) or b.linker.text(key)) if key else None,
    )  # fmt: skip


def build_queue_policy(b: Build) -> QueuePolicy:
    """``QueuePolicy`` (``Queues``: URLs) or ``QueueInlinePolicy`` (``Queue``: one URL)."""
    urls: Any = b.props.get("Queues")
    if urls is None:
        urls = [b.props.get("Queue")]
    if not isinstance(urls, list):
        raise b.error("must be a list of queue URLs", "Queues")
    queues = tuple(b.linker.link(u) or b.linker.text(u) for u in urls if u is not None)
    document = b.section(b.props, "PolicyDocument", "")
    statements = render(document.get("Statement") or [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise b.error("must be a list of statements", "PolicyDocument.Statement")
    return QueuePolicy(id=b.gid, queues=queues, statements=tuple(statements))
