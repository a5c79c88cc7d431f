"""What producers do: the ``traffic`` section (PutEvents on a bus: rates, arrival models,
batches, SDK retries) and the ``queue_traffic`` section (messages sent to an SQS queue that a
pipe reads). Both share the arrival models of :class:`Arrivals`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from bridgetwin.producer.config import PublisherConfig
from bridgetwin.simulator.scenario.base import Duration, RegionName, StrictModel
from bridgetwin.simulator.scenario.raw_events import RawPayload


class EventTemplate(StrictModel):
    """An event a producer puts, chosen with probability proportional to ``weight``: a
    ``PutEvents`` entry (``event``) or, on a Custom Event Bus, a ``PutRawEvents`` one
    (``raw``)."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["event"]}, {"required": ["raw"]}]})  # fmt: skip

    weight: float = Field(1.0, gt=0)
    event: dict[str, Any] | None = None
    raw: RawPayload | None = None
    """A ``PutRawEvents`` entry instead of an envelope (:mod:`.raw_events`)."""

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and (data.get("event") is None) == (data.get("raw") is None):
            raise ValueError("give the entry as 'event' (PutEvents) or as 'raw' (PutRawEvents)")
        return data

    @model_validator(mode="after")
    def _has_envelope(self) -> EventTemplate:
        for field in ("source", "detail-type"):
            if self.event is not None and not isinstance(self.event.get(field), str):
                raise ValueError(f"the event needs a string '{field}' (PutEvents requires it)")
        return self

    @property
    def entry(self) -> dict[str, Any]:
        """The entry as the twin routes it: the event, or the raw entry under ``RAW_KEY``."""
        if self.event is not None:
            return self.event
        assert self.raw is not None
        return self.raw.as_event()


class Bursts(StrictModel):
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


class Diurnal(StrictModel):
    """``arrival: diurnal``: rate * (1 + amplitude * sin(2 pi t / period))."""

    period: Duration = Field(86_400.0, gt=0)
    amplitude: float = Field(0.5, ge=0, le=1)


class SdkRetry(StrictModel):
    """The producer SDK's retries of a failed PutEvents call (exponential backoff)."""

    attempts: int = Field(3, ge=0, le=100)
    """Retries after the first call (the AWS SDKs' standard mode makes 3)."""
    base: Duration = Field(0.1, gt=0)
    cap: Duration = Field(20.0, gt=0)


class RateProfile(StrictModel):
    """``arrival: profile``: a rate that changes every ``period``, with Poisson arrivals within
    each period (what ``bridgetwin calibrate`` writes from CloudWatch's per-period sums)."""

    period: Duration = Field(60.0, gt=0)
    rates: tuple[float, ...] = Field(min_length=1)
    """Events (or messages) per second in each period, from the traffic's ``start``; none after
    the last period."""

    @model_validator(mode="after")
    def _rates(self) -> RateProfile:
        if min(self.rates) < 0:
            raise ValueError("rates: every rate must be 0 or more (events per second)")
        if max(self.rates) <= 0:
            raise ValueError("rates: at least one period needs a rate above 0")
        return self


def _rate_or_profile(schema: dict[str, Any]) -> None:
    """In the JSON Schema: ``rate`` is required unless ``arrival: profile`` (which takes it from
    ``profile``, required then), as the model's validators say."""
    schema["required"] = [r for r in schema.get("required", []) if r != "rate"]
    schema["allOf"] = [{
        "if": {"properties": {"arrival": {"const": "profile"}}, "required": ["arrival"]},
        "then": {"required": ["profile"], "not": {"required": ["rate"]}},
        "else": {"required": ["rate"]},
    }]  # fmt: skip


