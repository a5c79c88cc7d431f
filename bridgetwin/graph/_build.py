"""Build one graph node from one resolved resource: a small function per resource type.

Each builder reads the resource's resolved ``Properties`` and fills in what CloudFormation or AWS
would default. Values the twin needs (numbers, states, patterns) must be concrete: a placeholder
there raises ``TemplateError`` naming the stack, resource and property. Here: ``Build`` (what
every builder reads with) and the builders of buses, connections, API destinations, archives,
endpoints, alarms and health checks; rules and targets are in :mod:`._build_rules`, SQS in
:mod:`._build_sqs`, and :mod:`._builders` maps resource types to builders.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph._credentials import url_secrets
from bridgetwin.graph._intrinsics import StackContext
from bridgetwin.graph._linker import Linker
from bridgetwin.graph._values import SecretReference, render
from bridgetwin.graph.nodes import (
    DEFAULT_RATE_LIMIT_PER_SECOND,
    Alarm,
    ApiDestination,
    Archive,
    Connection,
    EventBus,
    GlobalEndpoint,
    HealthCheck,
)
from bridgetwin.patterns import Pattern, PatternError, compile_pattern


@dataclass
class Build:
    """What a builder needs: the stack, the resource, its resolved properties, and the linker."""

    ctx: StackContext
    logical_id: str
    gid: str
    props: Mapping[str, Any]
    linker: Linker
    bus_id: Callable[[Any, str], str]
    """Graph id of the bus a value (name, ARN or reference) denotes, creating implicit buses."""
    resource_type: Callable[[str], str | None]
    """The resource type of a graph id (None for nodes outside the template)."""

    @property
    def region(self) -> str:
        return self.ctx.region

    @property
    def account(self) -> str:
        return self.ctx.account

    def error(self, reason: str, path: str) -> Exception:
        return self.ctx.error(reason, self.logical_id, path)

    def _asking(self, value: Any) -> str:
        """For a parameter's placeholder or an external import: what would give the value."""
        text = str(render(value))
        names = [n for n in sorted(self.ctx.placeholders) if f"${{{n}}}" in text]
        if names:
            wanted = " ".join(f"--param {n}=VALUE" for n in names)
            return f" (the parameter has no value and no Default: {wanted})"
        imports = [n for n, ref in sorted(self.ctx.external.items()) if ref == text]
        if imports:
            return f" (Fn::ImportValue '{imports[0]}': load the stack that exports it)"
        return ""

    def section(self, props: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        """The object at ``key`` ({} when absent); anything but an object is a TemplateError."""
        value = props.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"must be an object, got {render(value)!r}", f"{path}{key}")
        return value

    def number(
        self,
        props: Mapping[str, Any],
        key: str,
        default: Any,
        path: str = "",
        *,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> Any:
        """A finite number (an integer when ``integer``) within AWS's limits ``low``..``high``,
        which CloudFormation would reject otherwise; ``None`` when absent without a default."""
        value = props.get(key, default)
        if value is None:
            return None
        where = f"{path}{key}"
        try:
            if isinstance(value, bool):
                raise TypeError
            number = float(value)
        except (TypeError, ValueError):  # not a number, or a placeholder only AWS can fill in
            raise self.error(
                f"needs a number, got {render(value)!r}{self._asking(value)}", where
            ) from None
        if not math.isfinite(number):
            raise self.error(f"needs a finite number, got {value!r}", where)
        if integer and not number.is_integer():
            raise self.error(f"needs an integer, got {value!r}", where)
        if (low is not None and number < low) or (high is not None and number > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
            raise self.error(f"must be {bounds}, got {number:g}", where)
        return int(number) if number.is_integer() else number

    def string(self, props: Mapping[str, Any], key: str, default: str | None = None) -> Any:
        value = props.get(key, default)
        return None if value is None else self.linker.text(value)

    def pattern(self, props: Mapping[str, Any], key: str) -> Pattern | None:
        raw = props.get(key)
        if raw is None:
            return None
        raw = render(raw)
        try:
            return compile_pattern(  # a deployed rule: no limit AWS may no longer apply
                raw if isinstance(raw, str | dict) else json.dumps(raw),
                max_size=None,
                numeric_limit=None,
            )
        except PatternError as exc:
            where = f"{key}.{exc.path}" if exc.path else key
            raise self.error(exc.reason, where) from None

    def name(self, props: Mapping[str, Any], key: str) -> str:
        """The physical name, or the logical id when AWS would generate one."""
        value = props.get(key)
        return value if isinstance(value, str) else self.logical_id


def build_bus(b: Build) -> EventBus:
    dlq = b.section(b.props, "DeadLetterConfig", "").get("Arn")
    return EventBus(
        id=b.gid,
        name=b.name(b.props, "Name"),
        region=b.region,
        account=b.account,
        policy=render(b.props.get("Policy")),
        dead_letter_queue=(b.linker.link(dlq) or b.linker.text(dlq)) if dlq else None,
        kms_key=b.string(b.props, "KmsKeyIdentifier"),
    )


_SECRET_FIELDS = {
    "ApiKeyAuthParameters": ("ApiKeyValue",),
    "BasicAuthParameters": ("Password",),
    "OAuthParameters": ("ClientParameters.ClientSecret",),
}


def _at(value: Any, group: str, dotted: str) -> Any:
    """``value[group]`` then each dotted part, or None where the path does not exist."""
    for part in (group, *dotted.split(".")):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def build_connection(b: Build) -> Connection:
    auth = b.props.get("AuthParameters") or {}
    references: list[str] = []
    plaintext: list[str] = []
    raw_auth = (b.ctx.resources[b.logical_id].get("Properties") or {}).get("AuthParameters")
    for group, fields in _SECRET_FIELDS.items():
        for dotted in fields:
            value, raw = _at(auth, group, dotted), _at(raw_auth, group, dotted)
            if isinstance(value, SecretReference):
                references.append(value.text)
            elif isinstance(raw, str) and not raw.startswith("{{resolve:"):
                plaintext.append(f"AuthParameters.{group}.{dotted}")  # written in the template
    oauth = auth.get("OAuthParameters") or {}
    return Connection(
        id=b.gid,
        name=b.name(b.props, "Name"),
        authorization_type=b.string(b.props, "AuthorizationType") or "",
        oauth_endpoint=b.string(oauth, "AuthorizationEndpoint"),
        oauth_http_method=b.string(oauth, "HttpMethod"),
        secret_references=tuple(references),
        plaintext_secret_fields=tuple(plaintext),
    )


def build_api_destination(b: Build) -> ApiDestination:
    raw = (b.ctx.resources[b.logical_id].get("Properties") or {}).get("InvocationEndpoint")
    return ApiDestination(
        id=b.gid,
        name=b.name(b.props, "Name"),
        endpoint=b.string(b.props, "InvocationEndpoint") or "",
        http_method=b.string(b.props, "HttpMethod") or "",
        rate_limit_per_second=b.number(
            b.props,
            "InvocationRateLimitPerSecond",
            DEFAULT_RATE_LIMIT_PER_SECOND,
            low=1,
            integer=True,
        ),
        connection=b.linker.link(b.props.get("ConnectionArn")),
        rate_limit_is_default="InvocationRateLimitPerSecond" not in b.props,
        literal_secrets=url_secrets(raw) if isinstance(raw, str) else (),
    )


def build_archive(b: Build) -> Archive:
    return Archive(
        id=b.gid,
        name=b.name(b.props, "ArchiveName"),
        source_bus=b.bus_id(b.props.get("SourceArn"), "SourceArn"),
        pattern=b.pattern(b.props, "EventPattern"),
        retention_days=b.number(b.props, "RetentionDays", None),
    )


def build_endpoint(b: Build) -> GlobalEndpoint:
    routing = b.section(b.props, "RoutingConfig", "")
    failover = b.section(routing, "FailoverConfig", "RoutingConfig.")
    health = b.section(failover, "Primary", "RoutingConfig.FailoverConfig.").get("HealthCheck")
    replication = b.section(b.props, "ReplicationConfig", "").get("State", "ENABLED")
    return GlobalEndpoint(
        id=b.gid,
        name=b.name(b.props, "Name"),
        event_buses=tuple(
            b.bus_id(entry.get("EventBusArn"), f"EventBuses[{i}].EventBusArn")
            for i, entry in enumerate(b.props.get("EventBuses") or [])
        ),
        health_check=(b.linker.link(health) or Linker.text(health)) if health else None,
        secondary_region=b.string(failover.get("Secondary") or {}, "Route") or "",
        replication_enabled=replication == "ENABLED",
        role_arn=b.string(b.props, "RoleArn"),
    )


def build_alarm(b: Build) -> Alarm:
    dimensions = b.props.get("Dimensions") or []
    linked = tuple(gid for d in dimensions if (gid := b.linker.link(d.get("Value"))) is not None)
    evaluation_periods = b.number(b.props, "EvaluationPeriods", None)
    if evaluation_periods is None:
        raise b.error("an alarm needs EvaluationPeriods", "EvaluationPeriods")
    return Alarm(
        id=b.gid,
        name=b.name(b.props, "AlarmName"),
        namespace=b.string(b.props, "Namespace"),
        metric_name=b.string(b.props, "MetricName"),
        dimensions=tuple((str(d.get("Name")), Linker.text(d.get("Value"))) for d in dimensions),
        statistic=b.string(b.props, "Statistic"),
        extended_statistic=b.string(b.props, "ExtendedStatistic"),
        period=b.number(b.props, "Period", None),
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=b.number(b.props, "DatapointsToAlarm", evaluation_periods),
        threshold=b.number(b.props, "Threshold", None),
        comparison_operator=b.string(b.props, "ComparisonOperator") or "",
        treat_missing_data=b.string(b.props, "TreatMissingData") or "missing",
        region=b.region,
        metrics=tuple(render(b.props.get("Metrics") or ())),
        dimension_resources=linked,
    )


def build_health_check(b: Build) -> HealthCheck:
    config = b.section(b.props, "HealthCheckConfig", "")
    alarm = b.section(config, "AlarmIdentifier", "HealthCheckConfig.")
    return HealthCheck(
        id=b.gid,
        type=b.string(config, "Type") or "",
        alarm=b.linker.link(alarm.get("Name")),
        alarm_name=b.string(alarm, "Name"),
        alarm_region=b.string(alarm, "Region"),
        insufficient_data_health_status=b.string(config, "InsufficientDataHealthStatus"),
        inverted=config.get("Inverted") in (True, "true"),
        disabled=config.get("Disabled") in (True, "true"),
    )
