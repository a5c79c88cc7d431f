"""One Classic rule target as one Custom Event Bus subscriber's properties (facts §5).

The rule's pattern becomes a ``DATA`` filter; the target's ARN, its parameters (SQS message
group, Kinesis partition key, HTTP headers, query strings and path values, JSONPath values
becoming ``{% %}`` expressions) and its input shaping (:mod:`.to_jsonata`) move to the
subscriber; the Classic retry policy is written out *with its values* (185 attempts / 24 h when
the rule relied on Classic's defaults), so nothing shrinks to the new bus's 5 / 300 s; the DLQ
becomes the on-failure queue. Lambda and Step Functions targets are invoked asynchronously as
Classic did (``InvocationType: EVENT``) and get ``MaxBatchSize: 1``, because Classic sent them
one event per call and a subscriber would send an array of 10; so does any target with a
transformer, whose expression reads one event.

``aws_defaults=True`` writes the trap instead: no retry policy and no batch size, as a team that
copies only the routing would, so the comparison can show what AWS's defaults do.

What cannot move raises :class:`TargetNotMigratedError` with the finding's code and reason: targets
with no subscriber equivalent short of a universal target (ECS, Batch, CloudWatch Logs, SSM, ...,
which need an API request written by hand), targets in another account or Region, and input
shaping with no JSONata equivalent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Graph, Target, TargetKind
from bridgetwin.migration.to_jsonata import (
    EVENT,
    UntranslatableError,
    constant_expression,
    path_expression,
    template_expression,
    wrap,
)

CLASSIC_RETRY_ATTEMPTS, CLASSIC_EVENT_AGE_SECONDS = 185, 86_400
"""What a Classic target without a RetryPolicy gets (eventbridge-facts), written explicitly."""

_FAMILY = {
    TargetKind.SQS: "sqs", TargetKind.SNS: "sns", TargetKind.LAMBDA: "lambda",
    TargetKind.STEP_FUNCTIONS: "states", TargetKind.KINESIS: "kinesis",
    TargetKind.API_DESTINATION: "api-destination", TargetKind.EVENT_BUS: "event-bus",
}  # fmt: skip
_SERVICE_FAMILY = {"firehose": "firehose", "execute-api": "execute-api"}
SINGLE_EVENT_FAMILIES = ("lambda", "states")
"""Targets a subscriber would send a JSON array of events (batch default 10) instead of one."""


class TargetNotMigratedError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class DeliveryGrant:
    """What the subscribers' delivery role must be allowed to do, on what."""

    family: str
    target_arn: Any
    dead_letter_arn: Any


def family_of(graph: Graph, target: Target) -> str:
    """The subscriber target family of a Classic target, or raise ``TargetNotMigratedError``."""
    if target.kind in _FAMILY:
        return _FAMILY[target.kind]
    service = _service(graph, target)
    if service in _SERVICE_FAMILY:
        return _SERVICE_FAMILY[service]
    name = "CloudWatch Logs" if target.kind is TargetKind.LOGS else (service or "this service")
    raise TargetNotMigratedError(
        "migrate-universal-target",
        f"target {target.target_id} ({name}) has no subscriber equivalent but a universal "
        f"target (arn:aws:events:::aws-sdk:<service>:<action>), whose API request "
        "(UniversalTargetParameters.Input) must be written by hand",
    )


def _service(graph: Graph, target: Target) -> str | None:
    parts = target.arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn":
        return parts[2]
    node = graph.find(target.resource) if target.resource else None
    rtype = getattr(node, "type", "") or ""
    return {"AWS::KinesisFirehose::DeliveryStream": "firehose"}.get(rtype, rtype or None)


def check_place(target: Target, region: str, account: str) -> None:
    """A subscriber's target must be in its account and Region (checked at create)."""
    parts = target.arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or "${" in target.arn:
        return
    where = {"Region": (parts[3], region), "account": (parts[4], account)}
    for what, (theirs, ours) in where.items():
        if theirs and theirs != ours:
            raise TargetNotMigratedError(
                f"migrate-cross-{'region' if what == 'Region' else 'account'}-target",
                f"target {target.target_id} is in {what} {theirs}, the bus in {ours}: a "
                f"subscriber's target must be in the subscriber's {what} (checked at create); "
                "forward to a bus there and subscribe on it",
            )


