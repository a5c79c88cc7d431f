"""What a global endpoint's failover cost, read off the simulated chain after the run.

Every figure comes from what happened in the run, not from a formula: when the alarm and the
health check changed, when producers' calls first went to the other Region and first came back,
which accepted events had not yet been copied to the other Region when traffic moved (the events
at risk; their time span is the RPO), and, when the endpoint failed over with no disruption to
explain it, why (a *false failover*, never a negative RTO).
"""

from __future__ import annotations

from typing import Any

from bridgetwin.simulator.aws.failover import EndpointRouter
from bridgetwin.simulator.aws.metrics import AlarmModel
from bridgetwin.simulator.aws.replication_risk import switch_epoch
from bridgetwin.simulator.scenario import Disruption


def _first(times: list[float], after: float) -> float | None:
    later = [t for t in times if t >= after]
    return min(later) if later else None


def _switch_after(router: EndpointRouter, unhealthy_at: float | None) -> float | None:
    """When producers' DNS answers first name the secondary, at or after ``unhealthy_at``."""
    if unhealthy_at is None or not router.routed[router.secondary].any_from(unhealthy_at):
        return None
    return switch_epoch(unhealthy_at, router.ttl)


def _cause(router: EndpointRouter, unhealthy_at: float) -> str:
    """Why the health check turned unhealthy at ``unhealthy_at``."""
    alarm: AlarmModel | None = router.health.alarm
    check = router.health.check
    if alarm is None or check is None:
        return "the health check turned unhealthy"
    spec = alarm.alarm
    fired = [t for t in alarm.transitions if t.at_s + router.health.propagation <= unhealthy_at]
    last = fired[-1] if fired else None
    if last is None or last.state == "INSUFFICIENT_DATA":
        return (
            f"alarm {spec.id} had INSUFFICIENT_DATA and the health check's "
            f"InsufficientDataHealthStatus is {check.insufficient_data_health_status}"
        )
    window = alarm.window_ending(last.at_s)
    missing = sum(v is None for v in window)
    metric = f"{spec.metric_name} data in {spec.region}"
    if window and missing == len(window):
        return (
            f"no {metric} for {missing} periods of {spec.period} s; TreatMissingData "
            f"{spec.treat_missing_data}"
        )
    if missing:
        return (
            f"{missing} of {len(window)} periods had no {metric} and count as breaching "
            f"(TreatMissingData {spec.treat_missing_data})"
        )
    return f"{spec.metric_name} ({spec.statistic}) crossed {spec.threshold:g} with no disruption"


def _at_risk(router: EndpointRouter, end: float) -> tuple[int, float]:
    """Events the primary accepted from its first disruption until ``end`` whose copy had not
    reached the secondary by ``end``, and the time span they cover (the RPO, in seconds)."""
    calls, earliest = router.at_risk.at(end)
    return calls * router.source.width, (end - earliest) if calls else 0.0


def failover_summary(
    router: EndpointRouter,
    disruptions: tuple[Disruption, ...],
    horizon: float,
    delivered_by_region: dict[str, int],
    duplicated: int,
) -> dict[str, Any]:
    """What the failover cost: when each link of the chain reacted, and what was at risk."""
    start = min((d.start for d in disruptions), default=None)
    alarm = router.health.alarm
    transitions = alarm.transitions if alarm else []
    health = router.health.changes(horizon)
    unhealthy = [t for t, ok in health if not ok]
    first_switch = _switch_after(router, unhealthy[0] if unhealthy else None)
    false_failover = None
    if first_switch is not None and (start is None or first_switch < start):
        false_failover = {"at_s": first_switch, "cause": _cause(router, unhealthy[0])}
    anchor = start if start is not None and false_failover is None else 0.0
    alarm_at = _first([t.at_s for t in transitions if t.state == "ALARM"], anchor)
    unhealthy_at = _first(unhealthy, anchor)
    switched_at = first_switch if false_failover else _switch_after(router, unhealthy_at)
    primary = router.routed[router.primary]
    failback_at = primary.first_after(switched_at) if switched_at is not None else None
    manual_reset = bool(
        switched_at is not None
        and failback_at is None
        and alarm is not None
        and alarm.state == "ALARM"
        and all(v is None for v in alarm.window_ending(alarm.evaluated_at[-1]))
    )
    rto = None if start is None or false_failover or switched_at is None else switched_at - start
    if start is None:
        at_risk, rpo = 0, None
    else:
        risk_end = switched_at if switched_at is not None else max(d.end for d in disruptions)
        at_risk, rpo = _at_risk(router, risk_end)
    timeline = [(d.start, f"{router.primary} disrupted") for d in disruptions]
    timeline += [(d.end, f"{router.primary} recovers") for d in disruptions]
    timeline += [(t.at_s, f"alarm {t.state}") for t in transitions if t.at_s > 60]
    timeline += [(t, "health check " + ("healthy" if ok else "unhealthy")) for t, ok in health]
    if false_failover is not None:
        timeline.append((first_switch, f"false failover: {false_failover['cause']}"))
    if switched_at is not None:
        timeline.append((switched_at, f"producers resolve to {router.secondary} (failover)"))
    if failback_at is not None:
        timeline.append((failback_at, f"producers reach {router.primary} again (failback)"))
    if manual_reset:
        text = "no automatic failback: the primary's metric is silent, so its alarm cannot recover"
        timeline.append((horizon, f"{text}; reset the health check by hand"))
    return {
        "endpoint": router.name,
        "failovers": len(unhealthy),
        "timeline": [{"at_s": at, "event": text} for at, text in sorted(timeline)],
        "primary_region": router.primary,
        "secondary_region": router.secondary,
        "replication": router.replication,
        "disruption_start_s": start,
        "false_failover": false_failover,
        "alarm_at_s": alarm_at,
        "unhealthy_at_s": unhealthy_at,
        "switched_at_s": switched_at,
        "healthy_again_at_s": _first([t for t, ok in health if ok], unhealthy_at)
        if unhealthy_at is not None
        else None,
        "failback_at_s": failback_at,
        "manual_reset_required": manual_reset,
        "rto_s": rto,
        "rpo_s": rpo,
        "parts": {
            "alarm_window_s": None if alarm_at is None or rto is None else alarm_at - anchor,
            "health_check_propagation_s": router.health.propagation,
            "dns_ttl_wait_s": None
            if switched_at is None or unhealthy_at is None
            else switched_at - unhealthy_at,
        },
        "events_at_risk": at_risk,
        "events_lost": router.source.lost_entries,
        "events_still_at_producer": router.source.waiting_entries,
        "events_duplicated": duplicated,
        "delivered_by_region": delivered_by_region,
    }
