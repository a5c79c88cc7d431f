"""The text summary of a result (``bridgetwin simulate``), rendered with rich."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bridgetwin.simulator.results.records import Result


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:,.1f} s" if value >= 10_000 else f"{value:,.0f} ms"


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:,.0f} s"


def render(result: Result) -> Group:
    """Targets (counts, latency, DLQ), Regions, alarm transitions, SLOs, warnings and
    assumptions."""
    targets = Table(title=f"Delivery over {result.duration_s:,.0f} s (seed {result.seed})")
    # end to end differs from a target's own figures only after a bus-to-bus hop
    chained = any(
        t.latency_ms["end_to_end_success"] != t.latency_ms["success"] for t in result.targets
    )
    for column in (
        "rule / target",
        "ingested",
        "delivered",
        "DLQ",
        "dropped",
        "in flight",
        "retries",
        "rate-limited",
        "start p50",
        "start p99",
        "success p99",
        *(["end-to-end p99"] if chained else []),
    ):
        targets.add_column(column, justify="left" if column == "rule / target" else "right")
    for t in result.targets:
        c, latency = t.counts, t.latency_ms
        targets.add_row(
            f"{t.rule}/{t.target}",
            *(
                f"{c[k]:,}"
                for k in (
                    "ingested",
                    "delivered",
                    "dlq",
                    "dropped",
                    "in_flight",
                    "retries",
                    "rate_limited",
                )
            ),
            _ms(latency["start"]["p50"]),
            _ms(latency["start"]["p99"]),
            _ms(latency["success"]["p99"]),
            *([_ms(latency["end_to_end_success"]["p99"])] if chained else []),
        )
    parts: list = [targets]
    for t in result.targets:
        never = t.latency_ms["start"].get("not_started") or 0
        if t.counts["in_flight"]:
            age = t.latency_ms["start"].get("oldest_not_started_age_ms")
            oldest = f", the oldest waiting {age / 1e3:,.0f} s" if never and age else ""
            parts.append(Text(
                f"{t.rule}/{t.target}: {t.counts['in_flight']:,} of {t.counts['ingested']:,} "
                f"events had not finished at the end ({never:,} never started{oldest}): the "
                "latencies above leave them out (drain: lets them finish)", style="yellow",
            ))  # fmt: skip
        ages = t.per_minute.get("backlog_age_ms") or [0]
        if max(ages) >= 60_000:  # a subscriber that fell a minute or more behind
            worst = ages.index(max(ages))
            parts.append(Text(
                f"{t.rule}/{t.target}: backlog age (ApproximateBacklogAge) up to "
                f"{max(ages) / 1e3:,.0f} s, at the end of minute {worst + 1}"))  # fmt: skip
        if t.counts.get("held"):  # a FIFO subscriber's head-of-line blocking
            parts.append(Text(
                f"{t.rule}/{t.target}: {t.counts['held']:,} events waited behind an earlier "
                f"event of their group (FIFO), {t.counts['held_s']:,} s in all, the longest "
                f"{t.counts['longest_hold_ms'] / 1e3:,.1f} s"))  # fmt: skip
        if t.counts.get("invocations"):  # a subscriber that batches
            invocations = t.counts["invocations"]
            mean = t.counts["attempts"] / invocations if invocations else 0.0
            parts.append(Text(
                f"{t.rule}/{t.target}: {invocations:,} batches ({mean:.1f} events on average, "
                f"at most {t.counts['largest_batch']}), {t.counts['dlq_records']:,} on-failure "
                "records"))  # fmt: skip
        if t.counts["dlq"] or t.counts["dropped"]:
            detail = ", ".join(
                f"{k}: {v}" for k, v in t.dlq["by_exhausted_retry_condition"].items()
            )
            parts.append(
                Text(
                    f"{t.rule}/{t.target}: DLQ {t.counts['dlq']} ({detail or '-'}), "
                    f"dropped {t.counts['dropped']} {t.dropped_by_error_code or ''}"
                )
            )
    for region in result.regions:
        for feed in region["feeds"]:
            over = feed.get("throttled_entries", 0)
            if (
                feed["throttled_calls"]
                or feed["failed_entries"]
                or feed["lost_at_producer"]
                or over
            ):
                too_large = feed.get("too_large_calls", 0)
                parts.append(
                    Text(
                        f"{region['region']} {feed['name']}: {feed['throttled_calls']} "
                        f"PutEvents calls throttled, {feed['failed_entries']} entries "
                        f"failed, {feed['lost_at_producer']} lost at the producer"
                        + (f" ({too_large} calls over the request-size limit)" if too_large else "")
                        + (
                            f", {over} entries over the bus's or event group's throughput"
                            if over
                            else ""
                        )
                    )
                )
    for function in result.functions:
        counts = function["counts"]
        conditions = ", ".join(f"{k}: {v}" for k, v in function["by_condition"].items())
        parts.append(
            Text(
                f"Lambda {function['function']} (concurrency {function['concurrency']}): "
                f"{counts['received']:,} accepted, {counts['succeeded']:,} succeeded, "
                f"{counts['to_on_failure']:,} to on-failure, {counts['lost']:,} lost"
                + (f" ({conditions})" if conditions else "")
                + f", {counts['in_flight']:,} in its queue at the end; "
                f"{counts['throttles']:,} throttles, {counts['function_errors']:,} errors"
            )
        )
    for pipe in result.pipes:
        parts.append(
            Text(
                f"Pipe {pipe['pipe']}: {pipe['received']:,} records from {pipe['source']}, "
                f"{pipe['filtered_out']:,} filtered out, {pipe['waiting_at_end']:,} in a batch "
                f"still forming at the end, the rest to {pipe['target']}"
            )
        )
    for endpoint in result.endpoints:
        requests = max(1, endpoint["requests"])
        parts.append(
            Text(
                f"{endpoint['api_destination']} endpoint: {endpoint['requests']:,} requests to "
                f"{endpoint['concurrency']} workers, {endpoint['utilization']:.0%} busy; "
                f"{endpoint['waited'] / requests:.1%} waited (mean "
                f"{endpoint['mean_wait_ms'] / 1e3:,.2f} s, max {endpoint['max_wait_ms'] / 1e3:,.1f}"
                f" s), {endpoint['rejected_full']:,} turned away with a full line"
            )
        )
    changes = [a for a in result.alarms if not (a["state"] == "OK" and a["at_s"] <= 300)]
    if changes:
        alarms = Table(title="Alarm transitions (after the first OK)")
        for column in ("at", "alarm", "state"):
            alarms.add_column(column)
        for change in changes:
            alarms.add_row(f"{change['at_s']:,.0f} s", change["alarm"], change["state"])
        parts.append(alarms)
    for failover in result.failover:
        timeline = Table(title=f"Global endpoint {failover['endpoint']}")
        timeline.add_column("at", justify="right")
        timeline.add_column("what happened")
        for entry in failover["timeline"]:
            timeline.add_row(f"{entry['at_s']:,.0f} s", entry["event"])
        parts.append(timeline)
        pieces = failover["parts"]
        if failover.get("false_failover"):
            false = failover["false_failover"]
            parts.append(
                Text(f"false failover at {_s(false['at_s'])}: {false['cause']}", style="yellow")
            )
        if failover["rto_s"] is not None:
            parts.append(
                Text(
                    f"RTO {_s(failover['rto_s'])} = alarm window {_s(pieces['alarm_window_s'])} "
                    f"+ health-check propagation {_s(pieces['health_check_propagation_s'])} + "
                    f"DNS TTL wait {_s(pieces['dns_ttl_wait_s'])}; RPO {_s(failover['rpo_s'])}"
                )
            )
        parts.append(
            Text(
                f"events at risk {failover['events_at_risk']:,}, lost {failover['events_lost']:,}, "
                f"duplicated by replication {failover['events_duplicated']:,}; delivered by Region "
                + ", ".join(f"{r}: {n:,}" for r, n in failover["delivered_by_region"].items())
            )
        )
    for slo in result.slo:
        mark = "[green]PASS[/]" if slo.passed else "[red]FAIL[/]"
        bound = f"<= {slo.max:g}" if slo.max is not None else f">= {slo.min:g}"
        value = (slo.note or "no events") if slo.value is None else f"{slo.value:,.3f}"
        why = f": {slo.note}" if slo.note and slo.value is not None else ""
        line = escape(f"{slo.target} {slo.metric} = {value} ({bound}){why}")
        parts.append(Text.from_markup(f"SLO {mark} {line}"))
    for warning in result.warnings:
        parts.append(Text(f"warning [{warning['code']}]: {warning['message']}", style="yellow"))
    for assumption in result.assumptions:
        parts.append(Text(f"assumed: {assumption}", style="dim"))
    return Group(*parts)
