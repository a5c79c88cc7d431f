"""Global endpoints: the health check, DNS routing of producers, replication, and failover timing.

The chain AWS documents (eventbridge-facts §5), step by step:

1. The endpoint's alarm watches the primary Region's ``IngestionToInvocationStartLatency``, which
   the twin measures on its own pipeline; a disruption's extra ingestion latency raises it.
2. The Route 53 ``CLOUDWATCH_METRIC`` health check follows the alarm after ``propagation``
   (UNCONFIRMED; default 30 s): OK -> healthy, ALARM -> unhealthy, INSUFFICIENT_DATA -> its
   ``InsufficientDataHealthStatus`` (``LastKnownStatus`` keeps the previous one; a new check
   counts as healthy). ``Inverted`` flips it; a ``Disabled`` check is always healthy.
3. Producers resolve the endpoint every DNS ``ttl`` (at multiples of it): the answer is the
   primary while the check is healthy, the secondary while not.
4. With replication on, managed rules *in the Region that accepted the event* copy it to the
   other Region: after ``lag``, plus whatever ingestion latency that Region suffers at the time
   (a disrupted Region replicates late). Consumers in both Regions see it (duplicates by design;
   AWS asks for idempotent consumers).

Failback is not a special case: once producers use the secondary, the primary's latency metric
lives only on replicated events (or other traffic in that Region). Without either it is silent,
so an alarm that treats missing data as breaching can never recover and traffic never returns:
the manual health-check reset AWS documents for endpoints without replication.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.graph import HealthCheck
from bridgetwin.simulator.aws.metrics import AlarmModel
from bridgetwin.simulator.aws.replication_risk import RiskLedger, switch_epoch
from bridgetwin.simulator.calls import Batch, CallSource, Windows
from bridgetwin.simulator.scenario import Disruption


@dataclass
class HealthModel:
    """A CLOUDWATCH_METRIC health check following an alarm, ``propagation`` seconds late."""

    check: HealthCheck | None
    alarm: AlarmModel | None
    propagation: float

    def healthy_at(self, t: float) -> bool:
        check = self.check
        if check is None or check.disabled or self.alarm is None:
            return True
        healthy = True  # a new check with no history counts as healthy
        for transition in self.alarm.transitions:
            if transition.at_s + self.propagation > t:
                break
            if transition.state == "OK":
                healthy = True
            elif transition.state == "ALARM":
                healthy = False
            elif check.insufficient_data_health_status in ("Healthy", "Unhealthy"):
                healthy = check.insufficient_data_health_status == "Healthy"
        return healthy != check.inverted

    def changes(self, horizon: float) -> list[tuple[float, bool]]:
        """(time, healthy) whenever the health status changes, up to ``horizon``."""
        out: list[tuple[float, bool]] = []
        current = self.healthy_at(0.0)
        times = [t.at_s + self.propagation for t in (self.alarm.transitions if self.alarm else [])]
        for at in times:
            if at <= horizon and self.healthy_at(at) != current:
                current = not current
                out.append((at, current))
        return out


class ReplicaSource:
    """Events copied into this Region by the managed replication rules, due after the lag.

    Kept as sorted parts in a heap ordered by each part's first time, so taking what is due
    touches only the parts with something due, not the whole backlog of a Region that is down."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._parts: list[tuple[float, int, Batch]] = []
        self._sequence = 0

    def push(self, batch: Batch) -> None:
        if len(batch):
            part = batch.select(np.argsort(batch.times, kind="stable"))
            self._sequence += 1
            heapq.heappush(self._parts, (float(part.times[0]), self._sequence, part))

    def due_before(self, t1: float) -> bool:
        return bool(self._parts) and self._parts[0][0] < t1

    def take(self, t1: float) -> Batch:
        due = []
        while self._parts and self._parts[0][0] < t1:
            part = heapq.heappop(self._parts)[2]
            k = int(part.times.searchsorted(t1, side="left"))
            if k < len(part):
                self.push(part.select(slice(k, None)))
                part = part.select(slice(None, k))
            due.append(part)
        return Batch.merge(due, self.width)

    min_retry_delay = 1.0

    def failed(self, batch: Batch, *, throttled: bool) -> None:
        """Replication retries for its window (24 h per AWS, UNCONFIRMED): exponential backoff
        from 1 s (``min_retry_delay``) up to 60 s."""
        delay = np.minimum(60.0, 2.0 ** np.minimum(batch.attempts, 6))
        self.push(Batch(batch.times + delay, batch.templates, batch.attempts + 1))


