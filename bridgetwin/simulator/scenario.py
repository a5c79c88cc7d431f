"""The scenario: what no template states (traffic, endpoint behaviour, service timings, SLOs).

A scenario is YAML or JSON validated by pydantic with ``extra="forbid"``, so a typo is an error that
names its location (``traffic.0.rate: Input should be greater than 0``). Durations are strings
such as ``"250ms"``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or plain seconds. Every default that
stands in for a number AWS does not publish is documented on its field and printed with results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message names each bad field and what is allowed."""


def parse_duration(value: Any) -> float:
    """``"250ms"``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 250ms, 90s, 5m, 2h, 1d or seconds")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(
            f"'{value}' is not a duration; use a number with ms, s, m, h or d (e.g. 90s, 5m)"
        )
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Latency(_Model):
    """A latency distribution. A plain duration (e.g. ``80ms``) means a fixed latency."""

    distribution: Literal["fixed", "lognormal", "exponential", "empirical"] = "fixed"
    value: Duration = 0.0
    """fixed: the latency."""
    median: Duration | None = None
    """lognormal: the median."""
    p99: Duration | None = None
    """lognormal: the 99th percentile (must exceed the median)."""
    mean: Duration | None = None
    """exponential: the mean."""
    samples: tuple[Duration, ...] = ()
    """empirical: observed latencies, resampled uniformly."""

    @model_validator(mode="before")
    @classmethod
    def _from_duration(cls, data: Any) -> Any:
        return data if isinstance(data, Mapping) else {"distribution": "fixed", "value": data}

    @model_validator(mode="after")
    def _complete(self) -> Latency:
        needs = {
            "lognormal": ("median", "p99"),
            "exponential": ("mean",),
            "empirical": ("samples",),
        }
        for name in needs.get(self.distribution, ()):
            if not getattr(self, name):
                raise ValueError(f"a {self.distribution} latency needs '{name}'")
        if self.distribution == "lognormal" and self.p99 <= self.median:  # type: ignore[operator]
            raise ValueError("'p99' must be greater than 'median'")
        return self


def _latency(default: float) -> Any:
    return Field(default_factory=lambda: Latency(value=default))


class RetryBackoff(_Model):
    """EventBridge's retry delays. AWS says "exponential backoff with jitter" and publishes no
    numbers (eventbridge-facts §1), so these are our documented defaults (full jitter, as in the
    AWS Architecture blog the docs cite): retry k waits up to min(cap, base * factor**k)."""

    base: Duration = 1.0
    factor: float = Field(2.0, ge=1.0)
    cap: Duration = 300.0
    jitter: Literal["full", "equal", "none"] = "full"


class EventBridgeSettings(_Model):
    """Service behaviour, where AWS publishes no number unless a field says otherwise."""

    processing_latency: Latency = _latency(0.02)
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
    max_hops: int = Field(8, ge=1, le=100)
    """Bus-to-bus hops an event is followed for (a cycle of buses would loop forever; AWS
    stops none within a Region). Events that would go further are counted and reported."""
    max_entry_bytes: int = Field(262_144, gt=0)
    """Largest PutEvents entry: 256 KB, the classic documented limit (eventbridge-facts §0)."""
    step: Duration = 1.0
    """How much simulated time the engine processes at once (a divisor of 60 s). Results do not
    depend on it beyond when alarms and routing see new data (and a rejected PutEvents call
    retries no earlier than its step's end). A step's work is mostly fixed cost, so larger steps
    run faster: at 50 events/s, about 0.3 million simulated events per second with 1 s steps,
    1.2 million with 10 s and 2 million with 60 s on one core. Default: 1s."""


class EventTemplate(_Model):
    """An event a producer puts, chosen with probability proportional to ``weight``."""

    weight: float = Field(1.0, gt=0)
    event: dict[str, Any]

    @model_validator(mode="after")
    def _has_envelope(self) -> EventTemplate:
        for field in ("source", "detail-type"):
            if not isinstance(self.event.get(field), str):
                raise ValueError(f"the event needs a string '{field}' (PutEvents requires it)")
        return self


class Bursts(_Model):
    """``arrival: bursty``: a burst of ``length`` at the start of every ``every``, at ``factor``
    times the rate; the rest of each cycle runs slower so that the mean stays ``rate``."""

    length: Duration = 60.0
    every: Duration = 300.0
    factor: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _fits(self) -> Bursts:
        if not 0 < self.length < self.every:
            raise ValueError("'length' must be greater than 0 and less than 'every'")
        return self


class Diurnal(_Model):
    """``arrival: diurnal``: rate * (1 + amplitude * sin(2 pi t / period))."""

    period: Duration = 86_400.0
    amplitude: float = Field(0.5, ge=0, le=1)


class SdkRetry(_Model):
    """The producer SDK's retries of a failed PutEvents call (exponential backoff)."""

    attempts: int = Field(3, ge=0)
    """Retries after the first call (the AWS SDKs' standard mode makes 3)."""
    base: Duration = 0.1
    cap: Duration = 20.0


class Traffic(_Model):
    """Producers calling PutEvents on one bus."""

    bus: str
    """Bus name or logical id."""
    region: str | None = None
    """The bus's Region, needed when its name exists in several Regions. Default: - the only
    bus of that name."""
    rate: float = Field(gt=0)
    """Mean events per second."""
    arrival: Literal["poisson", "constant", "bursty", "diurnal", "trace"] = "poisson"
    batch: int = Field(1, ge=1, le=10)
    """Entries per PutEvents call (1-10, the API's limit)."""
    events: tuple[EventTemplate, ...] = Field(min_length=1)
    start: Duration = 0.0
    end: Duration | None = None
    """Default: - the scenario's duration."""
    bursts: Bursts = Field(default_factory=Bursts)
    diurnal: Diurnal = Field(default_factory=Diurnal)
    trace: tuple[Duration, ...] = ()
    """``arrival: trace``: the call times."""
    on_throttle: Literal["retry", "drop"] = "retry"
    """What the producer does with a throttled PutEvents call."""
    throttle_retries: int = Field(3, ge=0)
    throttle_retry_delay: Duration = 0.1
    """First SDK retry delay after a throttle; doubles each time."""
    via_endpoint: bool = False
    """Put events through the bus's global endpoint (routed by its health check)."""
    retry: SdkRetry = Field(default_factory=SdkRetry)
    """SDK retries of calls that fail (a disrupted Region answers with errors)."""
    spool: bool = False
    """Durable store-and-forward at the producer: calls the SDK gives up on are kept and
    retried (re-resolving the endpoint) instead of lost."""


class ApiDestinationSettings(_Model):
    """Token-bucket settings for API destinations matched by logical id or endpoint glob."""

    match: str = "*"
    burst: int | None = Field(None, ge=1)
    """Token-bucket capacity. Default: - the rate limit, i.e. at most one second of tokens can
    accumulate while idle (AWS publishes no burst; this keeps any one second within the limit)."""


class Outage(_Model):
    start: Duration
    end: Duration
    status: int | Literal["timeout"] = 503

    @model_validator(mode="after")
    def _ordered(self) -> Outage:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class OAuth(_Model):
    """Behaviour of the OAuth token endpoint of a client-credentials connection."""

    token_ttl: Duration = 3600.0
    token_latency: Latency = _latency(0.2)
    failure_rate: float = Field(0.0, ge=0, le=1)


class Endpoint(_Model):
    """What an HTTPS endpoint behind an API destination does."""

    match: str = "*"
    """Glob on the endpoint URL (or the API destination's logical id)."""
    latency: Latency = _latency(0.05)
    responses: dict[int, float] = Field(default_factory=lambda: {200: 1.0})
    """Status code -> probability (normalized)."""
    retry_after: Duration | None = None
    """Retry-After sent with 429 and 503. Default: - none."""
    retry_after_negative: bool = False
    """Send a negative Retry-After instead, which stops retries (AWS)."""
    outages: tuple[Outage, ...] = ()
    oauth: OAuth = Field(default_factory=OAuth)

    @model_validator(mode="after")
    def _statuses(self) -> Endpoint:
        for status, weight in self.responses.items():
            if not 100 <= status <= 599 or weight < 0:
                raise ValueError(f"responses: {status}: {weight} (status 100-599, weight >= 0)")
        if sum(self.responses.values()) <= 0:
            raise ValueError("responses: weights must add up to more than 0")
        return self


class TargetSettings(_Model):
    """Non-HTTP targets (SQS, SNS, Lambda, buses, ...): matched by logical id, ARN or kind."""

    match: str = "*"
    latency: Latency = _latency(0.02)
    failure_rate: float = Field(0.0, ge=0, le=1)
    """Probability an invocation fails with a retryable error."""
    concurrency: int | None = Field(None, ge=1)
    """Invocations in flight at once. Default: - unlimited."""


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
    "counts.throttled",
    "counts.delivered",
)