def _dynamic(value: Any) -> Any:
    """A Classic parameter value: a JSONPath (``$.detail.x``) becomes an expression."""
    if isinstance(value, str) and value.startswith("$"):
        return wrap(path_expression(value))
    return value


def _http(raw: Mapping[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {}
    for key in ("HeaderParameters", "QueryStringParameters"):
        if isinstance(raw.get(key), Mapping):
            block[key] = {k: _dynamic(v) for k, v in raw[key].items()}
    if isinstance(raw.get("PathParameterValues"), list):
        block["PathParameterValues"] = [_dynamic(v) for v in raw["PathParameterValues"]]
    return block


def _parameters(family: str, raw: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The subscriber's target parameter block (name, members), or None."""
    if family in SINGLE_EVENT_FAMILIES:
        name = "LambdaParameters" if family == "lambda" else "StepFunctionsParameters"
        return name, {"InvocationType": "EVENT"}
    if family == "sqs" and isinstance(raw.get("SqsParameters"), Mapping):
        group = raw["SqsParameters"].get("MessageGroupId")
        return ("SqsParameters", {"MessageGroupId": group}) if group is not None else None
    if family == "kinesis":
        path = (raw.get("KinesisParameters") or {}).get("PartitionKeyPath")
        key = path_expression(path) if isinstance(path, str) else f"{EVENT}.id"
        return "KinesisParameters", {"PartitionKey": wrap(key)}
    if family in ("api-destination", "execute-api") and isinstance(raw.get("HttpParameters"),
                                                                   Mapping):  # fmt: skip
        block = _http(raw["HttpParameters"])
        return ("HttpParameters", block) if block else None
    return None


def _transformer(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    if "Input" in raw:
        expression = constant_expression(str(raw["Input"]))
    elif "InputPath" in raw:
        expression = path_expression(str(raw["InputPath"]))
    elif isinstance(raw.get("InputTransformer"), Mapping):
        shaping = raw["InputTransformer"]
        paths = shaping.get("InputPathsMap") or {}
        if not isinstance(paths, Mapping) or not isinstance(shaping.get("InputTemplate"), str):
            raise UntranslatableError("InputTransformer holds values known only at deploy time")
        expression = template_expression(shaping["InputTemplate"], paths)
    else:
        return None
    return {"Type": "JSONATA", "JsonataConfiguration": {"Expression": wrap(expression)}}


def subscriber_properties(
    family: str, raw: Mapping[str, Any], common: Mapping[str, Any], *, aws_defaults: bool
) -> tuple[dict[str, Any], DeliveryGrant]:
    """The subscriber's Properties for the raw Classic target ``raw`` (``common``: Name,
    EventBusArn, FilterConfiguration, State, the role), and what its role must allow."""
    try:
        parameters = _parameters(family, raw)
        transformer = _transformer(raw)
    except UntranslatableError as exc:
        raise TargetNotMigratedError(
            "migrate-input-transformer", f"target {raw.get('Id')}: {exc}"
        ) from None
    invoke: dict[str, Any] = {"TargetArn": common["TargetArn"], "RoleArn": common["RoleArn"]}
    if parameters is not None:
        invoke[parameters[0]] = parameters[1]
    props: dict[str, Any] = {
        key: common[key] for key in ("Name", "EventBusArn", "FilterConfiguration", "State")
        if key in common
    }  # fmt: skip
    props |= {"Type": "UNORDERED", "InvokeConfiguration": invoke}
    if transformer is not None:
        props["Transformer"] = transformer
    if not aws_defaults:
        policy = raw.get("RetryPolicy") or {}
        props["RetryPolicy"] = {
            "MaxRetryAttempts": policy.get("MaximumRetryAttempts", CLASSIC_RETRY_ATTEMPTS),
            "MaxEventAgeInSeconds": policy.get("MaximumEventAgeInSeconds",
                                               CLASSIC_EVENT_AGE_SECONDS),
        }  # fmt: skip
        if family in SINGLE_EVENT_FAMILIES or transformer is not None:
            props["BatchConfiguration"] = {"MaxBatchSize": 1}
    dead_letter = (raw.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter is not None:
        props["OnFailureConfiguration"] = {"Arn": dead_letter}
    return props, DeliveryGrant(family, common["TargetArn"], dead_letter)
