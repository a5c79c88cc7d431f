"""A lane: everything waiting to invoke one API destination (or one other target), in order.

Every rule that targets the same API destination shares its rate limit, so their invocations wait
in one lane, served in the order they become ready. A request is either a first attempt (ready once
ingestion and routing are done) or a retry (ready when its backoff ends). Each step the lane
starts every request that is ready, with arithmetic rather than one SimPy process per event: the
gate says when it may start, the behaviour says how the attempt ends, and the retry policy
(:mod:`..aws.policy`) says what happens next. Most requests start in blocks (:mod:`.blocks`); what a
block cannot take (an outage or OAuth in play, a concurrency gate, a few stragglers) starts here
one at a time, with the same semantics.

A Custom Event Bus subscriber reads its bus from its own position (:mod:`.subscriber_position`):
from its creation or a point in the bus's past, and not while it is stopped.

A FIFO subscriber's event group has a key of its own (``fifo``): its requests go one at a time,
in order. A group's next event waits, held, until the one before has finished, delivered or given
up (its whole retry window: head-of-line blocking); other groups go on. A subscriber that batches
(``batching``) hands its target several events per request (:mod:`.batches`). Lanes with such
keys start everything one at a time.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable

import numpy as np

from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.aws.behaviour import OK, Behaviour
from bridgetwin.simulator.aws.gates import Gate
from bridgetwin.simulator.aws.policy import RetryPolicy, read_at
from bridgetwin.simulator.engine.batches import BatchPath
from bridgetwin.simulator.engine.blocks import BlockPath
from bridgetwin.simulator.engine.pending import PendingQueue, Retry
from bridgetwin.simulator.engine.subscriber_position import PositionPath
from bridgetwin.simulator.engine.targets import ROUNDING, TargetState
from bridgetwin.simulator.scenario import RetryBackoff

FLUSH_EVENTS = 8192
"""Blocks are recorded once this many requests have started since the last time (or at the
end of ``Simulation.run_until``), which spreads bookkeeping's fixed cost over several steps."""


def _present(keys: np.ndarray, count: int) -> list[int]:
    """The distinct target keys in ``keys`` (each below ``count``), cheaply."""
    if count == 1:
        return [0] if len(keys) else []
    return np.flatnonzero(np.bincount(keys, minlength=count)).tolist()


