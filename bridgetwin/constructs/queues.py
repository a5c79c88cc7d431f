"""The dead-letter queue every bridgetwin construct (and app) uses: secure by default."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._nag import acknowledge


def dead_letter_queue(scope: Construct, construct_id: str, purpose: str) -> sqs.Queue:
    """A standard SQS queue for undeliverable events: SQS-managed encryption, TLS-only access,
    14 days of retention (the maximum, to leave time for a redrive). ``purpose`` says whose dead
    letters it holds; it is the reason cdk-nag's SQS3 (a queue without its own DLQ) does not
    apply."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is the dead-letter queue of {purpose}; a DLQ of a DLQ only moves the problem",
    )
    return queue
