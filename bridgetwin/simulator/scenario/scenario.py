"""The scenario: what no template states (traffic, endpoint behaviour, service timings, SLOs).

A scenario is YAML or JSON validated by pydantic with ``extra="forbid"``, so a typo is an error that
names its location (``traffic.0.rate: Input should be greater than 0``). Every default that stands
in for a number AWS does not publish is documented on its field and printed with results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from bridgetwin.service_defaults import (
    RETRY_BACKOFF_BASE_S,
    RETRY_BACKOFF_CAP_S,
    RETRY_BACKOFF_FACTOR,
)
from bridgetwin.simulator.scenario.base import (
    Duration,
    Latency,
    RegionName,
    StrictModel,
    latency_default,
)
from bridgetwin.simulator.scenario.overrides import Overrides
from bridgetwin.simulator.scenario.services import (
    ApiDestinationSettings,
    Dns,
    Endpoint,
    FunctionSettings,
    HealthCheckSettings,
    LambdaAsyncSettings,
    RegionSettings,
    Replay,
    Replication,
    SubscriberSettings,
    TargetSettings,
)
from bridgetwin.simulator.scenario.traffic import QueueTraffic, Traffic


class RetryBackoff(StrictModel):
    """EventBridge's retry delays. AWS says "exponential backoff with jitter" and publishes no
    numbers (eventbridge-facts §1), so these are our documented defaults (full jitter, as in the
    AWS Architecture blog the docs cite): retry k waits up to min(cap, base * factor**k). The
    980 s cap makes AWS's two published limits meet: the 185th retry comes after 23.96 h on
    average (:mod:`bridgetwin.service_defaults` shows how the time to the DLQ depends on it)."""

    base: Duration = RETRY_BACKOFF_BASE_S
    factor: float = Field(RETRY_BACKOFF_FACTOR, ge=1.0)
    cap: Duration = RETRY_BACKOFF_CAP_S
    jitter: Literal["full", "equal", "none"] = "full"


class EventBridgeSettings(StrictModel):
    """Service behaviour, where AWS publishes no number unless a field says otherwise."""

    processing_latency: Latency = latency_default(0.02)
    """Ingestion to first invocation start when nothing queues. Default: 20ms (our assumption)."""
    retry_backoff: RetryBackoff = Field(default_factory=RetryBackoff)
    invocation_timeout: Duration = 5.0
    """Client-side limit per API destination request: 5 s (AWS, eventbridge-facts §2)."""
    put_events_quota: int | None = Field(None, gt=0)
    """PutEvents requests/s per Region. Default: - the Region's quota (eventbridge-facts §6)."""
    invocation_quota: int | None = Field(None, gt=0)
    """Invocations/s per Region. Default: - the Region's quota (eventbridge-facts §6)."""
    cross_region_latency: Duration = 0.1
    """Extra time for an event a rule sends to a bus in another Region. AWS publishes no number
    (UNCONFIRMED); 100 ms is about the network round trip between distant Regions."""
    replay_startup_delay: Duration = 60.0
    """How long a Custom Event Bus subscriber that starts at a point in time takes to begin
    reading its bus's past. AWS documents "a startup delay" and no figure (UNCONFIRMED)."""
    max_hops: int = Field(8, ge=1, le=100)
    """Bus-to-bus hops an event is followed for (a cycle of buses would loop forever; AWS
    stops none within a Region). Events that would go further are counted and reported."""
    max_entry_bytes: int = Field(262_144, gt=0)
    """Largest PutEvents entry: 256 KB, the classic documented limit (eventbridge-facts §0)."""
    max_request_bytes: int = Field(262_144, gt=0)
    """Largest PutEvents request, all its entries together: 256 KB (the PutEvents API reference,
    eventbridge-facts §10). A call over it is rejected whole with a validation error, which no
    SDK retries: its entries are lost at the producer. Raise it with ``max_entry_bytes`` if your
    Region takes the newer 1 MB entries."""
    step: Duration | None = Field(None, gt=0)
    """The longest step the engine may take. Default: - the engine chooses each step as long as
    nothing inside it could change what it assumed (alarms that route traffic, rejected calls'
    retries) and short enough to bound memory; a shorter cap changes no timing, only the order
    in which random draws are used, and runs slower. For debugging the engine."""


SLO_METRICS = (
    "latency.start.p50",
    "latency.start.p90",
    "latency.start.p99",
    "latency.start.mean",
    "latency.start.max",
    "latency.complete.p99",
    "latency.success.p50",
    "latency.success.p90",
    "latency.success.p99",
    "latency.success.max",
    "latency.end_to_end_start.p99",
    "latency.end_to_end_start.max",
    "latency.end_to_end_success.p99",
    "latency.end_to_end_success.max",
    "counts.dlq",
    "counts.dropped",
    "counts.in_flight",
    "counts.retries",
    "counts.rate_limited",
    "counts.delivered",
    "counts.invocations",
)


