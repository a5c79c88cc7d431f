"""What the twin tallies for each (rule, target) pair: counts, DLQ detail, latencies, datapoints.

Everything a result reports about a target is accumulated here while lanes run, in bulk where
possible (latencies in ``LatencySamples``, counts as integers), so a run's memory follows what
it reports, not how many events it simulates.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.simulator.aws.backlog_age import FINISHED, RECEIVED, BacklogTracker
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.results.minute_latencies import MinuteLatencies, NotByMinute
from bridgetwin.simulator.results.statistics import LatencySamples

ROUNDING = 1e-9
"""A start later than its ready time by no more than this waited for nothing: floating-point
rounding of the grant arithmetic, which differs with how requests were grouped."""


def _tally(by_minute: np.ndarray, times: np.ndarray) -> None:
    """Count each time in its minute's bin (the last bin takes any later time). A minute is
    ``int(t / 60)`` everywhere: four times cheaper than numpy's floor division."""
    if not len(times):
        return
    low = int(np.minimum.reduce(times) / 60)
    high = int(np.maximum.reduce(times) / 60)
    if low == high and low < len(by_minute):  # the usual case: one minute, nothing to bin
        by_minute[low] += len(times)
        return
    minutes = np.minimum((times / 60).astype(np.int64), len(by_minute) - 1)
    low = int(minutes.min())
    counts = np.bincount(minutes - low)
    by_minute[low : low + len(counts)] += counts


