"""The graph as JSON-ready data (``bridgetwin graph --format json``) and as a readable tree."""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter
from typing import Any

from bridgetwin.graph._render_custom_bus import custom_bus_lines
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import Rule, Target
from bridgetwin.patterns import Pattern

_SECTIONS = (
    "buses",
    "rules",
    "connections",
    "api_destinations",
    "archives",
    "endpoints",
    "alarms",
    "health_checks",
    "queues",
    "queue_policies",
    "functions",
    "invoke_configs",
    "schedules",
    "pipes",
    "streams",
    "state_machines",
    "custom_buses",
    "subscribers",
    "schemas",
    "other",
)


def _plain(value: Any) -> Any:
    if isinstance(value, Pattern):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.name.startswith("_")
        }
        if isinstance(value, Target):
            out["api_destination"] = value.api_destination
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """Every section of the graph as lists of snake_case objects, each with its ``id``."""
    data = {section: _plain(getattr(graph, section)) for section in _SECTIONS}
    return {"stacks": _plain(graph.stacks), **data, "warnings": _plain(graph.warnings)}


def _duration(seconds: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def target_lines(graph: Graph, target: Target, indent: str) -> list[str]:
    policy = target.retry_policy
    retry = (
        f"retry {policy.maximum_retry_attempts} attempts / "
        f"{_duration(policy.maximum_event_age_seconds)}"
        + ("" if policy.explicit else " (AWS default)")
    )
    dlq = f"DLQ {target.dead_letter_queue}" if target.dead_letter_queue else "no DLQ"
    where = target.resource or target.arn
    lines = [f"{indent}└─ target {target.target_id} -> {target.kind.value} {where}"]
    lines.append(f"{indent}   {retry}, {dlq}")
    if target.api_destination:
        destination = graph.get(target.api_destination)
        rate = f"{destination.rate_limit_per_second}/s" + (
            " (default)" if destination.rate_limit_is_default else ""
        )
        lines.append(f"{indent}   └─ {destination.http_method} {destination.endpoint} at {rate}")
        if destination.connection:
            connection = graph.get(destination.connection)
            lines.append(
                f"{indent}      └─ connection {connection.id}: {connection.authorization_type}"
            )
    return lines


def _roles(graph: Graph) -> dict[str, list[str]]:
    """What pipes, Scheduler schedules and SQS redrive policies do with a resource, by id."""
    roles: dict[str, list[str]] = {}

    def add(resource: str | None, role: str) -> None:
        if resource:
            roles.setdefault(resource, []).append(role)

    for pipe in graph.pipes:
        add(pipe.source, f"source of pipe {pipe.id}")
        add(pipe.target.resource, f"target of pipe {pipe.id}")
        add(pipe.target.dead_letter_queue, f"DLQ of pipe {pipe.id}")
    for schedule in graph.schedules:
        add(schedule.target.resource, f"target of schedule {schedule.id}")
        add(schedule.target.dead_letter_queue, f"DLQ of schedule {schedule.id}")
    for queue in graph.queues:
        if queue.redrive_dlq:
            add(queue.id, f"redrive to {queue.redrive_dlq} after {queue.max_receive_count} "
                          f"receives ({queue.visibility_timeout_seconds} s apart)")  # fmt: skip
            add(queue.redrive_dlq, f"redrive DLQ of {queue.id}")
    return roles


def _unattached_lines(graph: Graph) -> list[str]:
    """Archives, and the API destinations, connections and queues no rule or subscriber uses
    (a pipe may)."""
    lines = []
    for archive in graph.archives:
        retention = (
            f"{archive.retention_days} days" if archive.retention_days else "kept indefinitely"
        )
        pattern = archive.pattern.to_json() if archive.pattern else "every event"
        lines.append(
            f"archive {archive.name} [{archive.id}] of {archive.source_bus}: {pattern}, {retention}"
        )
    targets = [t for rule in graph.rules for t in rule.targets]
    targets += [subscriber.target for subscriber in graph.subscribers]
    used_destinations = {t.api_destination for t in targets}
    roles = _roles(graph)
    for destination in graph.api_destinations:
        if destination.id not in used_destinations:
            lines.append(
                f"api destination {destination.id}: {destination.http_method} "
                f"{destination.endpoint} at {destination.rate_limit_per_second}/s "
                f"({'; '.join(roles.get(destination.id, ())) or 'nothing targets it'}, no "
                f"rule), connection {destination.connection or 'none'}"
            )
    used_connections = {d.connection for d in graph.api_destinations}
    for connection in graph.connections:
        if connection.id not in used_connections:
            lines.append(
                f"connection {connection.id}: {connection.authorization_type} "
                "(no API destination uses it)"
            )
    used_queues = {t.resource for t in targets} | {t.dead_letter_queue for t in targets}
    for queue in graph.queues:
        if queue.id not in used_queues or roles.get(queue.id):
            what = "; ".join(roles.get(queue.id, ())) or "neither a target nor a DLQ of any rule"
            lines.append(f"queue {queue.id}: {what}")
    for policy in graph.queue_policies:
        lines.append(
            f"queue policy {policy.id} on {', '.join(policy.queues) or 'no queue'}: "
            f"{len(policy.statements)} statement(s)"
        )
    for schedule in graph.schedules:
        window = (
            f", within {schedule.flexible_window_minutes} min"
            if schedule.flexible_window_minutes
            else ""
        )
        zone = f" ({schedule.timezone})" if schedule.timezone else ""
        state = "" if schedule.enabled else " [DISABLED]"
        lines.append(
            f"schedule {schedule.id}{state}: {schedule.expression}{zone}{window} -> "
            f"{schedule.target.resource or schedule.target.arn}"
        )
    for pipe in graph.pipes:
        state = "" if pipe.running else " [STOPPED]"
        filters = f", {len(pipe.filters)} filter(s)" if pipe.filters else ""
        enrichment = f", enriched by {pipe.enrichment}" if pipe.enrichment else ""
        lines.append(
            f"pipe {pipe.id}{state}: {pipe.source or pipe.source_arn} (batches of "
            f"{pipe.batch_size}){filters}{enrichment} -> {pipe.target.resource or pipe.target.arn}"
        )
    for function in graph.functions:
        config = graph.async_config(function)
        concurrency = (
            f"reserved concurrency {function.reserved_concurrency}"
            if function.reserved_concurrency is not None
            else "the account's unreserved concurrency"
        )
        failure = config.on_failure or function.dead_letter or "none"
        lines.append(
            f"function {function.id}: {concurrency}, timeout {function.timeout_seconds:g} s; "
            f"async: {config.maximum_retry_attempts} retries within "
            f"{config.maximum_event_age_seconds:,} s, on failure {failure}"
        )
    return lines


def _rule_lines(graph: Graph, rule: Rule) -> list[str]:
    trigger = rule.pattern.to_json() if rule.pattern else f"schedule {rule.schedule_expression}"
    lines = [f"  └─ rule {rule.id} [{rule.state}] {trigger}"]
    for target in rule.targets:
        lines.extend(target_lines(graph, target, "     "))
    return lines


def graph_to_text(graph: Graph) -> str:
    """bus -> rule -> target -> API destination -> connection, with the capacity numbers."""
    lines = [f"stack {s.name} ({s.region}, account {s.account})" for s in graph.stacks]
    for bus in graph.buses:
        kind = " (not in the template)" if bus.implicit else ""
        lines.append(f"bus {bus.name} [{bus.id}] {bus.region}{kind}")
        for rule in graph.rules_on(bus.id):
            lines.extend(_rule_lines(graph, rule))
    lines.extend(custom_bus_lines(graph, target_lines))
    lines.extend(_unattached_lines(graph))
    for endpoint in graph.endpoints:
        replication = "replication on" if endpoint.replication_enabled else "replication OFF"
        lines.append(
            f"endpoint {endpoint.name} [{endpoint.id}]: buses {', '.join(endpoint.event_buses)}; "
            f"fails over to {endpoint.secondary_region} on {endpoint.health_check}; {replication}"
        )
    for alarm in graph.alarms:
        statistic = alarm.statistic or alarm.extended_statistic or "metric math"
        lines.append(
            f"alarm {alarm.id}: {alarm.namespace}/{alarm.metric_name} {statistic} "
            f"{alarm.comparison_operator} {alarm.threshold} over "
            f"{alarm.datapoints_to_alarm}/{alarm.evaluation_periods} x {alarm.period}s, "
            f"missing data {alarm.treat_missing_data}"
        )
    for check in graph.health_checks:
        lines.append(
            f"health check {check.id}: {check.type} on alarm {check.alarm or check.alarm_name}"
        )
    if graph.other:
        counts = Counter(o.type for o in graph.other)
        summary = ", ".join(f"{t} x{n}" for t, n in sorted(counts.items()))
        lines.append(f"other: {len(graph.other)} resource(s) ({summary})")
    lines.extend(f"warning: {w.message}" for w in graph.warnings)
    return "\n".join(lines)
