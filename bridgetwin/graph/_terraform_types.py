"""How each Terraform AWS resource maps onto the CloudFormation resource the loader already reads.

One entry per Terraform type: the CloudFormation type, and a function from the Terraform values
(attribute names as the AWS provider documents them; nested blocks are lists of one object in a
plan) to the CloudFormation properties. References between resources are resolved before these
run (:mod:`._terraform`), so a value may already be ``{"Ref": ...}`` or ``{"Fn::GetAtt": ...}``.
``ATTRIBUTES`` says which CloudFormation form a Terraform attribute reference takes (a bus's
``name`` is its ``Ref``, a queue's ``url`` its ``Ref``, most ``arn`` its ``Fn::GetAtt Arn``, an
SNS topic's and a state machine's ``arn`` their ``Ref``).

Targets (``aws_cloudwatch_event_target``) are not resources of their own in CloudFormation: they
are gathered into their rule's ``Targets`` by :mod:`._terraform`, with ``target_properties``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from bridgetwin.graph._terraform_awscc import (
    AWSCC_ATTRIBUTES,
    AWSCC_TYPES,
    cloudformation_properties,
)
from bridgetwin.graph._terraform_services import SERVICE_ATTRIBUTES, SERVICE_TYPES

Values = Mapping[str, Any]


def _block(values: Values, key: str) -> Values:
    """A nested block: a list of one object in a plan (or an object), else empty."""
    value = values.get(key)
    if isinstance(value, list):
        return value[0] if value and isinstance(value[0], Mapping) else {}
    return value if isinstance(value, Mapping) else {}


def _json_text(value: Any) -> Any:
    """A JSON-encoded string (patterns, policies), decoded; anything else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _some(**props: Any) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None and v not in ([], {})}


def _bus(v: Values) -> dict[str, Any]:
    return _some(
        Name=v.get("name"),
        KmsKeyIdentifier=v.get("kms_key_identifier"),
        EventSourceName=v.get("event_source_name"),
        Description=v.get("description"),
    )


def _rule(v: Values) -> dict[str, Any]:
    """A rule; a ``state`` not known before apply is taken as ``ENABLED``, the provider's default
    (the value it stands for is named in the load's warnings)."""
    state = v.get("state") if isinstance(v.get("state"), str) else None
    if state is None and isinstance(v.get("is_enabled"), bool):
        state = "ENABLED" if v["is_enabled"] else "DISABLED"
    return _some(
        Name=v.get("name"),
        EventBusName=v.get("event_bus_name"),
        EventPattern=_json_text(v.get("event_pattern")),
        ScheduleExpression=v.get("schedule_expression"),
        State=state or "ENABLED",
        Description=v.get("description"),
    )


def target_properties(v: Values) -> dict[str, Any]:
    """One ``aws_cloudwatch_event_target`` as a CloudFormation rule target."""
    retry = _block(v, "retry_policy")
    shaping = _block(v, "input_transformer")
    http = _block(v, "http_target")
    return _some(
        Id=v.get("target_id"),
        Arn=v.get("arn"),
        RoleArn=v.get("role_arn"),
        Input=v.get("input"),
        InputPath=v.get("input_path"),
        InputTransformer=_some(
            InputPathsMap=shaping.get("input_paths"), InputTemplate=shaping.get("input_template")
        ),
        RetryPolicy=_some(
            MaximumRetryAttempts=retry.get("maximum_retry_attempts"),
            MaximumEventAgeInSeconds=retry.get("maximum_event_age_in_seconds"),
        ),
        DeadLetterConfig=_some(Arn=_block(v, "dead_letter_config").get("arn")),
        HttpParameters=_some(
            HeaderParameters=http.get("header_parameters"),
            QueryStringParameters=http.get("query_string_parameters"),
            PathParameterValues=http.get("path_parameter_values"),
        ),
        SqsParameters=_some(MessageGroupId=_block(v, "sqs_target").get("message_group_id")),
        KinesisParameters=_some(
            PartitionKeyPath=_block(v, "kinesis_target").get("partition_key_path")
        ),
    )


def _archive(v: Values) -> dict[str, Any]:
    return _some(
        ArchiveName=v.get("name"),
        SourceArn=v.get("event_source_arn"),
        EventPattern=_json_text(v.get("event_pattern")),
        RetentionDays=v.get("retention_days"),
    )


def _connection(v: Values) -> dict[str, Any]:
    auth = _block(v, "auth_parameters")
    key, basic, oauth = _block(auth, "api_key"), _block(auth, "basic"), _block(auth, "oauth")
    params = _some(
        ApiKeyAuthParameters=_some(ApiKeyName=key.get("key"), ApiKeyValue=key.get("value")),
        BasicAuthParameters=_some(Username=basic.get("username"), Password=basic.get("password")),
        OAuthParameters=_some(
            AuthorizationEndpoint=oauth.get("authorization_endpoint"),
            HttpMethod=oauth.get("http_method"),
        ),
    )
    return _some(
        Name=v.get("name"), AuthorizationType=v.get("authorization_type"), AuthParameters=params
    )


def _destination(v: Values) -> dict[str, Any]:
    return _some(
        Name=v.get("name"),
        ConnectionArn=v.get("connection_arn"),
        InvocationEndpoint=v.get("invocation_endpoint"),
        HttpMethod=v.get("http_method"),
        InvocationRateLimitPerSecond=v.get("invocation_rate_limit_per_second"),
    )