@dataclass
class TargetState:
    """Policy and running tally of one (rule, target) pair (or pipe, schedule or subscriber
    and its target)."""

    rule_id: str
    target_id: str
    rule_arn: str
    target_arn: str
    max_retries: int
    max_age: float
    has_dlq: bool
    horizon: float
    ingested: int = 0
    delivered: int = 0
    dlq: int = 0
    dropped: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0
    batch_size: int = 1
    """A subscriber's ``MaxBatchSize``: above 1, its requests are batches of its events."""
    request_bytes: int | None = None
    """A batching subscriber's: the bytes one request of its target takes (:mod:`.batch_bytes`)."""
    invocations: int = 0
    """Requests of a subscriber that batches (each a batch of its events): ``TargetInvocations``."""
    largest_batch: int = 0
    backlog: BacklogTracker | None = None
    """A subscriber's: its events received and not finished (``ApproximateBacklogAge``)."""
    fifo: bool = False
    """A FIFO subscriber's: its events wait behind their event group's head."""
    held: int = 0
    """Events that waited behind an earlier event of their group (FIFO)."""
    held_seconds: float = 0.0
    longest_hold: float = 0.0
    dlq_records: int = 0
    """On-failure records of a subscriber that batches: one per failed batch."""
    finished_late: int = 0
    unstarted: int = 0
    """First attempts the run scheduled to start after its end (their start latency is unknown)."""
    oldest_unstarted: float = math.inf
    """Ingestion time of the oldest of them."""
    dlq_by_condition: Counter[str] = field(default_factory=Counter)
    dlq_by_error: Counter[str] = field(default_factory=Counter)
    dropped_by_error: Counter[str] = field(default_factory=Counter)
    dlq_samples: list[dict[str, str]] = field(default_factory=list)
    latency_start: LatencySamples = field(default_factory=LatencySamples)
    latency_complete: LatencySamples = field(default_factory=LatencySamples)
    latency_success: LatencySamples = field(default_factory=LatencySamples)
    redrive: bool = False
    """A pipe's SQS source with a redrive policy: a record that fails its last receive moves to
    the redrive DLQ one visibility timeout later, when another receive would exceed
    ``maxReceiveCount``, as SQS moves it (no EventBridge DLQ attributes)."""
    retry_delay: float | None = None
    """A fixed wait before each retry instead of the backoff (an SQS source's visibility
    timeout, for a pipe)."""
    finished_at: float = 0.0
    """When its last request to finish did (delivered, or given up): a FIFO group's next
    event may start then."""
    resumed: dict[float, float] = field(default_factory=dict)
    """Events a stopped subscriber read only when it resumed: ingestion time -> that time,
    from which their retry window (``MaxEventAgeInSeconds``) counts (our assumption)."""
    retry_all: bool = False
    """Every failure is retried, client errors too (a subscriber's ``RetryStrategy: ALL``)."""
    owner_arns: tuple[tuple[str, str], ...] = ()
    """The DLQ attributes naming the owner, when it is not a rule (``RULE_ARN``): a
    subscriber's record names ``SUBSCRIBER_ARN`` and ``BUS_ARN``."""
    by_minute: bool = True
    """Whether latencies are also kept minute by minute (for reports)."""
    chained: bool = False
    """Its events may have come from another bus (:mod:`.hops`): end-to-end latencies (from
    the first ingestion) then differ from this bus's own, and are kept apart."""
    end_to_end_start: LatencySamples = field(default_factory=LatencySamples)
    end_to_end_success: LatencySamples = field(default_factory=LatencySamples)
    store: MetricStore = field(init=False)
    ingested_by_minute: np.ndarray = field(init=False)
    finished_by_minute: np.ndarray = field(init=False)
    per_minute: dict[str, np.ndarray] = field(init=False)
    """Attempts, retries, rate-limited starts, deliveries, final failures and DLQ arrivals in
    each minute (for reports and backtests)."""
    start_by_minute: MinuteLatencies | NotByMinute = field(init=False)
    """Start latencies by the minute their attempt started; success latencies by the minute
    of success (as CloudWatch timestamps them)."""
    success_by_minute: MinuteLatencies | NotByMinute = field(init=False)
    complete_by_minute: MinuteLatencies | NotByMinute = field(init=False)
    """First attempts' ingestion-to-end latencies by the minute they ended."""

    def __post_init__(self) -> None:
        self.store = MetricStore(self.horizon)
        minutes = int(self.horizon // 60) + 1
        self.ingested_by_minute = np.zeros(minutes, dtype=np.int64)
        self.finished_by_minute = np.zeros(minutes, dtype=np.int64)
        self.per_minute = {
            name: np.zeros(minutes, dtype=np.int64)
            for name in ("attempts", "retries", "rate_limited", "delivered", "failed", "dlq")
        }
        kept = MinuteLatencies if self.by_minute else NotByMinute
        self.start_by_minute = kept(self.horizon)
        self.success_by_minute = kept(self.horizon)
        self.complete_by_minute = kept(self.horizon)

    def hold(self, waited: float) -> None:
        """An event of a FIFO group waited ``waited`` s for the events before it."""
        self.held += 1
        self.held_seconds += waited
        self.longest_hold = max(self.longest_hold, waited)

    def finish(self, at: float, ingest: float) -> bool:
        """Count a final outcome at ``at`` of the event ingested at ``ingest``; False when it
        happens after the horizon."""
        self.finished_at = at
        self.store.record(FINISHED, at, ingest)
        if at > self.horizon:
            self.finished_late += 1
            return False
        self.finished_by_minute[int(at / 60)] += 1
        return True

    def censor(self, ingest: np.ndarray | float) -> None:
        """First attempts that start after the horizon, ingested at ``ingest``."""
        if np.ndim(ingest) == 0:
            self.unstarted += 1
            self.oldest_unstarted = min(self.oldest_unstarted, float(ingest))
        elif len(ingest):
            self.unstarted += len(ingest)
            self.oldest_unstarted = min(self.oldest_unstarted, float(ingest.min()))

    def ingest(self, times: np.ndarray) -> None:
        """Events matched for this target, ingested at ``times``."""
        self.ingested += len(times)
        _tally(self.ingested_by_minute, times)
        self.store.record_many(RECEIVED, times)

    def record_start(
        self, start: float, end: float, ingest: float, origin: float, attempt: int, inside: bool
    ) -> None:
        """One attempt started on its own (``Lane._start``; ``record_block`` takes many):
        ``inside`` when it started within the run. Datapoints only when an alarm reads them."""
        store = self.store
        watched = bool(store.metrics)
        self.attempts += inside
        if inside:
            self.per_minute["attempts"][int(start / 60)] += 1
        if watched:
            store.record("InvocationAttempts", start)
        if attempt:
            self.retries += inside
            if inside:
                self.per_minute["retries"][int(start / 60)] += 1
            if watched:
                store.record("RetryInvocationAttempts", start)
            return
        if inside:
            self.latency_start.append(start - ingest)
            self.start_by_minute.append(start, start - ingest)
            if self.chained:
                self.end_to_end_start.append(start - origin)
            if watched:
                store.record("IngestionToInvocationStartLatency", start, (start - ingest) * 1e3)
        else:
            self.censor(ingest)
        if end <= self.horizon:
            self.latency_complete.append(end - ingest)
            self.complete_by_minute.append(end, end - ingest)
            if watched:
                store.record("IngestionToInvocationCompleteLatency", end, (end - ingest) * 1e3)

    def record_success(self, end: float, ingest: float, origin: float) -> bool:
        """The attempt that ended at ``end`` succeeded: its event is delivered, unless it ended
        after the run's horizon (then False: it finished late)."""
        store = self.store
        watched = bool(store.metrics)
        if watched:
            store.record("SuccessfulInvocationAttempts", end)
            store.record("Invocations", end)
        if not self.finish(end, ingest):
            return False
        self.delivered += 1
        self.per_minute["delivered"][int(end / 60)] += 1
        self.latency_success.append(end - ingest)
        self.success_by_minute.append(end, end - ingest)
        if self.chained:
            self.end_to_end_success.append(end - origin)
        if watched:
            store.record("IngestionToInvocationSuccessLatency", end, (end - ingest) * 1e3)
        return True

    def record_block(
        self,
        ready: np.ndarray,
        ingest: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        ok: np.ndarray,
        attempt: np.ndarray,
        origin: np.ndarray,
    ) -> None:
        """Bulk bookkeeping for attempts started in blocks (failures are handled apart)."""
        horizon = self.horizon
        first = attempt == 0
        if np.maximum.reduce(ends) <= horizon:  # every flush but the last
            seen = done = first
            success = ok
        else:
            seen = first & (starts <= horizon)
            done = first & (ends <= horizon)
            success = ok & (ends <= horizon)
        delivered = int(np.count_nonzero(success))
        waited = starts > ready + ROUNDING
        per_minute = self.per_minute
        if seen is first:
            self.attempts += len(starts)
            self.retries += len(starts) - int(np.count_nonzero(first))
            self.throttled += int(np.count_nonzero(waited))
            _tally(per_minute["attempts"], starts)
            _tally(per_minute["retries"], starts[~first])
            _tally(per_minute["rate_limited"], starts[waited])
        else:  # the run's last flush: attempts that start after the horizon are not counted
            self.censor(ingest[first & ~seen])
            inside = starts <= horizon
            self.attempts += int(np.count_nonzero(inside))
            self.retries += int(np.count_nonzero(inside & ~first))
            self.throttled += int(np.count_nonzero(inside & waited))
            _tally(per_minute["attempts"], starts[inside])
            _tally(per_minute["retries"], starts[inside & ~first])
            _tally(per_minute["rate_limited"], starts[inside & waited])
        self.delivered += delivered
        self.finished_late += int(np.count_nonzero(ok)) - delivered
        seen_starts = starts[seen]
        waits = seen_starts - ingest[seen]
        took = ends[done] - ingest[done]
        success_ends = ends[success]
        delivered_after = success_ends - ingest[success]
        self.latency_start.extend(waits)
        self.latency_complete.extend(took)
        self.latency_success.extend(delivered_after)
        self.start_by_minute.extend(seen_starts, waits)
        self.success_by_minute.extend(success_ends, delivered_after)
        self.complete_by_minute.extend(ends[done], took)
        if self.chained:
            self.end_to_end_start.extend(seen_starts - origin[seen])
            self.end_to_end_success.extend(success_ends - origin[success])
        _tally(self.finished_by_minute, success_ends)
        _tally(per_minute["delivered"], success_ends)
        store = self.store
        if not store.metrics:  # datapoints only when an alarm reads them
            return
        store.record_many("InvocationAttempts", starts)
        store.record_many("RetryInvocationAttempts", starts[~first])
        store.record_many("IngestionToInvocationStartLatency", seen_starts, waits * 1e3)
        store.record_many("IngestionToInvocationCompleteLatency", ends[done], took * 1e3)
        store.record_many("SuccessfulInvocationAttempts", success_ends)
        store.record_many(FINISHED, success_ends, ingest[success])
        store.record_many("Invocations", success_ends)
        store.record_many(
            "IngestionToInvocationSuccessLatency", success_ends, delivered_after * 1e3
        )