class RoutedCalls:
    """The calls DNS sent to one Region, summed up per DNS epoch (the run's epochs, not its
    calls): each epoch's first call, its first call after the epoch's start, and its last."""

    def __init__(self) -> None:
        self._epochs: dict[float, list[float]] = {}

    def add(self, epoch: float, times: np.ndarray) -> None:
        later = times[times > epoch]
        record = [float(times.min()), float(later.min()) if len(later) else math.inf,
                  float(times.max())]  # fmt: skip
        known = self._epochs.setdefault(epoch, record)
        if known is not record:
            known[:] = [min(known[0], record[0]), min(known[1], record[1]),
                        max(known[2], record[2])]  # fmt: skip

    def any_from(self, t: float) -> bool:
        """Whether a call at or after ``t`` went here."""
        return any(record[2] >= t for record in self._epochs.values())

    def first_after(self, boundary: float) -> float | None:
        """The first call after ``boundary``, a DNS epoch's start (a multiple of the TTL)."""
        firsts = [
            record[0] if record[0] > boundary else record[1]
            for epoch, record in self._epochs.items()
            if epoch >= boundary
        ]
        first = min(firsts, default=math.inf)
        return first if first < math.inf else None


@dataclass
class EndpointRouter:
    """One producer putting events through a global endpoint."""

    name: str
    source: CallSource
    primary: str
    secondary: str
    health: HealthModel
    ttl: float
    replication: bool
    lag: float
    disruptions: dict[str, tuple[Disruption, ...]] = field(default_factory=dict)
    """Per Region, its disruptions (they delay the replication rules running there)."""
    replicas: dict[str, ReplicaSource] = field(default_factory=dict)
    _advanced: float = -math.inf
    _pending: dict[str, list[Batch]] = field(default_factory=dict)
    routed: dict[str, RoutedCalls] = field(default_factory=dict)
    at_risk: RiskLedger = field(init=False)
    """The calls the primary accepted from its first disruption on, condensed into the events
    at risk at each time producers could have switched Regions."""
    _switches: list[float] = field(default_factory=list)
    _transitions_seen: int = 0

    def __post_init__(self) -> None:
        for region in (self.primary, self.secondary):
            self._pending[region] = []
            self.routed[region] = RoutedCalls()
            self.replicas[region] = ReplicaSource(self.source.width)
        disrupted = self.disruptions.get(self.primary, ())
        self._at_risk_from = min((d.start for d in disrupted), default=math.inf)
        self.at_risk = RiskLedger(self._at_risk_from)
        self._switches = [max(d.end for d in disrupted)] if disrupted else []

    def region_of(self, epoch: float) -> str:
        """Where a producer resolving the endpoint at ``epoch`` sends its calls."""
        return self.primary if self.health.healthy_at(epoch) else self.secondary

    def share(self, region: str) -> _Share:
        return _Share(self, region)

    def replicator(self, region: str):
        """What happens to calls ``region`` accepted: kept for the failover summary and, with
        replication on, copied to the other Region once the managed rules there run."""
        other = self.secondary if region == self.primary else self.primary

        def accept(batch: Batch) -> None:
            due = batch.times + self.lag + self._ingestion_latency(region, batch.times)
            if region == self.primary and batch.times[-1] >= self._at_risk_from:
                kept = batch.times >= self._at_risk_from
                copied = due[kept] if self.replication else np.full(int(kept.sum()), np.inf)
                self.at_risk.accept(batch.times[kept], copied)
            if self.replication:
                self.replicas[other].push(Batch(due, batch.templates, batch.attempts))

        return accept

    def settle(self, ingested_until: float) -> None:
        """Every call before ``ingested_until`` has been ingested: let the ledger of events at
        risk answer the switch times known so far and forget what no later one needs."""
        if self._at_risk_from == math.inf:
            return
        alarm = self.health.alarm
        bound = ingested_until
        if alarm is not None and not alarm.note:
            if len(alarm.transitions) != self._transitions_seen:
                self._transitions_seen = len(alarm.transitions)
                unhealthy = [t for t, ok in self.health.changes(math.inf) if not ok]
                self._switches[1:] = [switch_epoch(t, self.ttl) for t in unhealthy]
            evaluated = alarm.evaluated_at[-1] if alarm.evaluated_at else -math.inf
            bound = min(bound, evaluated + self.health.propagation)
        self.at_risk.settle(ingested_until, self._switches, bound)

    def _ingestion_latency(self, region: str, times: np.ndarray) -> np.ndarray:
        total = np.zeros(len(times))
        for d in self.disruptions.get(region, ()):
            total += ((times >= d.start) & (times < d.end)) * d.ingestion_latency
        return total

    def advance(self, t1: float) -> None:
        if t1 <= self._advanced and not self.source.due_before(t1):
            return
        self._advanced = t1
        batch = self.source.take(t1)
        if not len(batch):
            return
        epochs = np.floor(batch.times / self.ttl) * self.ttl
        distinct, which = np.unique(epochs, return_inverse=True)  # DNS answers change per epoch
        answers = [self.region_of(e) for e in distinct.tolist()]
        for number, (epoch, region) in enumerate(zip(distinct.tolist(), answers, strict=True)):
            self.routed[region].add(epoch, batch.times[which == number])
        regions = np.asarray(answers)[which]
        for region in (self.primary, self.secondary):
            mine = regions == region
            if mine.any():
                self._pending[region].append(batch.select(mine))

    def peek(self, region: str, t1: float) -> np.ndarray:
        """Times of the calls before ``t1`` that may reach ``region`` and are not taken yet:
        those routed there already, and every call of the producer not routed yet."""
        routed = [b.times for b in self._pending[region]]
        return np.concatenate([*routed, self.source.peek(t1)])

    def worst_case(self, t1: float, errors: Windows) -> np.ndarray | None:
        """Times of every call before ``t1`` the producer could make through the endpoint if
        each were answered with an error in the ``errors`` windows, whichever Region it went
        to."""
        routed = Batch.merge([b for r in self._pending.values() for b in r], self.source.width)
        later = self.source.worst_case(t1, errors)
        retried = self.source.retry_chains(routed.times, routed.attempts, t1, errors)
        return None if later is None or retried is None else np.concatenate([retried, later])

    def due_before(self, region: str, t1: float) -> bool:
        """Whether calls before ``t1`` wait to go to ``region``: routed there already, or
        retries of rejected calls not routed yet."""
        return bool(self._pending[region]) or self.source.due_before(t1)

    def take(self, region: str, t1: float) -> Batch:
        self.advance(t1)
        batch = Batch.merge(self._pending[region], self.source.width)
        self._pending[region] = []
        return batch


@dataclass
class _Share:
    """The part of a producer's calls that DNS sends to one Region."""

    router: EndpointRouter
    region: str

    @property
    def width(self) -> int:
        return self.router.source.width

    def take(self, t1: float) -> Batch:
        return self.router.take(self.region, t1)

    @property
    def min_retry_delay(self) -> float:
        return self.router.source.min_retry_delay

    def peek(self, t1: float) -> np.ndarray:
        return self.router.peek(self.region, t1)

    def worst_case(self, t1: float, errors: Windows) -> np.ndarray | None:
        return self.router.worst_case(t1, errors)

    def due_before(self, t1: float) -> bool:
        return self.router.due_before(self.region, t1)

    def failed(self, batch: Batch, *, throttled: bool) -> None:
        self.router.source.failed(batch, throttled=throttled)