class Arrivals(StrictModel):
    """When producers call: a mean rate and an arrival model, from ``start`` to ``end``."""

    model_config = ConfigDict(**StrictModel.model_config, json_schema_extra=_rate_or_profile)

    rate: float = Field(gt=0)
    """Mean events (or messages) per second. With ``arrival: profile`` it is the profile's mean
    and is not given."""
    arrival: Literal["poisson", "constant", "bursty", "diurnal", "trace", "profile"] = "poisson"
    start: Duration = 0.0
    end: Duration | None = None
    """Default: - the scenario's duration."""
    bursts: Bursts = Field(default_factory=Bursts)
    diurnal: Diurnal = Field(default_factory=Diurnal)
    trace: tuple[Duration, ...] = ()
    """``arrival: trace``: the call times."""
    profile: RateProfile | None = None
    """``arrival: profile``: the rate in each period."""

    @model_validator(mode="before")
    @classmethod
    def _rate_of_profile(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("arrival") != "profile":
            return data
        if "rate" in data:
            raise ValueError("'arrival: profile' takes its rate from 'profile.rates'; drop 'rate'")
        profile = data.get("profile")
        if isinstance(profile, RateProfile):
            rates = profile.rates
        else:
            rates = profile.get("rates") if isinstance(profile, dict) else None
            if not isinstance(rates, list | tuple) or not rates:
                raise ValueError("'arrival: profile' needs 'profile.rates' (events per second)")
        numbers = [r for r in rates if isinstance(r, int | float) and not isinstance(r, bool)]
        # a bad rate is reported by RateProfile itself; the mean only needs to be positive here
        return {**data, "rate": max(sum(numbers) / len(rates), 1e-12)}

    @property
    def per_call(self) -> int:
        """Entries per call (1 unless a producer batches)."""
        return 1

    @model_validator(mode="after")
    def _trace_has_calls(self) -> Arrivals:
        if self.arrival == "trace" and not self.trace:
            raise ValueError("'arrival: trace' needs at least one call time in 'trace'")
        if (self.arrival == "profile") != (self.profile is not None):
            raise ValueError("'profile' goes with 'arrival: profile' (and only with it)")
        return self


class Traffic(Arrivals):
    """Producers calling PutEvents on one bus."""

    bus: str
    """Bus name or logical id."""
    region: RegionName | None = None
    """The bus's Region, needed when its name exists in several Regions. Default: - the only
    bus of that name."""
    batch: int = Field(1, ge=1, le=10)
    """Entries per PutEvents call (1-10, the API's limit)."""
    events: tuple[EventTemplate, ...] = Field(min_length=1)
    on_throttle: Literal["retry", "drop"] = "retry"
    """What the producer does with a throttled PutEvents call."""
    throttle_retries: int = Field(3, ge=0, le=100)
    throttle_retry_delay: Duration = Field(0.1, gt=0)
    """First SDK retry delay after a throttle; doubles each time."""
    via_endpoint: bool = False
    """Put events through the bus's global endpoint (routed by its health check)."""
    event_group: str | None = Field(None, min_length=1, max_length=128)
    """Custom Event Bus: every event's ``EventGroupId`` (FIFO subscribers deliver a group's
    events one at a time, in publish order)."""
    event_groups: int | None = Field(None, ge=1, le=10_000)
    """Custom Event Bus: spread the events evenly at random over this many event groups."""
    duplicates: float = Field(0.0, ge=0.0, lt=1.0)
    """Custom Event Bus: the fraction of entries that repeat one published less than 300 s
    before (the same ``DeduplicationId``, or the same content with ``CONTENT_BASED``
    deduplication): EventBridge answers ``DEDUPLICATED`` and does not store them again."""
    retry: SdkRetry = Field(default_factory=SdkRetry)
    """SDK retries of calls that fail (a disrupted Region answers with errors)."""
    spool: bool = False
    """Durable store-and-forward at the producer: calls the SDK gives up on are kept and
    retried (re-resolving the endpoint) instead of lost."""
    producer: PublisherConfig | None = None
    """The configuration of :class:`bridgetwin.producer.EventPublisher` this traffic's
    producers run: it sets ``batch``, ``retry``, ``throttle_retries``/``throttle_retry_delay``
    and ``spool`` to what that client does (each retry waits the mean of its full-jitter
    delay; fields given beside ``producer`` are replaced)."""

    @property
    def per_call(self) -> int:
        return self.batch

    @model_validator(mode="after")
    def _one_way_to_group(self) -> Traffic:
        if self.event_group is not None and self.event_groups is not None:
            raise ValueError("give event_group (one group) or event_groups (N groups), not both")
        return self

    @model_validator(mode="after")
    def _from_producer(self) -> Traffic:
        config = self.producer
        if config is None:
            return self
        retries = config.max_attempts - 1
        mean = SdkRetry(attempts=retries, base=config.backoff_base / 2, cap=config.backoff_cap / 2)
        for name, value in (("batch", config.max_batch_entries), ("retry", mean),
                            ("throttle_retries", retries), ("on_throttle", "retry"),
                            ("throttle_retry_delay", config.backoff_base / 2),
                            ("spool", config.spool is not None)):  # fmt: skip
            object.__setattr__(self, name, value)
        return self


class QueueMessage(StrictModel):
    """A message a producer sends, chosen with probability proportional to ``weight``."""

    weight: float = Field(1.0, gt=0)
    body: Any
    """The message body (JSON); a pipe's filter sees it as the record's ``body``."""


class QueueTraffic(Arrivals):
    """Producers sending messages (SendMessage) to an SQS queue that a pipe in the deployment
    reads: the pipe's source when no rule in the loaded stacks feeds it."""

    queue: str
    """Queue logical id or name."""
    region: RegionName | None = None
    """The queue's Region, needed when its name exists in several Regions."""
    messages: tuple[QueueMessage, ...] = Field(min_length=1)
