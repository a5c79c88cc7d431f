"""The Custom Event Bus (``AWS::EventsV2::*``, since September 2026) in the deployment graph.

The new bus keeps every event for a retention period, and each **subscriber** reads it with its
own position: one set of filters (ANDed, each on one scope of the event: ``DATA``, ``METADATA``
or ``SYSTEM_METADATA``), one target, its own retry policy (AWS's defaults: 5 attempts or 300 s,
whichever ends first, every failure retried: ``RetryStrategy: ALL``), an SQS on-failure
destination, batching, ordering (``FIFO`` per event group, or ``UNORDERED``), a state
(``RUNNING``/``STOPPED``) and a starting position. Facts and their sources:
``shared/reference/custom-event-bus-facts.md``.

A subscriber is an *owner* of its target the way a Classic rule is: it has ``id``, ``region``,
``bus`` and a one-element ``targets`` tuple, so the twin's lanes, retries and bus-to-bus hops
serve both kinds. Its target's :class:`~bridgetwin.graph.nodes.RetryPolicy` carries the
subscriber's limits (``explicit`` False when AWS's defaults apply) and its DLQ the on-failure
queue. Where AWS states no default (the ordering type, the starting position) the node carries
the value we assume, named in :data:`ASSUMED_DEFAULTS`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph.nodes import Target
from bridgetwin.patterns import Pattern

DEFAULT_RETENTION_DAYS = 1
"""A bus without ``StorageConfiguration`` keeps events one day (facts §1.2)."""
DEFAULT_MAX_RETRY_ATTEMPTS = 5
"""A subscriber without a ``RetryPolicy`` retries 5 times (facts §1.3)."""
DEFAULT_MAX_EVENT_AGE_SECONDS = 300
"""... or for 300 s from ingestion, whichever ends first (facts §1.3)."""
SUBSCRIBER_TARGET_ID = "Target"
"""The id of a subscriber's one target in results (``<subscriber>/Target``)."""

ASSUMED_DEFAULTS = {
    "Type": "UNORDERED",
    "StartingPosition": "LATEST",
}
"""Defaults AWS does not state (facts §9, question 6): what the twin assumes when omitted."""


class FilterScope(enum.StrEnum):
    """Which part of an event a subscriber filter examines (facts §1.3)."""

    DATA = "DATA"
    """The payload: for ``PutEvents`` the EventBridge envelope (``detail`` holds your Detail)."""
    METADATA = "METADATA"
    """The keys given with ``PutRawEvents``; absent for ``PutEvents``."""
    SYSTEM_METADATA = "SYSTEM_METADATA"
    """What EventBridge assigns (``aws:DeliveryType``, ``aws:EventGroupId``, ...)."""


@dataclass(frozen=True, slots=True)
class SubscriberFilter:
    scope: FilterScope
    pattern: Pattern


BATCH_LIMITS: dict[str, tuple[int, int]] = {
    "sqs": (10, 10),
    "sns": (10, 10),
    "lambda": (100, 10),
    "states": (100, 10),
    "kinesis": (500, 500),
    "firehose": (500, 500),
    "http": (1, 1),
    "event-bus": (10, 10),
    "event-busv2": (100, 100),
    "universal": (1, 1),
}
"""Per target family (:attr:`Subscriber.target_family`), (largest ``MaxBatchSize``, default)
from the CloudFormation schema (facts §1.4): 10 for Lambda and Step Functions, the target's
maximum for the others. An API destination or API Gateway target (``http``) takes one event per
call."""


@dataclass(frozen=True, slots=True)
class CustomEventBus:
    """An ``AWS::EventsV2::EventBus``."""

    id: str
    name: str
    region: str
    account: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    kms_key: str | None = None

    @property
    def arn(self) -> str:
        """The id segment is the service's own (facts §1.1): ``<id>`` stands for it."""
        return f"arn:aws:events:{self.region}:{self.account}:event-busv2/{self.name}/<id>"


@dataclass(frozen=True, slots=True)
class PointInTime:
    """``PointInTimeConfiguration``: where a ``POINT_IN_TIME`` subscriber starts reading."""

    point_type: str
    """``HORIZON`` (the oldest retained event) or ``TIMESTAMP``."""
    starting_point: int | None = None
    """Epoch seconds (``TIMESTAMP``)."""
    end_point: int | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """An ``AWS::EventsV2::Subscriber``: a reader of one Custom Event Bus with one target."""

    id: str
    name: str
    bus: str
    """Graph id of the bus (or its ARN when the bus is not in the loaded templates)."""
    region: str
    account: str
    targets: tuple[Target, ...]
    """Exactly one: the subscriber's target, with its retry limits and on-failure queue (a
    Classic or Custom Event Bus target has kind ``event-bus``: events hop onto that bus)."""
    target_family: str
    """Which of :data:`BATCH_LIMITS`' families the target ARN belongs to (``other`` for one
    this table does not know, e.g. MSK)."""
    filters: tuple[SubscriberFilter, ...] = ()
    """ANDed; none: every event."""
    ordering: str = ASSUMED_DEFAULTS["Type"]
    ordering_explicit: bool = False
    state: str = "RUNNING"
    batch_size: int = 1
    batch_size_explicit: bool = False
    batch_window_seconds: int = 0
    starting_position: str = ASSUMED_DEFAULTS["StartingPosition"]
    point_in_time: PointInTime | None = None
    invocation_type: str | None = None
    """Lambda and Step Functions targets: ``EVENT`` or ``REQUEST_RESPONSE`` (None: unset)."""
    transformer: str = "RAW"
    transformer_expression: str | None = None
    """``JsonataConfiguration.Expression`` (``{% ... %}``) of a ``JSONATA`` transformer."""
    log_level: str = "OFF"
    role_arn: str | None = None
    role: str | None = None
    """Graph id of the delivery role when it is in the loaded templates."""

    @property
    def target(self) -> Target:
        return self.targets[0]

    @property
    def enabled(self) -> bool:
        """Whether it delivers (``RUNNING``); a ``STOPPED`` subscriber accumulates a backlog."""
        return self.state == "RUNNING"

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{self.region}:{self.account}:subscriber/{self.name}/<id>"

    def matches(self, parts: dict[FilterScope, Any]) -> bool:
        """Whether an event, given as its three scopes, passes every filter."""
        return all(f.pattern.matches(parts.get(f.scope) or {}) for f in self.filters)
