"""What the services and endpoints do: API destinations' buckets, endpoints, other targets,
Regions' disruptions, DNS, health checks and replication."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, model_validator

from bridgetwin.simulator.scenario.base import Duration, Latency, StrictModel, latency_default


class ApiDestinationSettings(StrictModel):
    """Token-bucket settings for API destinations matched by logical id or endpoint glob."""

    match: str = "*"
    burst: int | None = Field(None, ge=1)
    """Token-bucket capacity. Default: - the rate limit, i.e. at most one second of tokens can
    accumulate while idle (AWS publishes no burst; this keeps any one second within the limit)."""


class Window(StrictModel):
    """A period of the run, from ``start`` to ``end`` (run time)."""

    start: Duration
    end: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class Outage(Window):
    """A period in which an endpoint answers every request with ``status`` (or never)."""

    status: int | Literal["timeout"] = 503


class OAuth(StrictModel):
    """Behaviour of the OAuth token endpoint of a client-credentials connection."""

    token_ttl: Duration = 3600.0
    token_latency: Latency = latency_default(0.2)
    failure_rate: float = Field(0.0, ge=0, le=1)


class Capacity(StrictModel):
    """How much an endpoint serves at once (:mod:`bridgetwin.simulator.aws.endpoint_capacity`):
    ``concurrency`` workers, each busy for one ``latency`` draw per request, so its throughput
    tops out at ``concurrency / mean latency``; requests beyond wait their turn."""

    concurrency: int = Field(ge=1, le=100_000)
    """Requests served at once (worker processes, threads, connections); at most 100,000 (the
    twin keeps one number per worker)."""
    queue: int | None = Field(None, ge=0)
    """Requests that may wait for a worker. Default: - unlimited (they wait, and EventBridge's
    5 s timeout ends the ones that wait too long)."""
    when_full: int | Literal["timeout"] = 503
    """The answer to a request that finds the waiting line full: an HTTP status (e.g. 429 or
    503, with the endpoint's ``retry_after`` if set) or ``timeout`` (never answered)."""
    rejection_latency: Duration = 0.005
    """How long a full endpoint takes to answer ``when_full``."""

    @model_validator(mode="after")
    def _status(self) -> Capacity:
        if self.when_full != "timeout" and not 100 <= self.when_full <= 599:
            raise ValueError(f"when_full: {self.when_full} (an HTTP status 100-599 or 'timeout')")
        if self.when_full != "timeout" and 200 <= self.when_full <= 299:
            raise ValueError(
                f"when_full: {self.when_full} would acknowledge requests the endpoint turns away "
                "(EventBridge counts a 2xx as delivered); give an error status such as 429 or "
                "503, or 'timeout'"
            )
        return self


class Endpoint(StrictModel):
    """What an HTTPS endpoint behind an API destination does."""

    match: str = "*"
    """Glob on the endpoint URL (or the API destination's logical id)."""
    latency: Latency = latency_default(0.05)
    responses: dict[int, float] = Field(default_factory=lambda: {200: 1.0})
    """Status code -> probability (normalized)."""
    retry_after: Duration | None = None
    """Retry-After sent with 429 and 503. Default: - none."""
    retry_after_negative: bool = False
    """Send a negative Retry-After instead, which stops retries (AWS)."""
    outages: tuple[Outage, ...] = ()
    oauth: OAuth = Field(default_factory=OAuth)
    capacity: Capacity | None = None
    """Workers and waiting line; ``latency`` is then each request's service time, and waiting
    adds to it. Default: - unlimited (it answers as fast at any load)."""

    @model_validator(mode="after")
    def _statuses(self) -> Endpoint:
        for status, weight in self.responses.items():
            if not 100 <= status <= 599 or weight < 0:
                raise ValueError(f"responses: {status}: {weight} (status 100-599, weight >= 0)")
        if sum(self.responses.values()) <= 0:
            raise ValueError("responses: weights must add up to more than 0")
        return self


class TargetSettings(StrictModel):
    """Non-HTTP targets (SQS, SNS, Lambda, buses, ...): matched by logical id, ARN or kind."""

    match: str = "*"
    latency: Latency = latency_default(0.02)
    failure_rate: float = Field(0.0, ge=0, le=1)
    """Probability an invocation fails with a retryable error."""
    concurrency: int | None = Field(None, ge=1)
    """Invocations in flight at once. Default: - unlimited."""
    quota: float | None = Field(None, gt=0)
    """Invocations per second the target's API accepts; beyond, it refuses them with a
    throttling error that EventBridge retries. Default: - the service's documented quota for
    this kind of target (:mod:`bridgetwin.simulator.aws.service_quotas`), else none."""
    quota_burst: int | None = Field(None, ge=1)
    """Tokens the quota's bucket holds. Default: - the documented burst, else one second."""
    outages: tuple[Window, ...] = ()
    """Periods in which every invocation fails with a retryable error (the service is down)."""


class FunctionSettings(StrictModel):
    """How a Lambda function runs the events EventBridge hands it (matched by logical id, name
    or ARN): see :mod:`bridgetwin.simulator.aws.lambda_async`."""

    match: str = "*"
    duration: Latency = latency_default(0.1)
    """How long one run takes. A run longer than the function's ``Timeout`` fails there."""
    error_rate: float = Field(0.0, ge=0, le=1)
    """Probability a run fails (Lambda retries it per the function's async settings)."""
    concurrency: int | None = Field(None, ge=0)
    """Runs at once. Default: - the template's ReservedConcurrentExecutions, else
    ``lambda_async.unreserved_concurrency``."""


class ThrottleRetry(StrictModel):
    """Lambda's interval between attempts that find no free concurrency: "increases
    exponentially from 1 second after the first attempt to a maximum of 5 minutes" (AWS); the
    factor is our reading (UNCONFIRMED)."""

    base: Duration = Field(1.0, gt=0)
    factor: float = Field(2.0, ge=1.0)
    cap: Duration = Field(300.0, gt=0)


class LambdaAsyncSettings(StrictModel):
    unreserved_concurrency: int = Field(1000, ge=1)
    """The account's unreserved concurrency in the Region (Lambda's default quota is 1,000
    concurrent executions). The twin gives it whole to each function without a reservation;
    in an account where other functions run, give the share this one gets."""
    throttle_retry: ThrottleRetry = Field(default_factory=ThrottleRetry)


class Disruption(Window):
    """A degraded period of one Region's EventBridge."""

    ingestion_latency: Duration = 0.0
    """Extra time from ingestion to first invocation (raises IngestionToInvocationStartLatency)."""
    put_events_errors: float = Field(0.0, ge=0, le=1)
    """Fraction of PutEvents calls answered with a server error."""
    outage: bool = False
    """Every PutEvents call fails (same as put_events_errors: 1)."""

    @property
    def error_rate(self) -> float:
        return 1.0 if self.outage else self.put_events_errors


class RegionSettings(StrictModel):
    processing_latency: Latency | None = None
    """Default: - eventbridge.processing_latency."""
    disruptions: tuple[Disruption, ...] = ()


class Dns(StrictModel):
    ttl: Duration = 60.0
    """How long producers cache the global endpoint's DNS answer; they re-resolve every ttl."""


class HealthCheckSettings(StrictModel):
    propagation: Duration = 30.0
    """Alarm state -> Route 53 health status delay. AWS publishes no number (eventbridge-facts
    §5, UNCONFIRMED); 30 s reproduces AWS's documented RTO of about 360 s with the prescribed
    alarm (5 x 60 s) and a 60 s DNS TTL."""


class Replication(StrictModel):
    lag: Duration = 1.0
    """Time for a managed replication rule to copy an event to the other Region's bus."""


class Replay(StrictModel):
    """A replay of an archive into its bus (``StartReplay``): the archived events of a window of
    the run, put on the bus again from ``start``, with ``replay-name`` set."""

    archive: str
    """The archive's logical id or name."""
    start: Duration
    """When the replay starts (run time)."""
    events_from: Duration = 0.0
    """The window of archived events (by their time): from this run time..."""
    events_to: Duration | None = None
    """...to this one. Default: - ``start`` (events archived later cannot be replayed)."""
    name: str = "replay"
    pace: Duration = Field(1.0, gt=0)
    """Run time per minute of archived events. AWS replays the window minute by minute in event
    time and publishes no speed (UNCONFIRMED): the default replays an hour of events in a
    minute."""
    rules: tuple[str, ...] = ()
    """Only these rules (logical ids or names) receive the replayed events, as the replay's
    ``FilterArns``. Default: - every rule on the bus."""

    @model_validator(mode="after")
    def _window(self) -> Replay:
        end = self.start if self.events_to is None else self.events_to
        if not self.events_from < end <= self.start:
            raise ValueError(
                "the window must satisfy events_from < events_to <= start (only events archived "
                "before the replay starts can be replayed)"
            )
        return self


class Pause(Window):
    """A Custom Event Bus subscriber set to ``STOPPED`` at ``start`` and back to ``RUNNING`` at
    ``end``: events published meanwhile wait on the bus (up to its retention)."""

    resume: Literal["LAST_PROCESSED", "LATEST"] = "LAST_PROCESSED"
    """``LAST_PROCESSED`` (AWS's default): deliver the backlog, oldest first; ``LATEST``: skip
    it."""


class SubscriberSettings(StrictModel):
    """What happens to the subscribers ``match`` names (a glob on logical id or name): when
    they are created, where in their bus's retained past they start, and their pauses."""

    match: str
    pauses: tuple[Pause, ...] = ()
    created: Duration = 0.0
    """When the subscriber is created (run time). ``LATEST`` reads the events published from
    then on; ``POINT_IN_TIME`` replays the retained past first (from ``HORIZON``, the oldest
    event the bus still keeps then, or from ``starting_point``). Default: - the run's start."""
    starting_point: Duration | None = None
    """A ``TIMESTAMP`` starting point in run time (the template's is epoch seconds, which a run
    cannot place); at most ``created``, as AWS refuses a starting point in the future."""
    end_point: Duration | None = None
    """The ``EndPoint`` in run time: events published later are not read."""

    @model_validator(mode="after")
    def _apart(self) -> SubscriberSettings:
        spans = sorted((p.start, p.end) for p in self.pauses)
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            raise ValueError("pauses overlap; give each stop and resume once")
        if self.starting_point is not None and self.starting_point > self.created:
            raise ValueError("starting_point must not be later than created (AWS refuses a "
                             "starting point in the future)")  # fmt: skip
        start = self.starting_point or 0.0
        if self.end_point is not None and self.end_point <= start:
            raise ValueError("end_point must be later than starting_point")
        return self
