"""Custom Event Bus resources into graph nodes: ``AWS::EventsV2::EventBus`` and ``::Subscriber``.

Values are checked against the CloudFormation schema's ranges (cfn-lint's EventsV2 schemas) and
the user guide's rules: a subscriber's filters are compiled by :mod:`bridgetwin.patterns`, at most
one per scope, never with wildcards (AWS refuses both at create); its batch size must fit its
target (facts §1.4). Defaults are AWS's where it states them (retention 1 day, 5 retries or
300 s, batch window 0, the per-target batch size) and ours where it does not
(:data:`~bridgetwin.graph.custom_bus_nodes.ASSUMED_DEFAULTS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._build_rules import pairs, target_kind
from bridgetwin.graph._linker import Linker, arn_parts
from bridgetwin.graph._values import render
from bridgetwin.graph.custom_bus_nodes import (
    ASSUMED_DEFAULTS,
    BATCH_LIMITS,
    DEFAULT_MAX_EVENT_AGE_SECONDS,
    DEFAULT_MAX_RETRY_ATTEMPTS,
    DEFAULT_RETENTION_DAYS,
    SUBSCRIBER_TARGET_ID,
    CustomEventBus,
    FilterScope,
    PointInTime,
    Subscriber,
    SubscriberFilter,
)
from bridgetwin.graph.nodes import HttpParameters, RetryPolicy, Target
from bridgetwin.patterns import PatternError, compile_pattern, uses_wildcard

_PARAMETER_BLOCKS = (
    "SqsParameters", "SnsParameters", "LambdaParameters", "StepFunctionsParameters",
    "KinesisParameters", "HttpParameters", "EventBusV2Parameters", "UniversalTargetParameters",
)  # fmt: skip


def build_custom_bus(b: Build) -> CustomEventBus:
    storage = b.section(b.props, "StorageConfiguration", "")
    encryption = b.section(b.props, "EncryptionConfiguration", "")
    return CustomEventBus(
        id=b.gid,
        name=b.name(b.props, "Name"),
        region=b.region,
        account=b.account,
        retention_days=b.number(storage, "RetentionPeriodInDays", DEFAULT_RETENTION_DAYS,
                                "StorageConfiguration.", low=1, high=365, integer=True),
        kms_key=b.string(encryption, "KmsKeyIdentifier"),
    )  # fmt: skip


def _choice(b: Build, props: Mapping[str, Any], key: str, allowed: tuple[str, ...], path: str):
    value = props.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise b.error(f"must be one of {', '.join(allowed)}, got {render(value)!r}", path + key)
    return value


_FAMILY_BY_TYPE = {
    "AWS::SQS::Queue": "sqs", "AWS::SNS::Topic": "sns", "AWS::Lambda::Function": "lambda",
    "AWS::Serverless::Function": "lambda", "AWS::Lambda::Alias": "lambda",
    "AWS::StepFunctions::StateMachine": "states", "AWS::Kinesis::Stream": "kinesis",
    "AWS::KinesisFirehose::DeliveryStream": "firehose", "AWS::Events::ApiDestination": "http",
    "AWS::Events::EventBus": "event-bus", "AWS::EventsV2::EventBus": "event-busv2",
}  # fmt: skip
"""A linked target's family (:data:`BATCH_LIMITS`) by its resource type."""


def _family(b: Build, target_arn: Any) -> str:
    """The target family of :data:`BATCH_LIMITS` a subscriber's TargetArn belongs to."""
    linked = b.linker.link(target_arn)
    rtype = (b.resource_type(linked) or "") if linked else ""
    if rtype in _FAMILY_BY_TYPE:
        return _FAMILY_BY_TYPE[rtype]
    parts = arn_parts(Linker.text(target_arn))
    if parts is None:
        return "other"
    service, _, resource = parts
    if service == "events":
        for prefix, family in (("api-destination/", "http"), ("event-busv2/", "event-busv2"),
                               ("event-bus/", "event-bus")):  # fmt: skip
            if resource.startswith(prefix):
                return family
        return "universal" if resource.startswith("aws-sdk:") else "other"
    if service == "execute-api":
        return "http"
    return service if service in BATCH_LIMITS else "other"


def _filters(b: Build) -> tuple[SubscriberFilter, ...]:
    config = b.section(b.props, "FilterConfiguration", "")
    raw = config.get("Filters") or []
    if not isinstance(raw, list):
        raise b.error("must be a list of {Pattern, Scope}", "FilterConfiguration.Filters")
    scopes = tuple(s.value for s in FilterScope)
    out: list[SubscriberFilter] = []
    for index, item in enumerate(raw):
        path = f"FilterConfiguration.Filters[{index}]."
        if not isinstance(item, Mapping) or "Pattern" not in item or "Scope" not in item:
            raise b.error("a filter needs Pattern and Scope", path.rstrip("."))
        scope = FilterScope(_choice(b, item, "Scope", scopes, path))
        if any(f.scope is scope for f in out):
            raise b.error(f"a second {scope} filter: a subscriber takes at most one filter per "
                          "scope (AWS refuses the rest)", path + "Scope")  # fmt: skip
        text = render(item["Pattern"])
        try:
            pattern = compile_pattern(text if isinstance(text, str | dict) else str(text),
                                      max_size=4096, numeric_limit=None)  # fmt: skip
        except PatternError as exc:
            where = f"{path}Pattern.{exc.path}" if exc.path else f"{path}Pattern"
            raise b.error(exc.reason, where) from None
        if uses_wildcard(pattern.to_dict()):
            reason = ("subscriber filters do not support wildcard matching (AWS refuses it; "
                      "use prefix, suffix or equals-ignore-case)")  # fmt: skip
            raise b.error(reason, f"{path}Pattern")
        out.append(SubscriberFilter(scope, pattern))
    return tuple(out)


