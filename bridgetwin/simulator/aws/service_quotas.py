"""What a target service accepts per second, and what it answers beyond: throttling.

EventBridge delivers to AWS services with their own APIs, and those APIs have quotas. An
invocation over the quota is refused with a throttling error, which EventBridge retries under
the rule's retry policy like any retryable error (eventbridge-facts §1), so a target's quota
turns into retries, latency and, past the retry window, DLQ messages. The twin applies, per
target resource and shared by every rule that targets it (one lane), a token bucket that
*rejects* what does not conform (a GCRA without delay):

=====================  ==========================================  =====================
target                 quota (AWS's default; per resource)         what we read it from
=====================  ==========================================  =====================
SQS FIFO queue         300 SendMessage calls/s (one message each)  SQS FIFO quotas
Kinesis stream         1,000 records/s per shard (on-demand: 4,000 Kinesis shard limits
                       at first)
Step Functions         StartExecution: STANDARD bucket 1,300       Step Functions quotas
                       refilled at 300/s in us-east-1, us-west-2,  (API throttling)
                       eu-west-1, else 800 at 150/s; EXPRESS
                       6,000 at 6,000/s
SQS standard, SNS,     none modeled (SNS's Publish and Logs'        -
Lambda, Logs, others   PutLogEvents quotas are the account's in a
                       Region: the result says so; set a share per
                       target)
=====================  ==========================================  =====================

These are the published defaults as we read them (accounts raise them; high-throughput FIFO
queues have far higher limits): every one is listed in the result's assumptions when it
applies, and ``targets[].quota`` / ``quota_burst`` replace it. A refused invocation costs a few
milliseconds (``REFUSAL_LATENCY``).
"""

from __future__ import annotations

import math

from bridgetwin.graph import Graph, Queue, StateMachine, Stream, Target, TargetKind

REFUSAL_LATENCY = 0.005
"""How long a throttled call takes to be refused (UNCONFIRMED)."""
_BIG_THREE = ("us-east-1", "us-west-2", "eu-west-1")


class RejectingBucket:
    """A token bucket of ``rate`` per second and ``burst`` tokens that refuses (never delays)
    requests beyond it; requests must come in time order."""

    __slots__ = ("_increment", "_tat", "_tolerance", "burst", "rate")

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._increment = 1.0 / rate
        self._tolerance = (burst - 1) / rate
        self._tat = -math.inf

    def take(self, at: float) -> bool:
        """Whether a request at ``at`` conforms (and then takes its token)."""
        if at < self._tat - self._tolerance - 1e-9:
            return False
        self._tat = max(at, self._tat) + self._increment
        return True


def default_quota(graph: Graph, target: Target, region: str) -> tuple[float, float, str] | None:
    """(rate per second, burst, description) of the target's documented quota, if any."""
    node = graph.find(target.resource) if target.resource else None
    if target.kind is TargetKind.SQS and (
        (isinstance(node, Queue) and node.fifo) or target.arn.endswith(".fifo")
    ):
        return 300.0, 300.0, "SQS FIFO: 300 messages/s per queue without batching"
    if target.kind is TargetKind.KINESIS:
        if isinstance(node, Stream) and node.shards is not None:
            rate = 1000.0 * node.shards
            return rate, rate, f"Kinesis: 1,000 records/s per shard x {node.shards} shard(s)"
        return 4000.0, 4000.0, "Kinesis on-demand (or unknown): 4,000 records/s at first"
    if target.kind is TargetKind.STEP_FUNCTIONS:
        if isinstance(node, StateMachine) and node.express:
            return 6000.0, 6000.0, "Step Functions EXPRESS StartExecution: 6,000/s"
        if region in _BIG_THREE:
            return 300.0, 1300.0, "Step Functions StartExecution: bucket 1,300, refill 300/s"
        return 150.0, 800.0, "Step Functions StartExecution: bucket 800, refill 150/s"
    return None
