"""What a Custom Event Bus subscriber delivers to: ``SubscriberTarget.sqs(queue)``, ``.sns``,
``.lambda_function``, ``.state_machine``, ``.kinesis``, ``.api_destination``, ``.event_bus``.

Each target knows its ARN, its parameter block (the one ``InvokeConfiguration`` accepts for it),
its batch limits (custom-bus facts §1.4: SQS and SNS 10, Lambda and Step Functions 100 with a
default of 10, Kinesis 500, HTTP 1, a bus 100) and what the subscriber's delivery role must be
allowed to do on it (CDK's own grants, which add the KMS grant of an encrypted queue, topic or
stream). Lambda and Step Functions take an explicit ``invocation_type``: ``EVENT`` (asynchronous,
as a Classic rule invokes them) by default, written to the template; a FIFO subscriber needs
``REQUEST_RESPONSE`` to keep its order (an asynchronous invocation returns before the function
runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from bridgetwin.constructs._validation import ValidationError, check_choice

INVOCATION_TYPES = ("EVENT", "REQUEST_RESPONSE")


@dataclass(frozen=True)
class SubscriberTarget:
    """One subscriber's target (build it with the class methods)."""

    kind: str
    target_arn: str
    max_batch_size: int
    default_batch_size: int
    grant: Callable[[iam.IGrantable], Any]
    parameters: tuple[str, dict[str, Any]] | None = None
    """(InvokeConfiguration key, members) in the L1's camelCase."""
    keeps_order: bool = True
    """Whether the target sees events in the order they are delivered (an asynchronous Lambda or
    Step Functions invocation does not)."""
    notes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def sqs(cls, queue: sqs.IQueue, *, message_group_id: str | None = None) -> SubscriberTarget:
        """An SQS queue (``SendMessageBatch``, up to 10 per batch); a FIFO queue needs
        ``message_group_id`` (a literal or ``{% JSONata %}``)."""
        if queue.fifo and message_group_id is None:
            raise ValidationError("SubscriberTarget.sqs: a FIFO queue needs 'message_group_id'")
        block = ("sqsParameters", {"messageGroupId": message_group_id}) if (
            message_group_id is not None) else None  # fmt: skip
        return cls("sqs", queue.queue_arn, 10, 10, queue.grant_send_messages, block)

    @classmethod
    def sns(cls, topic: sns.ITopic, *, message_group_id: str | None = None) -> SubscriberTarget:
        """An SNS topic (``PublishBatch``, up to 10)."""
        block = ("snsParameters", {"messageGroupId": message_group_id}) if (
            message_group_id is not None) else None  # fmt: skip
        return cls("sns", topic.topic_arn, 10, 10, topic.grant_publish, block)

    @classmethod
    def lambda_function(
        cls, function: lambda_.IFunction, *, invocation_type: str = "EVENT"
    ) -> SubscriberTarget:
        """A Lambda function (batches up to 100, 10 by default, as a JSON array). The role may
        invoke exactly this ARN (CDK's ``grant_invoke`` would add every version, ``:*``)."""
        check_choice("invocation_type", invocation_type, INVOCATION_TYPES)
        arn = function.function_arn

        def grant(role: iam.IGrantable) -> iam.Grant:
            return iam.Grant.add_to_principal(grantee=role, resource_arns=[arn],
                                              actions=["lambda:InvokeFunction"])  # fmt: skip

        return cls("lambda", arn, 100, 10, grant,
                   ("lambdaParameters", {"invocationType": invocation_type}),
                   keeps_order=invocation_type == "REQUEST_RESPONSE")  # fmt: skip

    @classmethod
    def state_machine(
        cls, machine: sfn.IStateMachine, *, invocation_type: str = "EVENT"
    ) -> SubscriberTarget:
        """A state machine: ``StartExecution`` (EVENT) or ``StartSyncExecution``."""
        check_choice("invocation_type", invocation_type, INVOCATION_TYPES)

        def grant(role: iam.IGrantable) -> Any:
            if invocation_type == "REQUEST_RESPONSE":
                return machine.grant_start_sync_execution(role)
            return machine.grant_start_execution(role)

        return cls("states", machine.state_machine_arn, 100, 10, grant,
                   ("stepFunctionsParameters", {"invocationType": invocation_type}),
                   keeps_order=invocation_type == "REQUEST_RESPONSE")  # fmt: skip

    @classmethod
    def kinesis(cls, stream: kinesis.IStream, *, partition_key: str | None = None):
        """A Kinesis stream (``PutRecords``, up to 500)."""
        block = ("kinesisParameters", {"partitionKey": partition_key}) if (
            partition_key is not None) else None  # fmt: skip
        return cls("kinesis", stream.stream_arn, 500, 500, stream.grant_write, block)

    @classmethod
    def api_destination(cls, destination: events.IApiDestination) -> SubscriberTarget:
        """An API destination (one event per request; its rate limit is shared with every rule
        and subscriber that calls it)."""
        arn = destination.api_destination_arn

        def grant(role: iam.IGrantable) -> iam.Grant:
            return iam.Grant.add_to_principal(grantee=role, resource_arns=[arn],
                                              actions=["events:InvokeApiDestination"])  # fmt: skip

        return cls("http", arn, 1, 1, grant)

    @classmethod
    def event_bus(cls, bus: Any) -> SubscriberTarget:
        """Another Custom Event Bus (a :class:`CustomEventBus` or an imported one)."""
        return cls("event-busv2", bus.event_bus_arn, 100, 100, bus.grant_put_events)