def _retry(b: Build) -> RetryPolicy:
    retry = b.section(b.props, "RetryPolicy", "")
    _choice(b, retry, "RetryStrategy", ("ALL",), "RetryPolicy.")
    return RetryPolicy(
        b.number(retry, "MaxRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS, "RetryPolicy.",
                 low=0, high=185, integer=True),
        b.number(retry, "MaxEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_SECONDS, "RetryPolicy.",
                 low=60, high=86_400, integer=True),
        explicit=bool(retry),
    )  # fmt: skip


def _target(b: Build, invoke: Mapping[str, Any]) -> Target:
    arn = invoke["TargetArn"]
    dlq = b.section(b.props, "OnFailureConfiguration", "").get("Arn")
    http = b.section(invoke, "HttpParameters", "InvokeConfiguration.")
    return Target(
        target_id=SUBSCRIBER_TARGET_ID,
        kind=target_kind(b, arn),
        arn=Linker.text(arn),
        resource=b.linker.link(arn),
        retry_policy=_retry(b),
        dead_letter_queue=(b.linker.link(dlq) or Linker.text(dlq)) if dlq else None,
        http_parameters=HttpParameters(
            pairs(http.get("HeaderParameters")),
            pairs(http.get("QueryStringParameters")),
            tuple(Linker.text(v) for v in http.get("PathParameterValues") or ()),
        ) if http else None,
        role_arn=b.string(invoke, "RoleArn"),
    )  # fmt: skip


def build_subscriber(b: Build) -> Subscriber:
    invoke = b.section(b.props, "InvokeConfiguration", "")
    if "TargetArn" not in invoke:
        raise b.error("a subscriber needs InvokeConfiguration.TargetArn", "InvokeConfiguration")
    if "EventBusArn" not in b.props:
        raise b.error("a subscriber needs EventBusArn", "EventBusArn")
    blocks = [k for k in _PARAMETER_BLOCKS if invoke.get(k) is not None]
    if len(blocks) > 1:
        raise b.error(f"at most one parameter block, got {', '.join(blocks)}",
                      "InvokeConfiguration")  # fmt: skip
    family = _family(b, invoke["TargetArn"])
    batch = b.section(b.props, "BatchConfiguration", "")
    largest, default = BATCH_LIMITS.get(family, (500, 1))
    size = b.number(batch, "MaxBatchSize", default, "BatchConfiguration.", low=1, high=largest,
                    integer=True)  # fmt: skip
    typed = {k: invoke.get(k) or {} for k in ("LambdaParameters", "StepFunctionsParameters")}
    invocation = next((p.get("InvocationType") for p in typed.values() if p), None)
    if invocation is not None and invocation not in ("EVENT", "REQUEST_RESPONSE"):
        raise b.error(f"must be EVENT or REQUEST_RESPONSE, got {render(invocation)!r}",
                      "InvokeConfiguration.LambdaParameters.InvocationType")  # fmt: skip
    point = b.section(b.props, "PointInTimeConfiguration", "")
    bus_arn = b.props["EventBusArn"]
    return Subscriber(
        id=b.gid,
        name=b.name(b.props, "Name"),
        bus=b.linker.link(bus_arn) or Linker.text(bus_arn),
        region=b.region,
        account=b.account,
        targets=(_target(b, invoke),),
        target_family=family,
        filters=_filters(b),
        ordering=_choice(b, b.props, "Type", ("FIFO", "UNORDERED"), "") or ASSUMED_DEFAULTS["Type"],
        ordering_explicit="Type" in b.props,
        state=_choice(b, b.props, "State", ("RUNNING", "STOPPED"), "") or "RUNNING",
        batch_size=size,
        batch_size_explicit="MaxBatchSize" in batch,
        batch_window_seconds=b.number(batch, "MaxBatchWindowInSeconds", 0, "BatchConfiguration.",
                                      low=0, high=300, integer=True),
        starting_position=_choice(b, b.props, "StartingPosition", ("LATEST", "POINT_IN_TIME"), "")
        or ASSUMED_DEFAULTS["StartingPosition"],
        point_in_time=PointInTime(
            _choice(b, point, "PointType", ("HORIZON", "TIMESTAMP"), "PointInTimeConfiguration.")
            or "HORIZON",
            b.number(point, "StartingPoint", None, "PointInTimeConfiguration.", integer=True),
            b.number(point, "EndPoint", None, "PointInTimeConfiguration.", integer=True),
        ) if point else None,
        invocation_type=invocation,
        transformer=_choice(b, b.section(b.props, "Transformer", ""), "Type",
                            ("RAW", "WITH_METADATA", "JSONATA"), "Transformer.") or "RAW",
        transformer_expression=b.string(b.section(b.section(b.props, "Transformer", ""),
                                                  "JsonataConfiguration", "Transformer."),
                                        "Expression"),
        log_level=_choice(b, b.section(b.props, "LogConfiguration", ""), "Level",
                          ("OFF", "ERROR", "INFO"), "LogConfiguration.") or "OFF",
        role_arn=b.string(invoke, "RoleArn"),
        role=b.linker.link(invoke.get("RoleArn")),
    )  # fmt: skip