class Slo(_Model):
    """A pass/fail objective on every matching target (``--check`` exits non-zero on failure).
    A latency objective on a target that received no events holds (there is nothing to judge)."""

    target: str = "*"
    """Glob on ``rule/target``."""
    metric: Literal[SLO_METRICS]  # type: ignore[valid-type]
    max: Duration | None = None
    min: Duration | None = None


class Disruption(_Model):
    """A degraded period of one Region's EventBridge."""

    start: Duration
    end: Duration
    ingestion_latency: Duration = 0.0
    """Extra time from ingestion to first invocation (raises IngestionToInvocationStartLatency)."""
    put_events_errors: float = Field(0.0, ge=0, le=1)
    """Fraction of PutEvents calls answered with a server error."""
    outage: bool = False
    """Every PutEvents call fails (same as put_events_errors: 1)."""

    @model_validator(mode="after")
    def _ordered(self) -> Disruption:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self

    @property
    def error_rate(self) -> float:
        return 1.0 if self.outage else self.put_events_errors


class RegionSettings(_Model):
    processing_latency: Latency | None = None
    """Default: - eventbridge.processing_latency."""
    disruptions: tuple[Disruption, ...] = ()


class Dns(_Model):
    ttl: Duration = 60.0
    """How long producers cache the global endpoint's DNS answer; they re-resolve every ttl."""