def _queue(v: Values) -> dict[str, Any]:
    return _some(
        QueueName=v.get("name"),
        FifoQueue=v.get("fifo_queue") or None,
        VisibilityTimeout=v.get("visibility_timeout_seconds"),
        MessageRetentionPeriod=v.get("message_retention_seconds"),
        RedrivePolicy=_json_text(v.get("redrive_policy")) or None,
        KmsMasterKeyId=v.get("kms_master_key_id"),
        SqsManagedSseEnabled=v.get("sqs_managed_sse_enabled"),
    )


def _queue_policy(v: Values) -> dict[str, Any]:
    return _some(Queues=[v.get("queue_url")], PolicyDocument=_json_text(v.get("policy")))


def _function(v: Values) -> dict[str, Any]:
    reserved = v.get("reserved_concurrent_executions")
    return _some(
        FunctionName=v.get("function_name"),
        Runtime=v.get("runtime"),
        Handler=v.get("handler"),
        Role=v.get("role"),
        Timeout=v.get("timeout"),
        ReservedConcurrentExecutions=None if reserved in (None, -1) else reserved,
    )


def _alarm(v: Values) -> dict[str, Any]:
    dimensions = v.get("dimensions") or {}
    return _some(
        AlarmName=v.get("alarm_name"),
        Namespace=v.get("namespace"),
        MetricName=v.get("metric_name"),
        Statistic=v.get("statistic"),
        ExtendedStatistic=v.get("extended_statistic"),
        Period=v.get("period"),
        EvaluationPeriods=v.get("evaluation_periods"),
        DatapointsToAlarm=v.get("datapoints_to_alarm"),
        Threshold=v.get("threshold"),
        ComparisonOperator=v.get("comparison_operator"),
        TreatMissingData=v.get("treat_missing_data"),
        Dimensions=[{"Name": k, "Value": x} for k, x in dimensions.items()]
        if isinstance(dimensions, Mapping)
        else None,
    )


TYPES: dict[str, tuple[str, Callable[[Values], dict[str, Any]]]] = {
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", _bus),
    "aws_cloudwatch_event_rule": ("AWS::Events::Rule", _rule),
    "aws_cloudwatch_event_archive": ("AWS::Events::Archive", _archive),
    "aws_cloudwatch_event_connection": ("AWS::Events::Connection", _connection),
    "aws_cloudwatch_event_api_destination": ("AWS::Events::ApiDestination", _destination),
    "aws_sqs_queue": ("AWS::SQS::Queue", _queue),
    "aws_sqs_queue_policy": ("AWS::SQS::QueuePolicy", _queue_policy),
    "aws_lambda_function": ("AWS::Lambda::Function", _function),
    "aws_sns_topic": ("AWS::SNS::Topic", lambda v: _some(TopicName=v.get("name"))),
    "aws_sfn_state_machine": (
        "AWS::StepFunctions::StateMachine",
        lambda v: _some(StateMachineName=v.get("name"), StateMachineType=v.get("type")),
    ),
    "aws_kinesis_stream": (
        "AWS::Kinesis::Stream",
        lambda v: _some(Name=v.get("name"), ShardCount=v.get("shard_count")),
    ),
    "aws_cloudwatch_metric_alarm": ("AWS::CloudWatch::Alarm", _alarm),
}
TYPES.update({kind: (cfn, cloudformation_properties) for kind, cfn in AWSCC_TYPES.items()})
TYPES.update(SERVICE_TYPES)
"""Terraform type -> (CloudFormation type, properties from values); ``awscc`` types included
(:mod:`._terraform_awscc`) and Pipes, Scheduler, endpoints (:mod:`._terraform_services`)."""

_REF = "Ref"
ATTRIBUTES: dict[str, dict[str, str]] = {
    "aws_cloudwatch_event_bus": {"name": _REF, "id": _REF, "arn": "Arn"},
    "aws_cloudwatch_event_rule": {"name": _REF, "id": _REF, "arn": "Arn"},
    "aws_cloudwatch_event_archive": {"name": _REF, "arn": "Arn"},
    "aws_cloudwatch_event_connection": {"name": _REF, "arn": "Arn", "secret_arn": "SecretArn"},
    "aws_cloudwatch_event_api_destination": {"name": _REF, "arn": "Arn"},
    "aws_sqs_queue": {"url": _REF, "id": _REF, "arn": "Arn", "name": "QueueName"},
    "aws_lambda_function": {"function_name": _REF, "arn": "Arn", "invoke_arn": "Arn"},
    "aws_sns_topic": {"arn": _REF, "id": _REF, "name": "TopicName"},
    "aws_sfn_state_machine": {"arn": _REF, "id": _REF, "name": "Name"},
    "aws_kinesis_stream": {"name": _REF, "arn": "Arn"},
    "aws_cloudwatch_metric_alarm": {"alarm_name": _REF, "arn": "Arn"},
}
ATTRIBUTES.update(AWSCC_ATTRIBUTES)
ATTRIBUTES.update(SERVICE_ATTRIBUTES)
"""Terraform attribute -> ``Ref`` or the ``Fn::GetAtt`` attribute that gives the same value."""
