"""Rules and their targets in the graph: what each target delivers to (by linked resource type or
ARN service), its retry policy and DLQ, input shaping, HTTP parameters, and which of those
parameters hold a literal credential (for ``bridgetwin lint``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._credentials import CREDENTIAL_NAMES, CREDENTIAL_SCHEMES
from bridgetwin.graph._linker import Linker, arn_parts
from bridgetwin.graph._values import render
from bridgetwin.graph.nodes import (
    HttpParameters,
    InputTransformer,
    RetryPolicy,
    Rule,
    Target,
    TargetKind,
)

_KIND_BY_TYPE = {
    "AWS::Events::ApiDestination": TargetKind.API_DESTINATION,
    "AWS::Events::EventBus": TargetKind.EVENT_BUS,
    "AWS::EventsV2::EventBus": TargetKind.EVENT_BUS,
    "AWS::SQS::Queue": TargetKind.SQS,
    "AWS::SNS::Topic": TargetKind.SNS,
    "AWS::Lambda::Function": TargetKind.LAMBDA,
    "AWS::Lambda::Alias": TargetKind.LAMBDA,
    "AWS::Lambda::Version": TargetKind.LAMBDA,
    "AWS::Serverless::Function": TargetKind.LAMBDA,
    "AWS::Kinesis::Stream": TargetKind.KINESIS,
    "AWS::StepFunctions::StateMachine": TargetKind.STEP_FUNCTIONS,
    "AWS::Serverless::StateMachine": TargetKind.STEP_FUNCTIONS,
    "AWS::Logs::LogGroup": TargetKind.LOGS,
}
_KIND_BY_SERVICE = {
    "sqs": TargetKind.SQS,
    "sns": TargetKind.SNS,
    "lambda": TargetKind.LAMBDA,
    "kinesis": TargetKind.KINESIS,
    "states": TargetKind.STEP_FUNCTIONS,
    "logs": TargetKind.LOGS,
}


def pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), Linker.text(v)) for k, v in (value or {}).items())


def _literal_secrets(raw: Any) -> tuple[str, ...]:
    """Header and query parameters whose template value is a literal credential: a credential's
    name or an HTTP auth scheme, written as text (not a reference or dynamic reference)."""
    found = []
    for group in ("HeaderParameters", "QueryStringParameters"):
        values = raw.get(group) if isinstance(raw, Mapping) else None
        for name, value in (values or {}).items() if isinstance(values, Mapping) else ():
            if not isinstance(value, str) or value.startswith("{{resolve:"):
                continue
            if str(name).lower() in CREDENTIAL_NAMES or value.lower().startswith(
                CREDENTIAL_SCHEMES
            ):
                found.append(f"HttpParameters.{group}.{name}")
    return tuple(found)


def target_kind(b: Build, arn: Any) -> TargetKind:
    """What a target ARN (or reference) delivers to: by the linked resource's type, else by the
    ARN. A Custom Event Bus (``event-busv2/``) is a bus too: events hop onto it."""
    linked = b.linker.link(arn)
    kind = _KIND_BY_TYPE.get(b.resource_type(linked) or "") if linked else None
    if kind is not None:
        return kind
    parts = arn_parts(b.linker.text(arn))
    service, resource = (parts[0], parts[2]) if parts else ("", "")
    if service == "events" and resource.startswith("api-destination/"):
        return TargetKind.API_DESTINATION
    if service == "events" and resource.startswith(("event-bus/", "event-busv2/")):
        return TargetKind.EVENT_BUS
    return _KIND_BY_SERVICE.get(service, TargetKind.OTHER)


def target_for(b: Build, target: Mapping[str, Any], path: str, raw: Any = None) -> Target:
    """A rule target (or a pipe's): what it delivers to, its retry policy, DLQ and input."""
    if "Arn" not in target or "Id" not in target:
        raise b.error("a target needs Arn and Id", path)
    linked = b.linker.link(target["Arn"])
    arn_text = b.linker.text(target["Arn"])
    kind = target_kind(b, target["Arn"])
    retry = target.get("RetryPolicy")
    if retry is not None and not isinstance(retry, Mapping):
        raise b.error(
            f"needs an object with MaximumRetryAttempts and/or MaximumEventAgeInSeconds, got "
            f"{render(retry)!r}",
            f"{path}.RetryPolicy",
        )
    where = f"{path}.RetryPolicy."
    policy = (
        RetryPolicy(
            b.number(retry, "MaximumRetryAttempts", 185, where, low=0, high=185, integer=True),
            b.number(
                retry, "MaximumEventAgeInSeconds", 86_400, where, low=60, high=86_400, integer=True
            ),
            explicit=True,
        )
        if retry is not None
        else RetryPolicy()
    )
    dlq_arn = b.section(target, "DeadLetterConfig", f"{path}.").get("Arn")
    transformer = b.section(target, "InputTransformer", f"{path}.")
    http = b.section(target, "HttpParameters", f"{path}.")
    return Target(
        target_id=Linker.text(target["Id"]),
        kind=kind,
        arn=arn_text,
        resource=linked,
        retry_policy=policy,
        dead_letter_queue=(b.linker.link(dlq_arn) or Linker.text(dlq_arn)) if dlq_arn else None,
        input=b.string(target, "Input"),
        input_path=b.string(target, "InputPath"),
        input_transformer=InputTransformer(
            pairs(transformer.get("InputPathsMap")), Linker.text(transformer.get("InputTemplate"))
        )
        if transformer
        else None,
        http_parameters=HttpParameters(
            pairs(http.get("HeaderParameters")),
            pairs(http.get("QueryStringParameters")),
            tuple(Linker.text(v) for v in http.get("PathParameterValues") or ()),
            _literal_secrets(raw.get("HttpParameters") if isinstance(raw, Mapping) else None),
        )
        if http
        else None,
        role_arn=b.string(target, "RoleArn"),
    )


def build_rule(b: Build) -> Rule:
    targets = b.props.get("Targets") or []
    if not isinstance(targets, list):
        raise b.error("Targets must be a list", "Targets")
    state = b.props.get("State", "ENABLED")
    if state not in ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"):
        raise b.error(
            f"State must be ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, "
            f"got {render(state)!r}",
            "State",
        )
    pattern = b.pattern(b.props, "EventPattern")
    schedule = b.string(b.props, "ScheduleExpression")
    raw = (b.ctx.resources[b.logical_id].get("Properties") or {}).get("Targets")
    raw = raw if isinstance(raw, list) else []  # as written: which values are literals
    if pattern is None and schedule is None:
        raise b.error("a rule needs an EventPattern or a ScheduleExpression", "EventPattern")
    return Rule(
        id=b.gid,
        name=b.name(b.props, "Name"),
        bus=b.bus_id(b.props.get("EventBusName"), "EventBusName"),
        pattern=pattern,
        schedule_expression=schedule,
        state=state,
        targets=tuple(
            target_for(b, t, f"Targets[{i}]", raw[i] if i < len(raw) else None)
            for i, t in enumerate(targets)
        ),
        region=b.region,
        account=b.account,
        description=b.string(b.props, "Description"),
    )