class HealthCheckSettings(_Model):
    propagation: Duration = 30.0
    """Alarm state -> Route 53 health status delay. AWS publishes no number (eventbridge-facts
    §5, UNCONFIRMED); 30 s reproduces AWS's documented RTO of about 360 s with the prescribed
    alarm (5 x 60 s) and a 60 s DNS TTL."""


class Replication(_Model):
    lag: Duration = 1.0
    """Time for a managed replication rule to copy an event to the other Region's bus."""


class Scenario(_Model):
    """Everything the twin needs beyond the template."""

    duration: Duration = Field(gt=0)
    seed: int = 0
    eventbridge: EventBridgeSettings = Field(default_factory=EventBridgeSettings)
    traffic: tuple[Traffic, ...] = ()
    api_destinations: tuple[ApiDestinationSettings, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    targets: tuple[TargetSettings, ...] = ()
    slo: tuple[Slo, ...] = ()
    regions: dict[str, RegionSettings] = Field(default_factory=dict)
    dns: Dns = Field(default_factory=Dns)
    health_check: HealthCheckSettings = Field(default_factory=HealthCheckSettings)
    replication: Replication = Field(default_factory=Replication)

    @model_validator(mode="after")
    def _step(self) -> Scenario:
        step = self.eventbridge.step
        if step <= 0 or abs(60 / step - round(60 / step)) > 1e-9:
            raise ValueError("eventbridge.step must divide 60 s (e.g. 0.5s, 1s, 10s, 60s)")
        return self


def _format(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "scenario"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "\n".join(lines)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML/JSON file path or a mapping. Raises :class:`ScenarioError`."""
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"{path}: {exc.strerror}") from None
        import yaml

        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ScenarioError(f"{path}: malformed: {exc}".replace("\n", " ")) from None
        if not isinstance(data, Mapping):
            raise ScenarioError(f"{path}: a scenario must be a mapping of fields")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format(exc)) from None


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (``bridgetwin scenario-schema``)."""
    return Scenario.model_json_schema()
