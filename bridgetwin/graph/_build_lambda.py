"""Lambda in the graph: functions and their asynchronous-invocation settings.

EventBridge invokes Lambda asynchronously (eventbridge-facts §10): what happens to an event after
Lambda accepts it depends on the function's concurrency (``ReservedConcurrentExecutions``), its
timeout, and how Lambda retries it (``AWS::Lambda::EventInvokeConfig``: maximum event age, retry
attempts, on-failure destination; or the function's ``DeadLetterConfig``). SAM functions carry
the same settings as properties (``EventInvokeConfig``, ``DeadLetterQueue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._sam import SAM_EXPANDED_EVENTS
from bridgetwin.graph.service_nodes import AsyncInvokeConfig, EventInvokeConfig, LambdaFunction

"""SAM function event types that become EventBridge rules (the loader expands them)."""


def _async_config(b: Build, props: Mapping[str, Any], path: str) -> AsyncInvokeConfig:
    on_failure = (b.section(props, "DestinationConfig", path).get("OnFailure") or {}).get(
        "Destination"
    )
    return AsyncInvokeConfig(
        maximum_event_age_seconds=b.number(
            props, "MaximumEventAgeInSeconds", 21_600, path, low=60, high=21_600, integer=True
        ),
        maximum_retry_attempts=b.number(
            props, "MaximumRetryAttempts", 2, path, low=0, high=2, integer=True
        ),
        on_failure=(b.linker.link(on_failure) or b.linker.text(on_failure)) if on_failure else None,
    )


def build_function(b: Build) -> LambdaFunction:
    props = b.props
    serverless = b.resource_type(b.gid) == "AWS::Serverless::Function"
    sources: list[str] = []
    if serverless:
        dead_letter = b.section(props, "DeadLetterQueue", "").get("TargetArn")
        own = b.section(props, "EventInvokeConfig", "")
        async_config = _async_config(b, own, "EventInvokeConfig.") if own else None
        for event in b.section(props, "Events", "").values():
            kind = event.get("Type") if isinstance(event, Mapping) else None
            if isinstance(kind, str) and kind not in SAM_EXPANDED_EVENTS and kind not in sources:
                sources.append(kind)
    else:
        dead_letter = b.section(props, "DeadLetterConfig", "").get("TargetArn")
        async_config = None
    return LambdaFunction(
        id=b.gid,
        name=b.name(props, "FunctionName"),
        region=b.region,
        timeout_seconds=b.number(props, "Timeout", 3, low=1, high=900),
        reserved_concurrency=b.number(
            props, "ReservedConcurrentExecutions", None, low=0, integer=True
        ),
        dead_letter=(b.linker.link(dead_letter) or b.linker.text(dead_letter))
        if dead_letter
        else None,
        async_config=async_config,
        other_event_sources=tuple(sources),
    )


def build_invoke_config(b: Build) -> EventInvokeConfig:
    function = b.props.get("FunctionName")
    if function is None:
        raise b.error("needs FunctionName", "FunctionName")
    return EventInvokeConfig(
        id=b.gid,
        function=b.linker.link(function) or b.linker.text(function),
        qualifier=b.string(b.props, "Qualifier", "$LATEST"),
        config=_async_config(b, b.props, ""),
    )
