"""The deployment graph: what an EventBridge deployment is made of, as frozen dataclasses.

Nodes refer to each other by graph id (the logical id, or ``Stack/LogicalId`` when several stacks
are loaded), so a graph is plain data: easy to compare, print and serialize. Values AWS assigns at
deploy time (generated names, ARNs) appear as readable placeholders such as ``${OrdersBus.Arn}``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class Queue:
    """An ``AWS::SQS::Queue`` (dead-letter queues and SQS targets)."""

    id: str
    name: str
    fifo: bool
    encryption: str
    """``kms``, ``sqs-managed`` or ``none``."""
    message_retention_seconds: int = 345_600
    region: str = ""


@dataclass(frozen=True, slots=True)
class AsyncInvokeConfig:
    """How Lambda retries an asynchronous invocation (``AWS::Lambda::EventInvokeConfig``, or a
    SAM function's ``EventInvokeConfig``); Lambda's defaults when a function has none."""

    maximum_event_age_seconds: int = 21_600
    """60-21,600; default 6 hours."""
    maximum_retry_attempts: int = 2
    """0-2; default 2."""
    on_failure: str | None = None
    """The on-failure destination (graph id or ARN)."""


@dataclass(frozen=True, slots=True)
class LambdaFunction:
    """An ``AWS::Lambda::Function`` (or SAM function): what decides how it runs events that
    EventBridge hands it asynchronously."""

    id: str
    name: str
    region: str
    timeout_seconds: float = 3.0
    reserved_concurrency: int | None = None
    """``ReservedConcurrentExecutions``; None: the account's unreserved pool."""
    dead_letter: str | None = None
    """``DeadLetterConfig.TargetArn`` (graph id or ARN)."""
    async_config: AsyncInvokeConfig | None = None
    """A SAM function's own ``EventInvokeConfig``."""
    other_event_sources: tuple[str, ...] = ()
    """A SAM function's event types that are not EventBridge rules (``SQS``, ``Api``, ...)."""


@dataclass(frozen=True, slots=True)
class EventInvokeConfig:
    """An ``AWS::Lambda::EventInvokeConfig``: the async settings of one function (qualifier)."""

    id: str
    function: str
    """Graph id of the function, or its name when it is not in the graph."""
    qualifier: str
    config: AsyncInvokeConfig


@dataclass(frozen=True, slots=True)
class SchedulerSchedule:
    """An ``AWS::Scheduler::Schedule`` (EventBridge Scheduler): when it fires and what it
    invokes. ``target`` is the graph id of the target when it is in the graph."""

    id: str
    name: str
    region: str
    expression: str
    timezone: str | None
    start: str | None
    end: str | None
    enabled: bool
    flexible_window_minutes: int | None
    """``FlexibleTimeWindow.MaximumWindowInMinutes`` when its mode is FLEXIBLE."""
    target_arn: str
    target: str | None
    input: str | None
    source: str | None
    """``EventBridgeParameters.Source`` (the event a bus target receives)."""
    detail_type: str | None
    retry_policy: RetryPolicy
    dead_letter: str | None


@dataclass(frozen=True, slots=True)
class Pipe:
    """An ``AWS::Pipes::Pipe``: records polled from a source (an SQS queue, a Kinesis or DynamoDB
    stream, ...), filtered, optionally enriched, and delivered to one target."""

    id: str
    name: str
    region: str
    account: str
    source_arn: str
    source: str | None
    """Graph id of the source when it is in the graph (e.g. a queue a rule delivers to)."""
    source_kind: str
    """``sqs``, ``kinesis``, ``dynamodb`` or the ARN's service."""
    batch_size: int
    batching_window_seconds: float
    filters: tuple[Pattern, ...]
    """``FilterCriteria``: a record passes when any pattern matches it (none: every record)."""
    enrichment: str | None
    target: Target
    """The pipe's target, its retry limits and dead-letter queue (from the source's parameters
    for streams; AWS's defaults otherwise)."""
    running: bool

    @property
    def arn(self) -> str:
        return f"arn:aws:pipes:{self.region}:{self.account}:pipe/{self.name}"


@dataclass(frozen=True, slots=True)
class Stream:
    """An ``AWS::Kinesis::Stream``: its write capacity decides how fast a target can put."""

    id: str
    name: str
    region: str
    shards: int | None
    """``ShardCount`` (provisioned); None for on-demand streams."""


@dataclass(frozen=True, slots=True)
class StateMachine:
    """An ``AWS::StepFunctions::StateMachine`` (or SAM state machine): STANDARD or EXPRESS."""

    id: str
    name: str
    region: str
    express: bool


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    """An ``AWS::SQS::QueuePolicy`` (or ``QueueInlinePolicy``): who may do what to which queues."""

    id: str
    queues: tuple[str, ...]
    """Graph ids of the queues (or, for queues outside the templates, their URLs as written)."""
    statements: tuple[Any, ...]
    """The policy's statements, references rendered as text."""


@dataclass(frozen=True, slots=True)
class OpaqueResource:
    """A resource the twin does not model, kept so that nothing is dropped silently."""

    id: str
    type: str


@dataclass(frozen=True, slots=True)
class StackInfo:
    """Where a loaded stack deploys, and the template file it came from."""

    name: str
    region: str
    account: str
    template_path: str | None = None
    """The template file (None for a dict, or an app synthesized into a temporary directory)."""


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """Something the loader stood in for rather than refuse."""

    code: str
    """``parameter-placeholder`` (a parameter with no value) or ``external-import`` (an import
    no loaded stack exports)."""
    message: str


@dataclass(frozen=True, slots=True)
class Graph:
    """Everything loaded from one template, assembly or app."""

    stacks: tuple[StackInfo, ...]
    buses: tuple[EventBus, ...] = ()
    rules: tuple[Rule, ...] = ()
    connections: tuple[Connection, ...] = ()
    api_destinations: tuple[ApiDestination, ...] = ()
    archives: tuple[Archive, ...] = ()
    endpoints: tuple[GlobalEndpoint, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    health_checks: tuple[HealthCheck, ...] = ()
    queues: tuple[Queue, ...] = ()
    queue_policies: tuple[QueuePolicy, ...] = ()
    functions: tuple[LambdaFunction, ...] = ()
    invoke_configs: tuple[EventInvokeConfig, ...] = ()
    schedules: tuple[SchedulerSchedule, ...] = ()
    pipes: tuple[Pipe, ...] = ()
    streams: tuple[Stream, ...] = ()
    state_machines: tuple[StateMachine, ...] = ()
    other: tuple[OpaqueResource, ...] = ()
    warnings: tuple[LoadWarning, ...] = ()
    """What the loader stood in for rather than refuse."""
    construct_paths: tuple[tuple[str, str], ...] = ()
    """(graph id, CDK construct path) of resources whose template says where they came from
    (``Metadata.aws:cdk:path``, e.g. ``Shop/OrderWebhook/Rule/Resource``)."""
    _by_id: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for collection in (
            self.buses,
            self.rules,
            self.connections,
            self.api_destinations,
            self.archives,
            self.endpoints,
            self.alarms,
            self.health_checks,
            self.queues,
            self.queue_policies,
            self.functions,
            self.invoke_configs,
            self.schedules,
            self.pipes,
            self.streams,
            self.state_machines,
            self.other,
        ):
            for node in collection:
                self._by_id[node.id] = node

    def get(self, graph_id: str) -> Any:
        """The node with this graph id. Raises ``KeyError`` naming the known ids."""
        try:
            return self._by_id[graph_id]
        except KeyError:
            known = sorted(self._by_id)
            raise KeyError(f"no node '{graph_id}' in the graph; known: {known}") from None

    def find(self, graph_id: str) -> Any | None:
        """The node with this graph id, or ``None``."""
        return self._by_id.get(graph_id)

    def rule_arn(self, rule: Rule) -> str:
        """The rule's ARN as AWS forms it: ``rule/<name>`` on the default bus, else
        ``rule/<bus>/<name>`` (used for DLQ attributes and queue policies)."""
        bus_name = self.get(rule.bus).name
        suffix = rule.name if bus_name == "default" else f"{bus_name}/{rule.name}"
        return f"arn:aws:events:{rule.region}:{rule.account}:rule/{suffix}"

    def rules_on(self, bus_id: str) -> tuple[Rule, ...]:
        """The rules attached to a bus, in template order."""
        return tuple(r for r in self.rules if r.bus == bus_id)

    def async_config(self, function: LambdaFunction) -> AsyncInvokeConfig:
        """How Lambda retries the function's asynchronous invocations: its
        ``EventInvokeConfig`` (the unqualified one first), else Lambda's defaults."""
        configs = sorted(
            (c for c in self.invoke_configs if c.function in (function.id, function.name)),
            key=lambda c: c.qualifier != "$LATEST",
        )
        if configs:
            return configs[0].config
        return function.async_config or AsyncInvokeConfig()

    def rules_targeting(self, resource_id: str) -> tuple[Rule, ...]:
        """The rules with a target pointing at ``resource_id``."""
        return tuple(r for r in self.rules if any(t.resource == resource_id for t in r.targets))
