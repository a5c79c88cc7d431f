"""The migrated buses and subscribers as Python for a CDK app, with bridgetwin's constructs.

A team on CDK does not deploy the rewritten template; it changes its app. For each migrated stack
this writes one function, ``add_migrated_subscribers(scope, targets, on_failure_queues, buses)``,
that creates every migrated bus (``CustomEventBus``, same name and retention) and every subscriber
(``Subscriber``, same name, filters, retry values, batch size, state and transformer) exactly as
the faithful template has them. What the template named by logical id (a target, an on-failure
queue, a bus in another stack) the caller passes in, keyed by that logical id, because only the
app knows the construct behind it; the target's parameters (an SQS message group, HTTP headers)
go to its ``SubscriberTarget`` and are listed in a comment above each subscriber.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_ORIGIN = "bridgetwin:migrated-from"
_BLOCKS = ("SqsParameters", "SnsParameters", "LambdaParameters", "StepFunctionsParameters",
           "KinesisParameters", "HttpParameters", "EventBusV2Parameters")  # fmt: skip


def _key(value: Any) -> str:
    """The logical id a value refers to (``Ref``/``GetAtt``), the export it imports, else its
    text."""
    if isinstance(value, Mapping):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            inner = value["Fn::GetAtt"]
            return str(inner[0] if isinstance(inner, list) else inner.split(".")[0])
        if isinstance(value.get("Fn::ImportValue"), str):
            return value["Fn::ImportValue"]
    return value if isinstance(value, str) else json.dumps(value)


def _bus(lid: str, props: Mapping[str, Any]) -> list[str]:
    days = (props.get("StorageConfiguration") or {}).get("RetentionPeriodInDays", 1)
    return [f"    buses[{lid!r}] = CustomEventBus(",
            f"        scope, {lid!r}, bus_name={props.get('Name')!r},",
            f"        retention=Duration.days({days!r}),", "    )"]  # fmt: skip


def _subscriber(lid: str, props: Mapping[str, Any]) -> list[str]:
    invoke = props["InvokeConfiguration"]
    filters = {f["Scope"]: json.loads(f["Pattern"]) for f in
               props["FilterConfiguration"]["Filters"]}  # fmt: skip
    policy = props.get("RetryPolicy") or {}
    args = [
        f"bus=buses[{_key(props['EventBusArn'])!r}]",
        f"target=targets[{_key(invoke['TargetArn'])!r}]",
        f"filters={filters!r}",
        f"subscriber_name={props['Name']!r}",
    ]
    if policy:
        args += [f"retry_attempts={policy['MaxRetryAttempts']!r}",
                 f"max_event_age=Duration.seconds({policy['MaxEventAgeInSeconds']!r})"]  # fmt: skip
    failure = (props.get("OnFailureConfiguration") or {}).get("Arn")
    if failure is not None:
        args.append(f"on_failure_queue=on_failure_queues[{_key(failure)!r}]")
    batch = (props.get("BatchConfiguration") or {}).get("MaxBatchSize")
    if batch is not None:
        args.append(f"batch_size={batch!r}")
    if props.get("State") == "STOPPED":
        args.append("enabled=False")
    transformer = ((props.get("Transformer") or {}).get("JsonataConfiguration") or {}).get(
        "Expression"
    )
    if transformer is not None:
        args.append(f"transformer={transformer!r}")
    blocks = {k: invoke[k] for k in _BLOCKS if k in invoke}
    lines = [f"    # its SubscriberTarget's parameters: {json.dumps(blocks)}"] if blocks else []
    lines.append(f"    Subscriber(scope, {lid!r},")
    lines += [f"               {arg}," for arg in args]
    return [*lines, "    )"]


def snippet(stack: str, template: Mapping[str, Any]) -> str | None:
    """The Python module for ``stack``'s migrated template, or None when it has nothing new."""
    resources = template.get("Resources") or {}
    buses = [(lid, r["Properties"]) for lid, r in resources.items()
             if r.get("Type") == "AWS::EventsV2::EventBus"]  # fmt: skip
    subscribers = [(lid, r["Properties"]) for lid, r in resources.items()
                   if r.get("Type") == "AWS::EventsV2::Subscriber"
                   and _ORIGIN in (r.get("Metadata") or {})]  # fmt: skip
    if not buses and not subscribers:
        return None
    body = [f'"""The Custom Event Bus resources `bridgetwin migrate` wrote for stack {stack},',
            "as bridgetwin constructs (generated; see bridgetwin's README, 'Moving a Classic",
            "deployment').\"\"\"", "", "from aws_cdk import Duration", "",
            "from bridgetwin.constructs import CustomEventBus, Subscriber", "", "",
            "def add_migrated_subscribers(scope, targets, on_failure_queues, buses=None):",
            '    """targets: logical id -> SubscriberTarget; on_failure_queues: logical id -> '
            "sqs.IQueue;", "    buses: logical id -> a bus defined elsewhere (for example",
            '    CustomEventBus.from_event_bus_arn(...)). Returns the buses it created."""',
            "    buses = dict(buses or {})"]  # fmt: skip
    for lid, props in buses:
        body += _bus(lid, props)
    for lid, props in subscribers:
        body += _subscriber(lid, props)
    return "\n".join([*body, "    return buses", ""])
