"""Admission of PutEvents calls in one Region, and how a step's ingestion is cut into parts.

Each call a Region takes first meets its PutEvents quota (requests per second, a token bucket
with one second of burst): calls over it are rejected and go back to their producer, which
retries them with its SDK's backoff or drops them, as the scenario says. A disrupted Region then
answers some of the admitted calls with errors, which the SDK retries in the same way.

A retry must be made at its time, and the quota must see calls in time order. So a step's
ingestion goes in *parts* (``safe_until``). Where the quota cannot bind, even if every call
inside an error window were answered with an error each time (every retry made: a superset of
the calls made, and a token bucket that admits calls admits any subset of them), a part runs
through a degraded period in one go and the retries that fall inside it are taken in waves: an
hour of errors then costs about what a clean hour costs. Where the quota could bind, a part ends
before the earliest retry a rejection could cause, and throttled calls are found one by one.
"""

from __future__ import annotations

import numpy as np

from bridgetwin.simulator.aws.gates import gcra_grants
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.calls import Batch, Windows
from bridgetwin.simulator.engine.feeds import RETRIED, UNREJECTED, Feed
from bridgetwin.simulator.engine.targets import ROUNDING
from bridgetwin.simulator.scenario import Disruption


def _in_order(parts: list[np.ndarray]) -> np.ndarray:
    """The times of ``parts`` sorted; one part already in order (a producer's calls without
    retries due) is taken as it is, a check far cheaper than a sort."""
    if len(parts) == 1:
        (times,) = parts
        if not len(times) or (times[1:] >= times[:-1]).all():
            return times
    return np.sort(np.concatenate(parts))


