"""Events that schedules put: scheduled rules and EventBridge Scheduler schedules, as feeds.

A scheduled rule fires on its ``rate()`` or UTC ``cron()`` and EventBridge sends its targets the
``Scheduled Event`` (source ``aws.events``). A Scheduler schedule fires at each time of its
expression plus, with a flexible time window, a uniform random delay within the window (AWS
invokes "within" it and says no more). Firing times come from :mod:`..aws.schedules`, against
the scenario's ``start_time``.

A schedule whose target is an event bus puts its event there (``EventBridgeParameters``' source
and detail type, ``Input`` as the detail) and the bus's rules take over; Scheduler's own retry
policy and DLQ act only when that PutEvents fails, which the twin does not model for schedules
(a Region's disruptions spare them). A schedule that invokes a target directly (Lambda, which
Scheduler invokes asynchronously, SQS, Step Functions, ...) owns that target like a rule: its
invocations go through the target's lane (shared with the rules and pipes that target it) with
the schedule's retry policy and DLQ, and its result is named after the schedule. What we
simplify, said in the result: these invocations start after the Region's processing latency and
share the invocation quota as rule deliveries do; Scheduler's own invocation quota (1,000/s by
default in the largest Regions) is not modeled; a target the twin cannot invoke (outside the
loaded stacks) is still simulated with the scenario's target settings for its ARN.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np

from bridgetwin.graph import EventBus, Graph, Rule, SchedulerSchedule
from bridgetwin.simulator._random import rng_for
from bridgetwin.simulator.aws.schedules import ScheduleError, firing_times
from bridgetwin.simulator.engine.feeds import Feed
from bridgetwin.simulator.engine.hops import HopNetwork
from bridgetwin.simulator.engine.producers import ProducerSource
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.wiring import LaneWiring
from bridgetwin.simulator.engine.workload import (
    Calls,
    CallStream,
    event_as_delivered,
    scheduled_event,
)
from bridgetwin.simulator.results.records import Finding
from bridgetwin.simulator.scenario import Scenario


def _feed(
    scenario: Scenario,
    name: str,
    times: np.ndarray,
    routes: list,
    bus: str | None,
    event: dict,
) -> Feed:
    stream = CallStream(
        None, scenario.duration, lambda window: rng_for(scenario.seed, f"{name}:{window}"),
        Calls(times, np.zeros((len(times), 1), dtype=np.int64)),
    )  # fmt: skip
    source = ProducerSource(None, stream, 1)
    return Feed(name, source, [routes], [True], kind="schedule", bus=bus, events=[event])


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ScheduleError(f"'{text}' needs a UTC offset (e.g. 2026-03-01T00:00:00Z)")
    return moment


class ScheduledFeeds:
    """The feeds of every enabled schedule, and what the run must say about them."""

    def __init__(
        self,
        graph: Graph,
        scenario: Scenario,
        stores: MetricStores,
        hops: HopNetwork,
        wiring: LaneWiring,
    ) -> None:
        self._graph, self._scenario, self._stores = graph, scenario, stores
        self._hops, self._wiring = hops, wiring
        self.feeds: list[tuple[str, Feed]] = []
        self.warnings: list[Finding] = []
        self.direct: list[str] = []
        """Schedules invoking a target directly (not through a bus)."""
        self.uses_clock = False
        """Whether a firing time depends on ``start_time`` (cron, at, Scheduler dates)."""
        for rule in graph.rules:
            if rule.enabled and rule.schedule_expression:
                self._rule(rule)
        for schedule in graph.schedules:
            if schedule.enabled:
                self._schedule(schedule)

    def _times(self, what: str, expression: str, **kwargs: Any) -> np.ndarray | None:
        scenario = self._scenario
        try:
            times = firing_times(expression, scenario.start_time, scenario.duration, **kwargs)
        except ScheduleError as exc:
            shown = expression if len(expression) <= 80 else f"{expression[:77]}..."
            text = f"{what}: schedule '{shown}' is not simulated: {str(exc)[:300]}"
            self.warnings.append(Finding("schedule-not-simulated", text))
            return None
        if not expression.startswith("rate(") or kwargs.get("start") or kwargs.get("end"):
            self.uses_clock = True
        return np.asarray(times, dtype=float)

    def _rule(self, rule: Rule) -> None:
        times = self._times(rule.id, rule.schedule_expression or "")
        if times is None:
            return
        event = scheduled_event(rule, self._graph)
        routes = self._hops.routes_for(rule, event, 0)
        made = _feed(self._scenario, f"schedule:{rule.id}", times, routes, rule.bus, event)
        self.feeds.append((rule.region, made))

    def _schedule(self, schedule: SchedulerSchedule) -> None:
        scenario, graph = self._scenario, self._graph
        bus = graph.find(schedule.target.resource or "")
        try:
            start, end = _date(schedule.start), _date(schedule.end)
        except (ScheduleError, ValueError) as exc:
            text = f"{schedule.id}: StartDate/EndDate not understood ({exc}); not simulated"
            self.warnings.append(Finding("schedule-not-simulated", text))
            return
        times = self._times(
            schedule.id, schedule.expression, timezone=schedule.timezone, start=start, end=end,
            immediately=True,
        )  # fmt: skip
        if times is None:
            return
        if schedule.flexible_window_minutes:
            rng = rng_for(scenario.seed, f"flexible:{schedule.id}")
            times = np.sort(
                times + rng.uniform(0, schedule.flexible_window_minutes * 60, len(times))
            )
            times = times[times < scenario.duration]
        if not isinstance(bus, EventBus):
            route = self._wiring.schedule_route(schedule, self._stores.owner(schedule.id))
            payload = {"input": schedule.target.input}
            made = _feed(scenario, f"scheduler:{schedule.id}", times, [route], None, payload)
            self.feeds.append((schedule.region, made))
            self.direct.append(schedule.id)
            return
        try:
            detail = json.loads(schedule.target.input) if schedule.target.input else {}
        except ValueError:
            detail = {}
        template = {
            "source": schedule.source or "aws.scheduler",
            "detail-type": schedule.detail_type or "Scheduled Event",
            "detail": detail if isinstance(detail, dict) else {},
        }
        event = event_as_delivered(template, bus.region, bus.account)
        routes = self._hops.routes_on(bus.id, event)
        made = _feed(scenario, f"scheduler:{schedule.id}", times, routes, bus.id, event)
        self.feeds.append((bus.region, made))
