"""Every check ``ApiDelivery`` makes on its props, in one place, before any resource exists.

Props that exclude each other are checked first (a shared API destination keeps its own
endpoint, authorization, method and rate limit; an existing connection keeps its own
authorization and parameters), then each value against EventBridge's limits, then the patterns,
which are compiled with :mod:`bridgetwin.patterns` and whose lint findings become synth warnings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import Annotations
from constructs import Construct

from bridgetwin.constructs._validation import (
    BUS_NAME_CHARSET,
    NAME_CHARSET,
    ValidationError,
    check_choice,
    check_https,
    check_name,
    check_number,
    check_range,
    is_token,
)
from bridgetwin.constructs.delivery_alarms import DEFAULT_ALARMS
from bridgetwin.constructs.http_parameters import check_parameters
from bridgetwin.patterns import Pattern, PatternError, Severity, compile_pattern, lint

HTTP_METHODS = ("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
"""Methods an API destination accepts (ApiDestinationHttpMethod; not CONNECT or TRACE)."""
RATE_LIMIT_QUOTA = 300
"""Default quota "rate of invocations per API destination" (L-755FD01C, adjustable)."""
_DESTINATION_PROPS = (
    "endpoint",
    "authorization",
    "connection",
    "http_method",
    "rate_limit_per_second",
)
_CONNECTION_PROPS = (
    "authorization",
    "connection_header_parameters",
    "connection_query_string_parameters",
    "connection_body_parameters",
)


def check_destination_props(props: Mapping[str, Any]) -> None:
    """The connection's and API destination's props (``ApiDelivery`` and
    ``CustomBusDelivery``): which exclude each other, then each against EventBridge's limits."""
    _check_exclusions(props)
    check_https("endpoint", props["endpoint"])
    check_choice("http_method", props["http_method"], HTTP_METHODS)
    _check_rate_limit(props["rate_limit_per_second"], props["rate_limit_quota_raised"])
    check_name("name", props["name"], 64 - len("-connection"), NAME_CHARSET)
    check_parameters("connection_header_parameters", props["connection_header_parameters"],
                     header=True, secret_form=True)  # fmt: skip
    for prop in ("connection_query_string_parameters", "connection_body_parameters"):
        check_parameters(prop, props[prop], header=False, secret_form=True)


def check_props(props: Mapping[str, Any], scope: Construct) -> None:
    """Raise :class:`ValidationError` for the first prop EventBridge (or CDK) would reject."""
    check_destination_props(props)
    check_range("retry_attempts", props["retry_attempts"], 0, 185, integer=True)
    check_range("max_event_age", props["max_event_age"].to_seconds(), 60, 86_400, integer=True)
    check_name("bus_name", props["bus_name"], 256, BUS_NAME_CHARSET)
    if props["bus_name"] == "default":
        raise ValidationError(
            "'bus_name' names the bus to create and cannot be 'default'; pass "
            "bus=events.EventBus.from_event_bus_name(self, 'Default', 'default') to use it"
        )
    for prop in ("header_parameters", "query_string_parameters"):
        check_parameters(prop, props[prop], header=prop == "header_parameters", secret_form=False)
    _check_path_parameters(props["path_parameter_values"])
    _check_dead_letter_queue(props["dead_letter_queue"], scope)
    _check_alarms(props["alarms"])


def compile_patterns(patterns: Any, scope: Construct) -> list[Pattern]:
    """Each pattern compiled; lint findings (warnings and errors) become synth warnings."""
    if isinstance(patterns, Mapping | str) or not isinstance(patterns, Sequence):
        raise ValidationError(
            f"{scope.node.path}: 'event_patterns' takes a list of patterns (one rule each); "
            f"wrap a single pattern in [...], got {type(patterns).__name__}"
        )
    if not patterns:
        raise ValidationError(f"{scope.node.path}: 'event_patterns' needs at least one pattern")
    compiled = []
    for index, pattern in enumerate(patterns):
        if not isinstance(pattern, Mapping):
            raise ValidationError(
                f"{scope.node.path}: event_patterns[{index}] must be a dict, got "
                f"{type(pattern).__name__}"
            )
        try:
            compiled.append(compile_pattern(pattern))
        except PatternError as exc:
            raise ValidationError(f"{scope.node.path}: event_patterns[{index}]: {exc}") from None
        for finding in lint(compiled[-1]):
            if finding.severity is not Severity.INFO:
                Annotations.of(scope).add_warning_v2(
                    f"bridgetwin:pattern-{finding.code}",
                    f"event_patterns[{index}]: {finding.message}",
                )
    return compiled


def _check_exclusions(props: Mapping[str, Any]) -> None:
    if props["api_destination"] is not None:
        for prop in (*_DESTINATION_PROPS, *_CONNECTION_PROPS[1:]):
            if props[prop] is not None:
                raise ValidationError(
                    f"'api_destination' and '{prop}' cannot both be provided: a shared API "
                    "destination keeps its own connection, endpoint, method and rate limit"
                )
    else:
        if props["endpoint"] is None:
            raise ValidationError("'endpoint' is required without 'api_destination'")
        if props["connection"] is not None:
            for prop in _CONNECTION_PROPS:
                if props[prop] is not None:
                    raise ValidationError(
                        f"'connection' and '{prop}' cannot both be provided: an existing "
                        "connection keeps its own authorization and parameters"
                    )
        elif props["authorization"] is None:
            raise ValidationError(
                "'authorization' is required without 'connection' or 'api_destination'"
            )
    if props["bus"] is not None and props["bus_name"] is not None:
        raise ValidationError("'bus' and 'bus_name' cannot both be provided")


def _check_rate_limit(rate: Any, raised: bool) -> None:
    check_number("rate_limit_per_second", rate, integer=True)
    if rate is None or is_token(rate):
        return
    if rate < 1 or (rate > RATE_LIMIT_QUOTA and not raised):
        hint = (
            " (the per-destination quota); set rate_limit_quota_raised=True if AWS raised it for "
            "your account"
            if rate > RATE_LIMIT_QUOTA
            else ""
        )
        upper = "the raised quota" if raised else RATE_LIMIT_QUOTA
        raise ValidationError(
            f"'rate_limit_per_second' must be between 1 and {upper}, got {rate}{hint}"
        )


def _check_path_parameters(values: Any) -> None:
    if values is None:
        return
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValidationError("'path_parameter_values' must be a list of strings")
    for index, value in enumerate(values):
        if not isinstance(value, str) or (not is_token(value) and not value.strip()):
            raise ValidationError(
                f"'path_parameter_values[{index}]' must be a non-blank string, got {value!r}"
            )


def _check_dead_letter_queue(queue: Any, scope: Construct) -> None:
    if queue is None:
        return
    if queue.fifo:
        raise ValidationError(
            "'dead_letter_queue' must be a standard SQS queue: SQS FIFO is not supported by "
            "Dead Letter Queues"
        )
    queue_region, own_region = cdk.Stack.of(queue).region, cdk.Stack.of(scope).region
    if not is_token(queue_region) and not is_token(own_region) and queue_region != own_region:
        raise ValidationError(
            f"'dead_letter_queue' must be in the rule's Region {own_region}, got {queue_region}"
        )


def _check_alarms(alarms: Mapping[str, Any] | None) -> None:
    for key, settings in (alarms or {}).items():
        if key not in DEFAULT_ALARMS:
            raise ValidationError(
                f"'alarms' has unknown key '{key}'; allowed: {', '.join(DEFAULT_ALARMS)}"
            )
        if settings is not None:
            settings.validate(f"alarms.{key}")