class PutEventsAdmission:
    """The quota, the errors and the parts of a Region's ingestion (mixed into
    :class:`~.ingestion.RegionIngestion`, which holds the state named here)."""

    feeds: list[Feed]
    put_events_quota: int
    store: MetricStore
    disruptions: tuple[Disruption, ...]
    rng: np.random.Generator
    _put_tat: float
    _waves: bool
    _part_calls: list[np.ndarray]

    def rejections(self, t0: float, t1: float) -> Windows:
        """When a disruption here answers PutEvents calls with errors between the times."""
        return tuple(
            (d.start, d.end)
            for d in self.disruptions
            if d.error_rate and d.start < t1 and d.end > t0
        )

    def safe_until(self, t0: float, t1: float, *, errors: Windows = ()) -> float | None:
        """How far a part of a step from ``t0`` (to at most ``t1``) may go.

        ``errors``: the windows in which any Region answers calls with errors. With them, the
        part is taken in waves and may run to ``t1``, unless the quota could bind in it (None).
        Without them, it ends before the earliest retry a rejection could cause: the first time
        a call may be rejected (an error, or a call over the quota) plus the smallest delay.
        Rejected hops retry in short parts either way."""
        in_waves = bool(errors)
        stop = t1
        exposed = [f for f in self.feeds if f.kind not in UNREJECTED]
        for disruption in self.disruptions:
            if disruption.error_rate and disruption.start < stop and disruption.end > t0:
                first = max(t0, disruption.start)
                waiting = (f for f in exposed if not in_waves or f.kind not in RETRIED)
                delays = (f.source.min_retry_delay for f in waiting)  # none: schedules only
                stop = min(stop, first + min(delays, default=np.inf))
        puts = [f for f in self.feeds if f.kind == "put"]
        self._waves = in_waves
        if not puts:
            return stop
        if in_waves:
            chains = [f.source.worst_case(stop, errors) for f in puts]  # type: ignore[attr-defined]
            if any(c is None for c in chains):
                return None
            offered = _in_order(chains)  # type: ignore[arg-type]
        else:
            offered = _in_order([f.source.peek(stop) for f in puts])  # type: ignore[attr-defined]
        quota = self.put_events_quota
        grants, _ = gcra_grants(offered, quota, quota, self._put_tat)
        if grants is not offered:
            over = np.flatnonzero(grants > offered + ROUNDING)
            if len(over) and in_waves:
                return None
            if len(over):  # (every offered call counts, so this is the earliest rejection)
                first = float(offered[over[0]])
                stop = min(stop, first + min(f.source.min_retry_delay for f in puts))
        return max(stop, float(np.nextafter(t0, np.inf)))

    def retries_due(self, t1: float) -> bool:
        """Whether retries (or replicas) before ``t1`` wait to be taken here."""
        return any(f.kind in RETRIED and f.source.due_before(t1) for f in self.feeds)  # type: ignore[attr-defined]

    def end_part(self) -> None:
        """A part taken in waves is done: the quota's state becomes that of all its calls taken
        in time order (none of them was over it)."""
        if self._part_calls:
            quota = self.put_events_quota
            calls = np.sort(np.concatenate(self._part_calls))
            self._put_tat = gcra_grants(calls, quota, quota, self._put_tat)[1]
        self._part_calls = []
        self._waves = False

    def _disrupted(self, times: np.ndarray, attribute: str) -> np.ndarray:
        """Per time, the sum of ``attribute`` over the disruptions in effect."""
        total = np.zeros(len(times))
        for disruption in self.disruptions:
            active = (times >= disruption.start) & (times < disruption.end)
            total += active * getattr(disruption, attribute)
        return total

    def _admit(self, batches: list[tuple[int, Batch]]) -> list[tuple[int, Batch]]:
        """Apply the PutEvents quota (rejected calls take no token) and the Region's errors."""
        puts = [(i, b) for i, b in batches if self.feeds[i].kind == "put"]
        admitted = dict(batches)
        if puts:
            times = np.concatenate([b.times for _, b in puts])
            self.store.record_many("PutEventsApproximateCallCount", times)
            for _, batch in puts:
                self.store.record_many(
                    "PutEventsEntriesCount", batch.times, batch.templates.shape[1]
                )
            if self._waves:  # none is over the quota (``safe_until``); ``end_part`` counts them
                self._part_calls.append(times)
            else:
                admitted.update(self._within_quota(puts, times))
        accepted = []
        for index, offered in admitted.items():
            feed, batch = self.feeds[index], offered
            if feed.kind not in UNREJECTED and self.disruptions and len(batch):
                errors = self.rng.random(len(batch)) < self._disrupted(batch.times, "error_rate")
                if errors.any():
                    feed.error_calls += int(errors.sum())
                    self.store.record_many("PutEventsApproximateFailedCount", batch.times[errors])
                    feed.source.failed(batch.select(errors), throttled=False)
                    batch = batch.select(~errors)
            if feed.kind == "put":
                self.store.record_many("PutEventsApproximateSuccessCount", batch.times)
                if feed.replicate is not None and len(batch):
                    feed.replicate(batch)
            accepted.append((index, batch))
        return accepted

    def _within_quota(self, puts: list[tuple[int, Batch]], times: np.ndarray) -> dict[int, Batch]:
        """The calls the PutEvents quota admits, when some are over it (usually none is)."""
        ordered = times if len(puts) == 1 else np.sort(times)
        quota = self.put_events_quota
        grants, tat = gcra_grants(ordered, quota, quota, self._put_tat)
        if grants is ordered or np.all(grants <= ordered + ROUNDING):  # nothing throttled
            self._put_tat = tat
            return {}
        return self._admit_one_by_one(puts)

    def _admit_one_by_one(self, puts: list[tuple[int, Batch]]) -> dict[int, Batch]:
        """The PutEvents token bucket call by call: rejected calls go back to their producer."""
        increment = 1.0 / self.put_events_quota
        tolerance = (self.put_events_quota - 1) * increment
        calls = sorted((float(t), i, j) for i, b in puts for j, t in enumerate(b.times.tolist()))
        keep = {i: np.zeros(len(b), dtype=bool) for i, b in puts}
        for at, index, position in calls:
            if self._put_tat - tolerance <= at + ROUNDING:
                self._put_tat = max(at, self._put_tat) + increment
                keep[index][position] = True
        out = {}
        for index, batch in puts:
            rejected = ~keep[index]
            if rejected.any():
                self.feeds[index].throttled_calls += int(rejected.sum())
                self.store.record_many("PutEventsApproximateThrottledCount", batch.times[rejected])
                self.feeds[index].source.failed(batch.select(rejected), throttled=True)
            out[index] = batch.select(keep[index])
        return out
