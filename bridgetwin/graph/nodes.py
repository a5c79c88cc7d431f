"""The EventBridge resources of a deployment graph: buses, rules and their targets, connections,
API destinations, archives, global endpoints and the CloudWatch alarms and Route 53 health checks
that decide failover.

Nodes refer to each other by graph id (the logical id, or ``Stack/LogicalId`` when several stacks
are loaded). Values AWS assigns at deploy time (generated names, ARNs) appear as readable
placeholders such as ``${OrdersBus.Arn}``. Where AWS applies a default, the node carries it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from bridgetwin.patterns import Pattern

DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185
"""AWS's default when a target has no RetryPolicy (eventbridge-facts §1)."""
DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86_400
"""AWS's default retry window, 24 hours (eventbridge-facts §1)."""
DEFAULT_RATE_LIMIT_PER_SECOND = 300
"""Used when an API destination omits InvocationRateLimitPerSecond. AWS documents no default for
the parameter, but every destination is capped by the "rate of invocations per API destination"
quota, 300/s (eventbridge-facts §2), so an unset limit cannot deliver faster than that."""


class TargetKind(enum.StrEnum):
    """What a rule target delivers to."""

    API_DESTINATION = "api-destination"
    SQS = "sqs"
    SNS = "sns"
    LAMBDA = "lambda"
    EVENT_BUS = "event-bus"
    KINESIS = "kinesis"
    STEP_FUNCTIONS = "step-functions"
    LOGS = "cloudwatch-logs"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A target's retry limits; ``explicit`` is False when AWS's defaults apply."""

    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_MAXIMUM_EVENT_AGE_SECONDS
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class InputTransformer:
    """``InputTransformer``: JSONPaths to extract and the template they fill."""

    input_paths_map: tuple[tuple[str, str], ...]
    input_template: str


@dataclass(frozen=True, slots=True)
class HttpParameters:
    """Target-level HTTP parameters for API destinations (the connection's win on conflict)."""

    header_parameters: tuple[tuple[str, str], ...] = ()
    query_string_parameters: tuple[tuple[str, str], ...] = ()
    path_parameter_values: tuple[str, ...] = ()
    literal_secrets: tuple[str, ...] = ()
    """Headers and query strings holding what looks like a credential, written as a literal."""


@dataclass(frozen=True, slots=True)
class Target:
    """One target of a rule."""

    target_id: str
    kind: TargetKind
    arn: str
    resource: str | None
    """Graph id of the target when it is in the graph (API destination, queue, bus...)."""
    retry_policy: RetryPolicy
    dead_letter_queue: str | None
    """Graph id of the DLQ, or its ARN when the queue is outside the graph; None without a DLQ."""
    input: str | None = None
    input_path: str | None = None
    input_transformer: InputTransformer | None = None
    http_parameters: HttpParameters | None = None
    role_arn: str | None = None

    @property
    def api_destination(self) -> str | None:
        return self.resource if self.kind is TargetKind.API_DESTINATION else None


@dataclass(frozen=True, slots=True)
class Rule:
    """An ``AWS::Events::Rule``: a pattern or schedule on one bus, and up to five targets."""

    id: str
    name: str
    bus: str
    pattern: Pattern | None
    schedule_expression: str | None
    state: str
    targets: tuple[Target, ...]
    region: str
    account: str
    description: str | None = None

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"


@dataclass(frozen=True, slots=True)
class EventBus:
    """An event bus; ``implicit`` buses (the default bus) exist without a template resource."""

    id: str
    name: str
    region: str
    account: str
    policy: Any = None
    dead_letter_queue: str | None = None
    kms_key: str | None = None
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class Connection:
    """An ``AWS::Events::Connection``: how API destinations authenticate."""

    id: str
    name: str
    authorization_type: str
    oauth_endpoint: str | None = None
    oauth_http_method: str | None = None
    secret_references: tuple[str, ...] = ()
    """Dynamic references to Secrets Manager for each secret field (never resolved)."""
    plaintext_secret_fields: tuple[str, ...] = ()
    """Secret fields given as literals in the template (a finding for ``bridgetwin lint``)."""


@dataclass(frozen=True, slots=True)
class ApiDestination:
    """An ``AWS::Events::ApiDestination``: an HTTPS endpoint behind a rate limit."""

    id: str
    name: str
    endpoint: str
    http_method: str
    rate_limit_per_second: int
    connection: str | None
    rate_limit_is_default: bool = False
    literal_secrets: tuple[str, ...] = ()
    """Parts of the endpoint URL holding a literal credential (for ``bridgetwin lint``)."""


@dataclass(frozen=True, slots=True)
class Archive:
    """An ``AWS::Events::Archive`` of a bus's events."""

    id: str
    name: str
    source_bus: str
    pattern: Pattern | None
    retention_days: int | None


@dataclass(frozen=True, slots=True)
class GlobalEndpoint:
    """An ``AWS::Events::Endpoint``: a bus pair with Route 53 failover."""

    id: str
    name: str
    event_buses: tuple[str, ...]
    health_check: str | None
    secondary_region: str
    replication_enabled: bool
    role_arn: str | None


@dataclass(frozen=True, slots=True)
class Alarm:
    """An ``AWS::CloudWatch::Alarm`` on a single metric (metric-math alarms keep ``metrics``)."""

    id: str
    name: str
    namespace: str | None
    metric_name: str | None
    dimensions: tuple[tuple[str, str], ...]
    statistic: str | None
    extended_statistic: str | None
    period: int | None
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float | None
    comparison_operator: str
    treat_missing_data: str
    region: str
    metrics: tuple[Any, ...] = ()
    dimension_resources: tuple[str, ...] = ()
    """Graph ids of resources the dimensions point at (e.g. the rule behind RuleName)."""


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """An ``AWS::Route53::HealthCheck``; CLOUDWATCH_METRIC checks follow an alarm."""

    id: str
    type: str
    alarm: str | None
    alarm_name: str | None
    alarm_region: str | None
    insufficient_data_health_status: str | None
    inverted: bool = False
    disabled: bool = False
