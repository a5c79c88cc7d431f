"""A subscriber's batches: several events in one invocation of its target.

A Custom Event Bus subscriber whose ``MaxBatchSize`` is above 1 hands its target up to that many
events per invocation (custom-bus facts §2.7). Its matched events wait in a queue of their own
(one per event group for a FIFO subscriber), not in the lane's pending queue. A batch is ready
when its first event has waited ``MaxBatchWindowInSeconds`` or when ``MaxBatchSize`` events are
waiting, whichever comes first; it starts when the lane's gate grants it, and takes every event
waiting by then, up to the size. So a target that keeps up gets the batches its window fills,
and one that falls behind (a rate limit, a concurrency limit) gets full ones. A batch is one
request: one token, one concurrency slot, one outcome, one ``TargetInvocations``; each of its
events counts one delivery attempt (``EventDeliveryAttempts``) with its own latencies.

A failed batch waits one backoff and is retried whole, except its events that the retry would
take past ``MaxEventAgeInSeconds``: those leave it for the on-failure queue (or are dropped),
as do all of them once ``MaximumRetryAttempts`` is spent. AWS writes one on-failure record per
failed batch; the twin counts those records beside the events they name. A FIFO group's next
batch is not ready before its batch in flight has finished, delivered or given up.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np

from bridgetwin.simulator.aws.behaviour import OK, Behaviour, Failure
from bridgetwin.simulator.aws.gates import Gate
from bridgetwin.simulator.aws.policy import RetryPolicy, read_at
from bridgetwin.simulator.engine.pending import PendingQueue, Retry
from bridgetwin.simulator.engine.targets import TargetState

_WAITING = ("THROTTLING", "still waiting for the rate limit")


class BatchPath:
    """The batched target keys of a lane, mixed into ``Lane`` (whose gate, behaviour, retry
    policy and retry heap it shares)."""

    gate: Gate
    behaviour: Behaviour
    targets: list[TargetState]
    trace: list[tuple[float, float, float]] | None
    delivery_sinks: dict[int, Callable[[np.ndarray, np.ndarray], None]]
    fifo: set[int]
    _busy: set[int]
    _segments: list[tuple[np.ndarray, ...]]
    _buffered: int
    _retries: list[Retry]
    _policy: RetryPolicy

    def _init_batches(self) -> None:
        self.batching: dict[int, tuple[int, float]] = {}
        """Per target key of a subscriber that batches: (``MaxBatchSize``, window in s)."""
        self.per_invocation: set[int] = set()
        """Target keys whose delivery sink takes one entry per invocation (a Lambda function's
        async queue: a batch is one invocation of the function), not one per event."""
        self._waiting: dict[int, PendingQueue] = {}
        self._due: list[tuple[float, int]] = []  # (ready, key) of each queue's next batch
        self._members: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        """Per retry (by its sequence number): the ingestion and origin times of its events."""
        self._free_at: dict[int, float] = {}  # FIFO key: when its last batch finished

    def _queue_batches(self, ready, ingest, keys, origin):
        """Put the events of batched keys in their queues; returns the others."""
        batched = np.isin(keys, list(self.batching))
        for key in np.unique(keys[batched]).tolist():
            mine = keys == key
            queue = self._waiting.setdefault(key, PendingQueue())
            queue.add(ready[mine], ingest[mine], keys[mine], origin[mine])
            self._schedule_batch(key)
        rest = ~batched
        return ready[rest], ingest[rest], keys[rest], origin[rest]

    def _batch_ready(self, key: int) -> float | None:
        """When the next batch of ``key`` is ready (None: nothing waits, or its group's batch
        is in flight)."""
        queue = self._waiting.get(key)
        if queue is None or not queue.size or key in self._busy:
            return None
        at = self._closes(key, queue.head(self.batching[key][0])[0])
        return max(at, self._free_at.get(key, at))

    def _closes(self, key: int, ready: np.ndarray) -> float:
        """When a batch of these first events (ready times, in order) closes: its window's end,
        or its ``MaxBatchSize``-th event, whichever comes first."""
        size, window = self.batching[key]
        at = ready.item(0) + window
        return min(at, ready.item(size - 1)) if len(ready) == size else at

    def _held_back(self, key: int, ready: np.ndarray) -> None:
        """A FIFO group's batch that waited for the one before it: each event's wait from
        when it could have gone (its arrival, or the batch's close) to the group's release."""
        free = self._free_at.get(key)
        if free is None:
            return
        for waited in (free - np.maximum(ready, self._closes(key, ready))).tolist():
            if waited > 0:
                self.targets[key].hold(waited)

    def _schedule_batch(self, key: int) -> None:
        at = self._batch_ready(key)
        if at is not None:
            heapq.heappush(self._due, (at, key))

    def next_batch(self) -> float | None:
        """When the earliest batch is ready (entries that no longer hold are dropped)."""
        due = self._due
        while due:
            at, key = due[0]
            if self._batch_ready(key) == at:
                return at
            heapq.heappop(due)
        return None

    def start_batch(self) -> None:
        """Start the earliest ready batch (``next_batch`` said when)."""
        ready, key = heapq.heappop(self._due)
        start = self.gate.grant_time(ready)
        queue = self._waiting[key]
        arrived, ingest, _, origin = queue.head(self.batching[key][0], start)
        queue.consume(len(ingest))
        if key in self.fifo:
            self._busy.add(key)
            self._held_back(key, arrived)
        self._attempt_batch(key, ready, ingest.copy(), origin.copy(), 0, start)
        self._schedule_batch(key)

    def retry_batch(self, entry: Retry) -> None:
        """Start a failed batch again (a retry of a batched key, popped from the heap)."""
        ready, sequence, _, key, attempt, _ = entry
        ingest, origin = self._members.pop(sequence)
        self._attempt_batch(key, ready, ingest, origin, attempt, self.gate.grant_time(ready))

    def _attempt_batch(
        self,
        key: int,
        ready: float,
        ingest: np.ndarray,
        origin: np.ndarray,
        attempt: int,
        start: float,
    ) -> None:
        state = self.targets[key]
        read = np.array([read_at(state, i) for i in ingest.tolist()]) if state.resumed else ingest
        late = start - read > state.max_age  # waited past their age for the gate
        if late.any():
            self._give_up(state, read[late] + state.max_age, ingest[late], _WAITING, attempt)
            ingest, origin, read = ingest[~late], origin[~late], read[~late]
            if not len(ingest):
                self._batch_done(key, start)
                return
        outcome = self.behaviour.attempt(start)
        end, n = outcome[0], len(ingest)
        self.gate.take(ready, start, end)
        if self.trace is not None:
            self.trace.append((ready, start, ingest.item(0)))
        state.invocations += start <= state.horizon
        state.largest_batch = max(state.largest_batch, n)
        state.store.record("TargetInvocations", start)
        ok = outcome[1] == OK
        same = (ready, start, end, ok, key, attempt)
        ready_, start_, end_, ok_, key_, attempt_ = (np.full(n, v) for v in same)
        self._segments.append((ready_, ingest, start_, end_, ok_, key_, attempt_, origin))
        self._buffered += n  # recorded in bulk at the lane's next flush
        if ok:
            sink = self.delivery_sinks.get(key)
            if sink is not None:
                sink(*((np.array([end]), origin[:1]) if key in self.per_invocation
                       else (np.full(n, end), origin)))  # fmt: skip
            self._batch_done(key, end)
            return
        self._batch_failed(key, ingest, origin, read, attempt, end, outcome[1:])

    def _batch_failed(self, key, ingest, origin, read, attempt, end, failure: Failure) -> None:
        """Give up the events the policy gives up; retry the rest as one batch."""
        state, policy = self.targets[key], self._policy
        error = (failure[1], failure[2])
        final = policy.give_up_at_once(state, attempt, failure)
        if final is not None:
            self._give_up(state, np.full(len(ingest), end), ingest, error, attempt, final or None)
            self._batch_done(key, end)
            return
        delay = policy.delay(state, attempt, failure[3])
        over = end + delay - read > state.max_age
        if over.any():
            at = np.maximum(end, read[over] + state.max_age)
            self._give_up(state, at, ingest[over], error, attempt)
            if over.all():
                self._batch_done(key, float(at.max()))
                return
            ingest, origin = ingest[~over], origin[~over]
        retry = policy.retry(end + delay, ingest.item(0), key, attempt + 1, origin.item(0))
        self._members[retry[1]] = (ingest, origin)
        heapq.heappush(self._retries, retry)

    def _give_up(
        self,
        state: TargetState,
        at: np.ndarray,
        ingest: np.ndarray,
        error: tuple[str, str],
        attempt: int,
        condition: str | None = "MaximumEventAgeInSeconds",
    ) -> None:
        """Events of one batch given up at ``at``: one on-failure record names them all."""
        for when, ingested in zip(at.tolist(), ingest.tolist(), strict=True):
            self._policy.fail(state, when, error, attempt, condition, ingested)
        state.dlq_records += state.has_dlq and float(at.min()) <= state.horizon

    def _batch_done(self, key: int, at: float) -> None:
        """A batch finished at ``at``: its FIFO group's next batch may start then."""
        self.targets[key].finished_at = at
        if key in self.fifo:
            self._busy.discard(key)
            self._free_at[key] = at
            self._schedule_batch(key)

    def batches_waiting(self) -> dict[int, tuple[np.ndarray, int]]:
        """Per batched key: ingestion times of its events not started yet, and how many of
        its events wait for a retry."""
        out = {key: (queue.remaining()[0], 0) for key, queue in self._waiting.items()}
        for entry in self._retries:
            members = self._members.get(entry[1])
            if members is not None and entry[3] in self.batching:
                waiting, retrying = out.get(entry[3], (np.empty(0), 0))
                out[entry[3]] = (waiting, retrying + len(members[0]))
        return out
