"""The rest of a deployment graph: the AWS services around EventBridge that the twin follows
(SQS queues and their policies, Lambda functions and their asynchronous invocation settings,
EventBridge Scheduler schedules, Pipes, Kinesis streams, Step Functions state machines), the
resources it keeps without modelling, and what the loader records about stacks and stand-ins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgetwin.graph.nodes import Target
from bridgetwin.patterns import Pattern


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
    visibility_timeout_seconds: int = 30
    """How long a received message stays hidden: a consumer's failed message is received again
    after it (SQS's default, 30 s)."""
    max_receive_count: int | None = None
    """``RedrivePolicy.maxReceiveCount``: receives before SQS moves a message to
    ``redrive_dlq`` (None: no redrive policy; messages stay until the retention period)."""
    redrive_dlq: str | None = None
    """``RedrivePolicy.deadLetterTargetArn``: graph id of the queue, or its ARN."""
    kms_key: str | None = None
    """``KmsMasterKeyId``: graph id of a key in the templates, or the key id or alias as
    written."""


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
    invokes, as a target with the schedule's retry policy, dead-letter queue and ``Input``."""

    id: str
    name: str
    group: str
    region: str
    account: str
    expression: str
    timezone: str | None
    start: str | None
    end: str | None
    enabled: bool
    flexible_window_minutes: int | None
    """``FlexibleTimeWindow.MaximumWindowInMinutes`` when its mode is FLEXIBLE."""
    target: Target
    source: str | None
    """``EventBridgeParameters.Source`` (the event a bus target receives)."""
    detail_type: str | None

    @property
    def arn(self) -> str:
        return f"arn:aws:scheduler:{self.region}:{self.account}:schedule/{self.group}/{self.name}"


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
    waits_for_lambda: bool = False
    """A Lambda target invoked synchronously (``TargetParameters.LambdaFunctionParameters.
    InvocationType`` REQUEST_RESPONSE, the default): each attempt lasts the invocation."""

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
class PolicyDocument:
    """Permissions written in the templates, kept for lint (the twin does not use them): an
    ``AWS::IAM::Role``'s inline policies, an ``AWS::IAM::Policy`` or ``ManagedPolicy`` with the
    roles it is attached to, or an ``AWS::KMS::Key``'s key policy."""

    id: str
    type: str
    statements: tuple[Any, ...]
    """The statements, references rendered as text (``${Queue.Arn}``)."""
    roles: tuple[str, ...] = ()
    """Graph ids of the roles it applies to (a role's own inline policies: the role)."""
    managed: tuple[str, ...] = ()
    """A role's ``ManagedPolicyArns``: graph ids of managed policies in the templates, or the
    ARNs as written (AWS-managed policies, which lint cannot read)."""


@dataclass(frozen=True, slots=True)
class EventSchema:
    """An ``AWS::EventSchemas::Schema``: the shape of an event in a schema registry (OpenAPI 3
    or JSON Schema draft 4), which calibrated traffic can follow (:mod:`bridgetwin.calibration`)."""

    id: str
    name: str
    schema_type: str
    """``OpenApi3`` or ``JSONSchemaDraft4``."""
    content: Any = None
    """The parsed ``Content``; None when it is not literal JSON in the template."""


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
