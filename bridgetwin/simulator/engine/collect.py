"""Collect a finished run into its result records (:mod:`bridgetwin.simulator.results`).

Every run checks conservation for every target: each event matched for it is delivered, in the
DLQ, dropped, or still in flight at the end, counted two independent ways; a mismatch is a bug in
the twin and raises :class:`SimulationError`.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import numpy as np

from bridgetwin.simulator.engine.failover_summary import failover_summary
from bridgetwin.simulator.engine.producers import ProducerSource
from bridgetwin.simulator.engine.regions import CUSTOM_BUS_SUFFIX
from bridgetwin.simulator.engine.slo_verdicts import slo_verdicts
from bridgetwin.simulator.engine.targets import TargetState
from bridgetwin.simulator.results.records import Result, SimulationError, TargetResult
from bridgetwin.simulator.results.statistics import RELATIVE_ACCURACY

if TYPE_CHECKING:
    from bridgetwin.simulator.engine.model import Model


def _latencies(
    state: TargetState, pending: tuple[int, float], horizon: float
) -> dict[str, dict[str, float | None]]:
    """Per target, in milliseconds: from ingestion on this bus to the first attempt's start, its
    end, and success (as AWS measures them per bus), and end to end from the event's first
    ingestion, which differs only for events that came from another bus."""
    start, success = state.latency_start.summary(), state.latency_success.summary()
    chained = state.chained
    return {
        "start": {**start, **_censored(pending, state, horizon)},
        "complete": state.latency_complete.summary(),
        "success": success,
        "end_to_end_start": state.end_to_end_start.summary() if chained else dict(start),
        "end_to_end_success": state.end_to_end_success.summary() if chained else dict(success),
    }


def _censored(
    pending: tuple[int, float], state: TargetState, horizon: float
) -> dict[str, float | None]:
    """Events whose first attempt had not started when the run ended (still waiting, or
    scheduled after the end): left out of the start percentiles, since their latency is unknown
    (at least their age), so counted here."""
    count = pending[0] + state.unstarted
    oldest = min(pending[1], state.oldest_unstarted)
    return {
        "not_started": count,
        "oldest_not_started_age_ms": (horizon - oldest) * 1e3 if count else None,
    }


def _batch_counts(state: TargetState) -> dict[str, int]:
    """A batching subscriber's requests: ``invocations`` (batches started in the run, AWS's
    ``TargetInvocations``), the largest batch, and its on-failure records (one per failed
    batch, where ``dlq`` counts the events they name); a FIFO subscriber's head-of-line
    blocking: ``held`` events waited behind an earlier event of their group, ``held_s`` in all,
    the longest ``longest_hold_ms``."""
    held = {"held": state.held, "held_s": round(state.held_seconds),
            "longest_hold_ms": round(state.longest_hold * 1e3)} if state.fifo else {}  # fmt: skip
    if state.batch_size <= 1:
        return held
    return {"invocations": state.invocations, "largest_batch": state.largest_batch,
            "dlq_records": state.dlq_records, **held}  # fmt: skip


def _backlog_age(state: TargetState, minutes: int) -> dict[str, list[int]]:
    """A subscriber's ``ApproximateBacklogAge`` (ms) at the end of each minute (the run's
    last, partial minute at its end)."""
    if state.backlog is None:
        return {}
    state.backlog.advance(state.horizon, last=True)
    return {"backlog_age_ms": state.backlog.ages_ms[:minutes]}


def build_result(model: Model) -> Result:
    targets = []
    waiting: dict[int, int] = {}
    not_started: dict[int, tuple[int, float]] = {}
    for lane in model.lanes:
        by_key, unstarted = lane.waiting_by_key(), lane.not_started_by_key()
        for key, state in enumerate(lane.targets):  # a hop's target has a key per event kind
            waiting[id(state)] = waiting.get(id(state), 0) + by_key.get(key, 0)
            count, oldest = not_started.get(id(state), (0, math.inf))
            more, older = unstarted.get(key, (0, math.inf))
            not_started[id(state)] = (count + more, min(oldest, older))
    for state in model.states:
        finished = state.delivered + state.dlq + state.dropped
        in_flight = state.ingested - finished
        independent = waiting[id(state)] + state.finished_late
        if in_flight != independent:
            raise SimulationError(
                f"conservation violated for {state.rule_id}/{state.target_id}: ingested "
                f"{state.ingested} = delivered {state.delivered} + dlq {state.dlq} + dropped "
                f"{state.dropped} + in flight {in_flight}, but {independent} are waiting or late"
            )
        backlog = np.cumsum(state.ingested_by_minute) - np.cumsum(state.finished_by_minute)
        minutes = math.ceil(model.horizon / 60)
        targets.append(
            TargetResult(
                rule=state.rule_id,
                target=state.target_id,
                counts={
                    "ingested": state.ingested,
                    "delivered": state.delivered,
                    "dlq": state.dlq,
                    "dropped": state.dropped,
                    "in_flight": in_flight,
                    "attempts": state.attempts,
                    "retries": state.retries,
                    "rate_limited": state.throttled,
                    **_batch_counts(state),
                },
                latency_ms=_latencies(state, not_started[id(state)], model.horizon),
                dlq={
                    "by_exhausted_retry_condition": dict(sorted(state.dlq_by_condition.items())),
                    "by_error_code": dict(sorted(state.dlq_by_error.items())),
                    "samples": list(state.dlq_samples),
                },
                dropped_by_error_code=dict(sorted(state.dropped_by_error.items())),
                backlog=[int(b) for b in backlog[:minutes]],
                ingested_by_minute=[int(n) for n in state.ingested_by_minute[:minutes]],
                per_minute={
                    **{
                        name: [int(n) for n in series[:minutes]]
                        for name, series in state.per_minute.items()
                    },
                    **_backlog_age(state, minutes),
                },
                latency_ms_per_minute={
                    "start": state.start_by_minute.per_minute(minutes),
                    "success": state.success_by_minute.per_minute(minutes),
                    "complete": state.complete_by_minute.per_minute(minutes),
                },
                latency_ms_quantiles={
                    "start": state.start_by_minute.quantiles(),
                    "success": state.success_by_minute.quantiles(),
                },
            )
        )
    regions = tuple(
        {
            "region": region.region,
            "put_events_quota": region.put_events_quota,
            "invocation_quota": region.invocation_quota,
            "feeds": [
                {
                    "name": feed.name,
                    "kind": feed.kind,
                    "accepted_entries": feed.accepted_entries,
                    "throttled_calls": feed.throttled_calls,
                    "error_calls": feed.error_calls,
                    "failed_entries": feed.failed_entries,
                    "too_large_calls": feed.source.too_large_calls
                    if isinstance(feed.source, ProducerSource)
                    else 0,
                    "lost_at_producer": feed.source.lost_entries
                    if isinstance(feed.source, ProducerSource)
                    else 0,
                    **({"deduplicated": feed.deduplicated} if feed.duplicate else {}),
                    **(
                        {"throttled_entries": feed.throttled_entries}
                        if region.region.endswith(CUSTOM_BUS_SUFFIX)
                        else {}
                    ),
                }
                for feed in region.feeds
            ],
        }
        for region in model.regions.values()
    )
    alarms = sorted(
        (asdict(t) for alarm in model.alarms for t in alarm.transitions),
        key=lambda t: (t["at_s"], t["alarm"]),
    )
    alarm_states = tuple(
        {"alarm": m.alarm.id, "state": m.state, "note": m.note} for m in model.alarms
    )
    delivered_by_region: dict[str, int] = {}
    for state, rule in ((s, model.graph.get(s.rule_id)) for s in model.states):
        delivered_by_region[rule.region] = delivered_by_region.get(rule.region, 0) + state.delivered
    failover = tuple(
        failover_summary(
            router,
            model.scenario.regions[router.primary].disruptions
            if router.primary in model.scenario.regions
            else (),
            model.horizon,
            delivered_by_region,
            sum(
                f.accepted_entries
                for region in model.regions.values()
                for f in region.feeds
                if f.kind == "replica" and f.source in router.replicas.values()
            ),
        )
        for router in model.routers
    )
    warnings = [asdict(finding) for finding in model.warnings]
    for where, count in sorted(model.hops.beyond_limit.items()):
        if count:
            warnings.append(
                {
                    "code": "hop-limit",
                    "message": f"{where}: {count} events would have gone past "
                    f"eventbridge.max_hops ({model.scenario.eventbridge.max_hops}) bus-to-bus "
                    "hops (a cycle of buses); they count as delivered and were not followed",
                }
            )
    slo, unmatched = slo_verdicts(model.scenario.slo, targets, model.graph)
    warnings += unmatched
    return Result(
        seed=model.scenario.seed,
        duration_s=model.horizon,
        targets=tuple(targets),
        regions=regions,
        alarms=tuple(alarms),
        alarm_states=alarm_states,
        slo=tuple(slo),
        assumptions=tuple(model.assumptions)
        + tuple(
            text for lane, text in model.lane_assumptions if any(t.ingested for t in lane.targets)
        )
        + _sketched(model.states)
        + _unpaced_retries(model)
        + tuple(model.functions.assumptions),
        failover=failover,
        endpoints=_endpoints(model),
        functions=model.functions.results(),
        pipes=model.pipes.results(),
        archives=model.replays.results(),
        overrides=model.overrides,
        warnings=tuple(warnings),
    )


def _endpoints(model: Model) -> tuple[dict[str, Any], ...]:
    """What each capacity-limited endpoint's workers saw over the run."""
    out = []
    for destination, endpoint, pool in model.pools:
        stats, capacity = pool.stats, endpoint.capacity
        assert capacity is not None
        out.append(
            {
                "api_destination": destination,
                "concurrency": capacity.concurrency,
                "requests": stats.requests,
                "waited": stats.waited,
                "rejected_full": stats.rejected,
                "mean_wait_ms": stats.wait_total / stats.requests * 1e3 if stats.requests else 0.0,
                "max_wait_ms": stats.wait_max * 1e3,
                "utilization": min(1.0, stats.busy / (capacity.concurrency * model.horizon)),
            }
        )
    return tuple(out)


def _unpaced_retries(model: Model) -> tuple[str, ...]:
    """When a Region's invocation quota bound while targets retried, the run relied on retries
    not counting against it (AWS does not say, UNCONFIRMED; :mod:`..aws.quotas`)."""
    bound = sorted(r.region for r in model.regions.values() if r.quota_delayed)
    if not bound or not any(s.retries for s in model.states):
        return ()
    return (
        f"{', '.join(bound)}: the invocation quota delayed first attempts; retries were not "
        "counted against it (AWS does not say whether they are, UNCONFIRMED)",
    )


def _sketched(states: list[TargetState]) -> tuple[str, ...]:
    """The assumption that percentiles of long series come from a sketch, naming them."""
    names = sorted(
        f"{s.rule_id}/{s.target_id}"
        for s in states
        if any(series.sketched for series in (s.latency_start, s.latency_complete,
               s.latency_success, s.end_to_end_start, s.end_to_end_success))
    )  # fmt: skip
    if not names:
        return ()
    return (
        f"latency percentiles of {', '.join(names)} come from a DDSketch: each within "
        f"{RELATIVE_ACCURACY:.1%} of the exact value at its rank (mean and max are exact)",
    )
