"""Which builder turns each modeled resource type into a graph node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridgetwin.graph._build import (
    Build,
    build_alarm,
    build_api_destination,
    build_archive,
    build_bus,
    build_connection,
    build_endpoint,
    build_health_check,
)
from bridgetwin.graph._build_custom_bus import build_custom_bus, build_subscriber
from bridgetwin.graph._build_lambda import build_function, build_invoke_config
from bridgetwin.graph._build_pipes import build_pipe
from bridgetwin.graph._build_rules import build_rule
from bridgetwin.graph._build_schedules import build_schedule
from bridgetwin.graph._build_schemas import build_schema
from bridgetwin.graph._build_sinks import build_state_machine, build_stream
from bridgetwin.graph._build_sqs import build_queue, build_queue_policy

BUILDERS: dict[str, Callable[[Build], Any]] = {
    "AWS::Events::EventBus": build_bus,
    "AWS::Events::Rule": build_rule,
    "AWS::Events::Connection": build_connection,
    "AWS::Events::ApiDestination": build_api_destination,
    "AWS::Events::Archive": build_archive,
    "AWS::Events::Endpoint": build_endpoint,
    "AWS::EventsV2::EventBus": build_custom_bus,
    "AWS::EventsV2::Subscriber": build_subscriber,
    "AWS::CloudWatch::Alarm": build_alarm,
    "AWS::Route53::HealthCheck": build_health_check,
    "AWS::SQS::Queue": build_queue,
    "AWS::SQS::QueuePolicy": build_queue_policy,
    "AWS::SQS::QueueInlinePolicy": build_queue_policy,
    "AWS::Lambda::Function": build_function,
    "AWS::Serverless::Function": build_function,
    "AWS::Lambda::EventInvokeConfig": build_invoke_config,
    "AWS::Scheduler::Schedule": build_schedule,
    "AWS::Pipes::Pipe": build_pipe,
    "AWS::Kinesis::Stream": build_stream,
    "AWS::StepFunctions::StateMachine": build_state_machine,
    "AWS::Serverless::StateMachine": build_state_machine,
    "AWS::EventSchemas::Schema": build_schema,
}