class Slo(StrictModel):
    """A pass/fail objective on every target it names (``--check`` exits non-zero on failure),
    judged as ``expect()`` judges (:mod:`bridgetwin.simulator.results.verdicts`): a latency
    objective on a target that received no events fails, and so does an objective over events
    that had not finished when the run ended, unless allowed."""

    target: str = "*"
    """The targets it judges: a construct path or part of one, a logical id, ``RULE/TARGET``
    (what the failure table prints), or a glob on any of them."""
    metric: Literal[SLO_METRICS]  # type: ignore[valid-type]
    max: Duration | None = None
    """Upper bound: a duration for latency metrics (``60s``, ``500ms``; a bare number is
    seconds, as everywhere in scenarios), a number of events for ``counts.*``."""
    min: Duration | None = None
    """Lower bound, in the same units as ``max``."""
    allow_empty: bool = False
    """Let a latency objective on a target that received no events pass."""
    allow_unfinished: bool = False
    """Judge the events that finished even when others had not when the run ended (without
    it, such an objective fails; ``drain:`` lets them finish)."""
    seeds: int = Field(1, ge=1, le=1000)
    """Judge the objective over this many runs: the scenario's seed and seeds derived from it
    (as ``twin(...).simulate(seeds=N)`` and sweeps derive theirs). It holds only if it holds on
    every one; the verdict says how many held, with the mean and its 95 % interval. One seed is
    one draw of the traffic and the failures."""

    @model_validator(mode="after")
    def _bounded(self) -> Slo:
        if self.max is None and self.min is None:
            raise ValueError("an objective needs max or min (it would check nothing)")
        return self


DEFAULT_START_TIME = datetime(2026, 1, 5, tzinfo=UTC)


class Scenario(StrictModel):
    """Everything the twin needs beyond the template."""

    duration: Duration = Field(gt=0)
    """How long producers, schedules and queue traffic run."""
    drain: Duration | None = Field(None, gt=0)
    """Keep simulating after ``duration``, with no new traffic, for at most this long, so that
    every event can be delivered, dead-lettered or dropped: counts and latencies are then final.
    Default: - none: the run ends at ``duration``, and objectives over events still on their way
    then fail (``slo[].allow_unfinished`` accepts them)."""
    seed: int = Field(0, ge=0)
    start_time: AwareDatetime = DEFAULT_START_TIME
    """The wall-clock time the run begins (ISO 8601 with a UTC offset, e.g.
    ``2026-11-27T08:00:00Z``): what ``cron()`` and ``at()`` schedules are evaluated against.
    Default: - 2026-01-05T00:00:00Z, a Monday (listed in the assumptions when a schedule
    depends on it)."""
    eventbridge: EventBridgeSettings = Field(default_factory=EventBridgeSettings)
    traffic: tuple[Traffic, ...] = ()
    queue_traffic: tuple[QueueTraffic, ...] = ()
    """Messages producers send to SQS queues that pipes read (when no rule feeds them)."""
    api_destinations: tuple[ApiDestinationSettings, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    targets: tuple[TargetSettings, ...] = ()
    functions: tuple[FunctionSettings, ...] = ()
    lambda_async: LambdaAsyncSettings = Field(default_factory=LambdaAsyncSettings)
    replays: tuple[Replay, ...] = ()
    subscribers: tuple[SubscriberSettings, ...] = ()
    """Custom Event Bus subscribers created, stopped and resumed during the run."""
    overrides: Overrides = Field(default_factory=Overrides)
    """What-if changes to the deployment (:mod:`.overrides`), applied before the run."""
    slo: tuple[Slo, ...] = ()
    regions: dict[RegionName, RegionSettings] = Field(default_factory=dict)
    dns: Dns = Field(default_factory=Dns)
    health_check: HealthCheckSettings = Field(default_factory=HealthCheckSettings)
    replication: Replication = Field(default_factory=Replication)
    max_events: float = Field(2e9, gt=0)
    """The most events the traffic may put in one run: a guard against a duration or rate typo
    that would run for days (memory does not grow with the run; time does). At about a million
    simulated events per second, the default is about half an hour."""
    provenance: tuple[str, ...] = ()
    """Where this scenario's values came from, one line per calibrated field (``bridgetwin
    calibrate`` writes them: metric, statistic, period); each line is listed in the result's
    assumptions, so a prediction says what it rests on."""
    max_firings: float = Field(1e6, gt=0)
    """The most times the deployment's schedules may fire in one run (each firing is listed
    before the run): ``cron(* * * * ? *)`` fires 525,600 times a year."""

    @property
    def horizon(self) -> float:
        """Seconds simulated: ``duration``, plus ``drain`` when the run drains."""
        return self.duration + (self.drain or 0.0)

    @model_validator(mode="after")
    def _within_budget(self) -> Scenario:
        parts = []
        sections = [("traffic", self.traffic), ("queue_traffic", self.queue_traffic)]
        for section, items in sections:
            for number, traffic in enumerate(items):
                end = min(traffic.end or self.duration, self.duration)
                span = max(0.0, end - traffic.start)
                where = f"{section}.{number}"
                if traffic.arrival == "trace":
                    count = float(len(traffic.trace) * traffic.per_call)
                    parts.append((count, f"{where}: {count:,.0f} traced entries"))
                else:
                    count = traffic.rate * span
                    parts.append((count, f"{where}: {traffic.rate:g}/s for {span:g} s"))
        total = sum(count for count, _ in parts)
        if total > self.max_events:
            raise ValueError(
                f"max_events: the traffic puts about {total:,.0f} events "
                f"({'; '.join(text for _, text in parts)}), more than max_events "
                f"({self.max_events:,.0f}); at about a million simulated events per second that "
                f"is {total / 1e6 / 3600:,.1f} h. Shorten 'duration', lower the rates, or raise "
                "max_events"
            )
        return self
