"""The dead-letter queue every bridgetwin construct (and app) uses: secure by default, and kept
when its stack is deleted, because deleting a stack must not delete the events it failed to
deliver."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._nag import acknowledge


def dead_letter_queue(
    scope: Construct,
    construct_id: str,
    purpose: str,
    *,
    removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
) -> sqs.Queue:
    """A standard SQS queue for undeliverable events: SQS-managed encryption, TLS-only access,
    14 days of retention (the maximum, to leave time for a redrive).

    Args:
        purpose: Whose dead letters it holds; it is the reason cdk-nag's SQS3 (a queue without
            its own DLQ) does not apply.
        removal_policy: What happens to the queue, and the events in it, when it leaves the
            stack. Default: RETAIN (the queue outlives the stack; delete it once it is empty).
    """
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
        removal_policy=removal_policy,
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is the dead-letter queue of {purpose}; a DLQ of a DLQ only moves the problem",
    )
    return queue