class Lane(BlockPath, BatchPath, PositionPath):
    """One gate, one behaviour, the targets that share them, and their waiting requests."""

    def __init__(
        self,
        gate: Gate,
        behaviour: Behaviour,
        targets: list[TargetState],
        backoff: RetryBackoff,
        uniform: Draws,
    ) -> None:
        self.gate = gate
        self.behaviour = behaviour
        self.targets = targets
        self._policy = RetryPolicy(backoff, uniform)
        self._pending = PendingQueue()
        self._retries: list[Retry] = []
        self._max_age: np.ndarray | None = None
        self._segments: list[tuple[np.ndarray, ...]] = []
        self._buffered = 0  # requests in ``_segments``
        self._watched: bool | None = None
        self.delivery_sinks: dict[int, Callable[[np.ndarray, np.ndarray], None]] = {}
        """Per target key: where its successful deliveries go on to (another bus, see
        :mod:`.hops`, or a Lambda function's async queue), with their times and origins."""
        self.carries_origin = False
        """Whether its events may have come from another bus, or go on to one: then each
        request's origin (first ingestion) is kept apart from its ingestion here."""
        self.trace: list[tuple[float, float, float]] | None = None
        """Set to a list to record (ready, start, ingestion time) of every request that takes
        the gate."""
        self._init_positions()
        self.fifo: set[int] = set()
        """Target keys whose requests go one at a time (a FIFO subscriber's event groups)."""
        self._busy: set[int] = set()
        self._held: dict[int, deque[tuple[float, float, float]]] = {}
        """Per FIFO key: (ready, ingestion, origin) of the events waiting behind its head."""
        self._init_batches()

    def sibling(self, key: int) -> int:
        """A new key for the same target state as ``key`` (a hop's sink, a FIFO group), held
        and paused as ``key`` is."""
        self.targets.append(self.targets[key])
        new = len(self.targets) - 1
        self._copy_position(key, new)
        if key in self.fifo:
            self.fifo.add(new)
        if key in self.batching:
            self.batching[new] = self.batching[key]
        if key in self.per_invocation:
            self.per_invocation.add(new)
        return new

    def add(
        self,
        ready: np.ndarray,
        ingest: np.ndarray,
        keys: np.ndarray,
        origin: np.ndarray | None = None,
    ) -> None:
        """First attempts, sorted by ready time; ``keys`` index ``targets``; ``origin``: when
        each event first entered EventBridge (default: its ingestion here)."""
        origin = ingest if origin is None else origin
        if self.reads:  # events a subscriber never reads are not its events
            ready, ingest, keys, origin = self._readable(ready, ingest, keys, origin)
        for key in _present(keys, len(self.targets)):
            self.targets[key].ingest(ingest if len(self.targets) == 1 else ingest[keys == key])
        if self.pauses:
            ready, ingest, keys, origin = self._read_when_running(ready, ingest, keys, origin)
        if self.batching:
            ready, ingest, keys, origin = self._queue_batches(ready, ingest, keys, origin)
        self._pending.add(ready, ingest, keys, origin)

    def not_started_by_key(self) -> dict[int, tuple[int, float]]:
        """First attempts not yet started, per target key: (count, oldest ingestion time)."""
        ingest, keys = self._pending.remaining()
        if self.fifo:  # held behind their group's head, or released and not started yet
            waiting = [(i, k) for k, held in self._held.items() for _, i, _ in held]
            waiting += [(r[2], r[3]) for r in self._retries if r[4] == 0]
            if waiting:
                ingest = np.concatenate([ingest, [i for i, _ in waiting]])
                keys = np.concatenate([keys, np.asarray([k for _, k in waiting], dtype=keys.dtype)])
        out: dict[int, tuple[int, float]] = {}
        for key in np.unique(keys).tolist():
            mine = ingest[keys == key]
            out[key] = (len(mine), float(mine.min()))
        for key, (queued, _) in self.batches_waiting().items():
            if len(queued):
                count, oldest = out.get(key, (0, np.inf))
                out[key] = (count + len(queued), min(oldest, float(queued.min())))
        return out

    def waiting_by_key(self) -> dict[int, int]:
        """Requests not yet started, per target key (for the end-of-run in-flight count)."""
        counts: dict[int, int] = {}
        for entry in self._retries:
            if entry[3] not in self.batching:  # a batch's events are counted below
                counts[entry[3]] = counts.get(entry[3], 0) + 1
        for key, (queued, retrying) in self.batches_waiting().items():
            counts[key] = counts.get(key, 0) + len(queued) + retrying
        for key in self._pending.remaining_keys().tolist():
            counts[key] = counts.get(key, 0) + 1
        for key, held in self._held.items():
            counts[key] = counts.get(key, 0) + len(held)
        return counts

    def run_until(self, t_end: float) -> None:
        """Start every request ready before ``t_end``, in ready order."""
        blocks = not (self.fifo or self.pauses or self.batching)  # those go one at a time
        while True:
            if blocks and self._block(t_end):
                continue
            blocks = False  # what stopped a block (an outage, OAuth, few requests) holds all step
            if not self._one(t_end):
                break
        if self._buffered >= FLUSH_EVENTS or self._alarmed():
            self.flush()

    def _alarmed(self) -> bool:
        """Whether an alarm reads this lane's datapoints, or another bus or a Lambda queue
        waits for its deliveries: either must then exist every step."""
        if self._watched is None:
            self._watched = bool(self.delivery_sinks) or any(t.store.metrics for t in self.targets)
        return self._watched

    def _one(self, t_end: float) -> bool:
        """Start the next ready request on its own; False when none is ready before ``t_end``."""
        pending, retries = self._pending, self._retries
        head = pending.peek()
        batch = self.next_batch() if self.batching else None
        if (
            batch is not None
            and batch < t_end
            and (head is None or batch < head)
            and not (retries and retries[0][0] <= batch)
        ):
            self.start_batch()
            return True
        if retries and retries[0][0] < t_end and (head is None or retries[0][0] <= head):
            ready, _, ingest, key, attempt, origin = entry = heapq.heappop(retries)
            if key in self.batching:
                self.retry_batch(entry)
                return True
        elif head is not None and head < t_end:
            ready, ingest, key, origin = pending.pop()
            attempt = 0
            if key in self.fifo:  # a new event of a FIFO group: first in line, or held
                if key in self._busy:
                    self._held.setdefault(key, deque()).append((ready, ingest, origin))
                    return True
                self._busy.add(key)
        else:
            return False
        retry = self._start(ready, ingest, key, attempt, self.gate.grant_time(ready), origin)
        if retry is not None:
            heapq.heappush(self._retries, retry)
        elif key in self.fifo:
            self._next_in_group(key, self.targets[key].finished_at)
        return True

    def _next_in_group(self, key: int, at: float) -> None:
        """The group's head finished at ``at``: its next event becomes ready then."""
        held = self._held.get(key)
        if not held:
            self._busy.discard(key)
            return
        ready, ingest, origin = held.popleft()
        if at > ready:
            self.targets[key].hold(at - ready)
        heapq.heappush(self._retries, self._policy.retry(max(ready, at), ingest, key, 0, origin))

    def _start(
        self, ready: float, ingest: float, key: int, attempt: int, start: float, origin: float
    ) -> Retry | None:
        """Start one request at ``start`` (from the gate); returns the retry it needs, if any."""
        state = self.targets[key]
        inside = start <= state.horizon  # only what the run saw is counted
        if start > ready + ROUNDING and inside:
            state.throttled += 1
            state.per_minute["rate_limited"][int(start / 60)] += 1
        read = read_at(state, ingest)
        if start - read > state.max_age:
            waiting = ("THROTTLING", "still waiting for the rate limit")
            self._policy.fail(
                state, read + state.max_age, waiting, attempt, "MaximumEventAgeInSeconds", ingest
            )
            return None
        outcome = self.behaviour.attempt(start)
        end = outcome[0]
        self.gate.take(ready, start, end)
        if self.trace is not None:
            self.trace.append((ready, start, ingest))
        state.record_start(start, end, ingest, origin, attempt, inside)
        if outcome[1] == OK:
            if state.record_success(end, ingest, origin):
                sink = self.delivery_sinks.get(key)
                if sink is not None:
                    sink(np.array([end]), np.array([origin]))
            return None
        return self._policy.after_failure(state, key, ingest, attempt, end, outcome[1:], origin)

    def flush(self) -> None:
        """Record the blocks started so far in bulk, per target. Counts and latencies are read
        only at the end (unless an alarm watches), so several steps' blocks share one pass."""
        if not self._segments:
            return
        self._buffered = 0
        if len(self._segments) == 1:
            ready, ingest, starts, ends, ok, keys, attempt, origin = self._segments[0]
        else:
            columns = list(zip(*self._segments, strict=True))
            if not self.carries_origin:  # the origin column is the ingestion column
                columns[7] = ()
            ready, ingest, starts, ends, ok, keys, attempt, origin = (
                np.concatenate(part) if part else None for part in columns
            )
            origin = ingest if origin is None else origin
        self._segments.clear()
        columns = (ready, ingest, starts, ends, ok, attempt, origin)
        for key in _present(keys, len(self.targets)):
            mine = columns if len(self.targets) == 1 else tuple(c[keys == key] for c in columns)
            self.targets[key].record_block(*mine)
            sink = self.delivery_sinks.get(key)
            if sink is not None and key not in self.batching:  # a batch's went when it ended
                sink(mine[3][mine[4]], mine[6][mine[4]])
