"""A lane: everything waiting to invoke one API destination (or one other target), in order.

Every rule that targets the same API destination shares its rate limit, so their invocations wait
in one lane, served in the order they become ready. A request is either a first attempt (ready once
ingestion and routing are done) or a retry (ready when its backoff ends). Each step the lane
starts every request that is ready, with arithmetic rather than one SimPy process per event: the
gate says when it may start, the behaviour says how the attempt ends, and the retry policy says what
happens next (AWS's rules, eventbridge-facts §1):

- retries stop at ``MaximumRetryAttempts`` or when the event would be older than
  ``MaximumEventAgeInSeconds``, whichever comes first; an event still waiting for the rate limit at
  its maximum age gives up too (that is how a backlog past the retry window reaches the DLQ);
- then the event goes to the DLQ with ``EXHAUSTED_RETRY_CONDITION``, or is dropped without one;
  errors that are not retried go there at once, without the condition (UNCONFIRMED; we follow
  the public emulators).

Speed comes from blocks: the lane takes every request ready in the step at once (first attempts
and due retries), computes their token grants with the GCRA's running maximum and their outcomes
with one draw per quantity, and records metrics in bulk. A failure whose retry becomes ready
inside the block is inserted at its place in ready order, and ``gates.BlockGrants`` gives it and
every later request its grant in O(1), so requests are served in exactly the order, and at
exactly the times, of the one-at-a-time path.
"""

from __future__ import annotations

import bisect
import heapq
from typing import NamedTuple

import numpy as np

from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.behaviour import OK, PERMANENT, Behaviour, Drawn, Failure
from bridgetwin.simulator.gates import BlockGrants, Concurrency, Gate
from bridgetwin.simulator.pending import PendingQueue
from bridgetwin.simulator.scenario import RetryBackoff
from bridgetwin.simulator.targets import DLQ_SAMPLES, TargetState

MIN_BLOCK = 16
"""Below this many ready requests the one-at-a-time path is cheaper than numpy's overhead."""

FLUSH_EVENTS = 8192
"""Blocks are recorded once this many requests have started since the last time (or at the
end of ``Simulation.run_until``), which spreads bookkeeping's fixed cost over several steps."""


_Retry = tuple[float, int, float, int, int]
"""A scheduled retry: (ready, sequence, ingestion time, target key, attempt number)."""


def _present(keys: np.ndarray, count: int) -> list[int]:
    """The distinct target keys in ``keys`` (each below ``count``), cheaply."""
    if count == 1:
        return [0] if len(keys) else []
    return np.flatnonzero(np.bincount(keys, minlength=count)).tolist()


def _merge(columns: list[np.ndarray], at: np.ndarray | list[int], values: list) -> list[np.ndarray]:
    """The columns with ``values[c][i]`` inserted before row ``at[i]`` of column c (``at``
    ascending; equal positions keep their order), like ``np.insert`` at a fraction of its cost."""
    slots = np.asarray(at, dtype=np.int64) + np.arange(len(at))
    keep = np.ones(len(columns[0]) + len(at), dtype=bool)
    keep[slots] = False
    merged = []
    for column, value in zip(columns, values, strict=True):
        out = np.empty(len(keep), dtype=column.dtype)
        out[keep] = column
        out[slots] = value
        merged.append(out)
    return merged


_Inserted = tuple[int, _Retry, float, int]
"""A retry inserted into a block: (its position there, the retry, duration, kind)."""


class _Base(NamedTuple):
    """The requests a block starts with, sorted by ready time."""

    ready: np.ndarray
    ingest: np.ndarray
    keys: np.ndarray
    attempt: np.ndarray
    """0 for a first attempt (from the pending queue), else a retry's attempt number."""


_NO_REQUESTS = (np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))


class Lane:
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
        self._backoff = backoff
        self._uniform = uniform
        # the n-th retry waits ceilings[n] * (low + width * u), u uniform in [0, 1)
        self._jitter = {"full": (0.0, 1.0), "equal": (0.5, 0.5), "none": (1.0, 0.0)}[backoff.jitter]
        self._ceilings = [min(backoff.cap, backoff.base)]
        self._pending = PendingQueue()
        self._retries: list[tuple[float, int, float, int, int]] = []
        self._sequence = 0
        self._max_age: np.ndarray | None = None
        self._segments: list[tuple[np.ndarray, ...]] = []
        self._buffered = 0  # requests in ``_segments``
        self._watched: bool | None = None
        self.trace: list[tuple[float, float]] | None = None
        """Set to a list to record (ready, start) of every request that takes the gate."""

    def add(self, ready: np.ndarray, ingest: np.ndarray, keys: np.ndarray) -> None:
        """First attempts, sorted by ready time; ``keys`` index ``targets``."""
        for key in _present(keys, len(self.targets)):
            self.targets[key].ingest(ingest if len(self.targets) == 1 else ingest[keys == key])
        self._pending.add(ready, ingest, keys)

    def waiting_by_key(self) -> dict[int, int]:
        """Requests not yet started, per target key (for the end-of-run in-flight count)."""
        counts: dict[int, int] = {}
        for entry in self._retries:
            counts[entry[3]] = counts.get(entry[3], 0) + 1
        for key in self._pending.remaining_keys().tolist():
            counts[key] = counts.get(key, 0) + 1
        return counts

    def run_until(self, t_end: float) -> None:
        """Start every request ready before ``t_end``, in ready order."""
        batching = True
        while True:
            if batching and self._block(t_end):
                continue
            batching = False  # what stopped a block (an outage, OAuth, few requests) holds all step
            if not self._one(t_end):
                break
        if self._buffered >= FLUSH_EVENTS or self._alarmed():
            self.flush()

    def _alarmed(self) -> bool:
        """Whether an alarm reads this lane's datapoints, which must then exist every step."""
        if self._watched is None:
            self._watched = any(target.store.metrics for target in self.targets)
        return self._watched

    def _one(self, t_end: float) -> bool:
        """Start the next ready request on its own; False when none is ready before ``t_end``."""
        pending, retries = self._pending, self._retries
        head = pending.peek()
        if retries and retries[0][0] < t_end and (head is None or retries[0][0] <= head):
            ready, _, ingest, key, attempt = heapq.heappop(retries)
        elif head is not None and head < t_end:
            ready, ingest, key = pending.pop()
            attempt = 0
        else:
            return False
        retry = self._start(ready, ingest, key, attempt, self.gate.grant_time(ready))
        if retry is not None:
            heapq.heappush(self._retries, retry)
        return True

    def _start(
        self, ready: float, ingest: float, key: int, attempt: int, start: float
    ) -> _Retry | None:
        """Start one request at ``start`` (from the gate); returns the retry it needs, if any."""
        state = self.targets[key]
        if start > ready:
            state.throttled += 1
            state.store.record("ThrottledRules", ready)
        if start - ingest > state.max_age:
            waiting = ("THROTTLING", "still waiting for the rate limit")
            self._fail(state, ingest + state.max_age, waiting, attempt, "MaximumEventAgeInSeconds")
            return None
        outcome = self.behaviour.attempt(start)
        end = outcome[0]
        self.gate.take(ready, start, end)
        if self.trace is not None:
            self.trace.append((ready, start))
        state.attempts += 1
        store = state.store
        store.record("InvocationAttempts", start)
        if attempt == 0:
            if start <= state.horizon:
                state.latency_start.append(start - ingest)
                store.record("IngestionToInvocationStartLatency", start, (start - ingest) * 1e3)
            if end <= state.horizon:
                state.latency_complete.append(end - ingest)
                store.record("IngestionToInvocationCompleteLatency", end, (end - ingest) * 1e3)
        else:
            state.retries += 1
            store.record("RetryInvocationAttempts", start)
        if outcome[1] == OK:
            store.record("SuccessfulInvocationAttempts", end)
            store.record("Invocations", end)
            if state.finish(end):
                state.delivered += 1
                state.latency_success.append(end - ingest)
                store.record("IngestionToInvocationSuccessLatency", end, (end - ingest) * 1e3)
            return None
        return self._after_failure(state, key, ingest, attempt, end, outcome[1:])

    def _block(self, t_end: float) -> bool:
        """Start every request ready before ``t_end`` at once; False when that is not possible
        (a concurrency gate, an outage or OAuth in play) or not worth it (few requests).

        The block's grants come from the GCRA's running maximum and its outcomes from one draw
        per quantity; only failures and retries take Python time (see ``_settle``). Outcomes
        drawn for the block stay, since in a block an outcome does not depend on its exact start.
        """
        pending, retries = self._pending, self._retries
        if isinstance(self.gate, Concurrency):
            return False
        fresh = pending.block(t_end) if pending.peek() is not None else _NO_REQUESTS
        due = []
        while retries and retries[0][0] < t_end:
            due.append(heapq.heappop(retries))
        count = len(fresh[0])
        columns = [*fresh, np.zeros(count, dtype=np.int64)]
        if count >= MIN_BLOCK and len(due) <= count // 8:  # a few retries: insert them one by one
            last = float(fresh[0][-1])
            inside = [entry for entry in due if entry[0] < last]  # still sorted, so a heap
            self._restore(due[len(inside) :])
            merged = False
        elif count + len(due) >= MIN_BLOCK:  # many: merge them into the block's columns
            at = np.searchsorted(fresh[0], [d[0] for d in due], side="left")  # retries first
            values = list(zip(*((d[0], d[2], d[3], d[4]) for d in due), strict=True))
            columns = _merge(columns, at, values)
            inside = []
            merged = True
        else:
            return self._restore(due)
        base = _Base(*columns)
        if self._max_age is None:
            self._max_age = np.asarray([t.max_age for t in self.targets])
        grants = self.gate.block(base.ready)
        starts = grants.starts
        # how long each request may still wait before its maximum age; the first negative cuts
        limit = self._max_age[0] if len(self.targets) == 1 else self._max_age[base.keys]
        room = limit - (starts - base.ingest)
        least = np.minimum.reduce(room)  # (ufunc reductions skip ndarray.min's Python layer)
        n = len(room) if least >= 0 else int((room < 0).argmax())
        spare = n // 8 + 8  # outcomes for the retries that will be inserted
        drawn = (
            self.behaviour.draw_many(n + spare, float(starts[0]), float(starts[n - 1]))
            if n
            else None
        )
        if drawn is None:
            self._restore(inside)
            if merged:
                self._restore_columns(base, 0)
            return False
        least = least if n == len(room) else np.minimum.reduce(room[:n])
        n, inserted = self._settle(base, grants, n, drawn, float(least), inside)
        if merged:
            self._restore_columns(base, n)
        if not n and not inserted:
            return False
        pending.consume(n if not merged else int(np.count_nonzero(base.attempt[:n] == 0)))
        self._record_block(base, grants, n, drawn, inserted)
        return True

    def _settle(
        self,
        base: _Base,
        grants: BlockGrants,
        n: int,
        drawn: Drawn,
        room: float,
        inside: list[_Retry],
    ) -> tuple[int, list[_Inserted]]:
        """Settle the block's failures in service order, inserting each retry that becomes ready
        inside the block (``inside``, a heap, and those its failures schedule) at its place in
        ready order; returns how many of the block's requests start and the inserted retries.

        An insertion delays every later grant by at most 1/R, so while the insertions' total
        delay stays within ``room`` (the least time any request may still wait) no grant can pass
        its maximum age, and while it stays within the window whose outages were checked no
        outcome changes. Otherwise the block is cut there, exactly where the next one resumes.
        """
        durations, kinds, codes = drawn
        failed = (kinds[:n] != OK).nonzero()[0]
        if not len(failed) and not inside:
            return n, []
        grants.track()
        increment = grants.increment
        ready = grants.ready
        last = ready[n - 1]
        first, latest = float(grants.starts[0]), float(grants.starts[n - 1])  # before insertions
        checked = latest  # outages are ruled out for starts up to here
        failures = zip(
            *(c[failed].tolist() for c in (base.ingest, base.keys, base.attempt, durations, codes)),
            failed.tolist(),
            strict=True,
        )
        failure = next(failures, None)
        f = failure[5] if failure is not None else n
        inserted: list[_Inserted] = []
        pool: list[tuple[float, int, int]] = []
        spare: Drawn | None = tuple(column[n:] for column in drawn)  # drawn beyond the block
        behaviour, max_age, targets = self.behaviour, self._max_age, self.targets
        after_failure, retries, details = self._after_failure, self._retries, behaviour.failures
        bisect_left, heappush = bisect.bisect_left, heapq.heappush
        while True:
            k = bisect_left(ready, inside[0][0], 0, n) if inside else n
            if k <= f and inside:
                delay = (grants.inserted + 1) * increment
                if delay > room:
                    break
                if latest + delay > checked:
                    reach = latest + delay + 64 * increment
                    if not behaviour.steady(checked, reach):
                        break
                    checked = reach
                retry = inside[0]
                start = grants.insert(k, retry[0], retry[2] + max_age[retry[3]])
                if start is None:
                    break  # past its maximum age: the one-at-a-time path gives it up
                heapq.heappop(inside)
                if not pool:
                    extra = spare or behaviour.draw_many(32, first, checked)
                    assert extra is not None  # the same window was already accepted
                    pool = list(zip(*(e.tolist() for e in extra), strict=True))[::-1]
                    spare = None
                duration, kind, code = pool.pop()
                inserted.append((k, retry, duration, kind))
                if kind == OK:
                    continue
                ingest, key, attempt = retry[2], retry[3], retry[4]
                end = start + duration
            elif failure is not None:
                ingest, key, attempt, duration, code, _ = failure
                end = grants.start_of(f) + duration
                failure = next(failures, None)
                f = failure[5] if failure is not None else n
            else:
                return n, inserted
            again = after_failure(targets[key], key, ingest, attempt, end, details[code])
            if again is not None:
                heappush(inside if again[0] < last else retries, again)
        self._restore(inside)  # cut at position k: the rest waits for the next block
        return k, inserted

    def _record_block(
        self,
        base: _Base,
        grants: BlockGrants,
        n: int,
        drawn: Drawn,
        inserted: list[_Inserted],
    ) -> None:
        """Grant the started requests their tokens and keep them for the step's metrics."""
        columns = [base.ready[:n], base.ingest[:n], base.keys[:n], base.attempt[:n],
                   drawn[0][:n], drawn[1][:n]]  # fmt: skip
        if inserted:  # into their places, then one schedule for all
            at = [entry[0] for entry in inserted]
            values = zip(
                *((r[0], r[2], r[3], r[4], d, kind) for _, r, d, kind in inserted), strict=True
            )
            columns = _merge(columns, at, list(values))
            starts, tats = self.gate.schedule(columns[0])
        else:
            starts, tats = grants.starts[:n], grants.tats[:n]
        ready, ingest, keys, attempt, durations, kinds = columns
        self.gate.commit(float(tats[-1]))
        if self.trace is not None:
            self.trace.extend(zip(ready.tolist(), starts.tolist(), strict=True))
        self._segments.append(
            (ready, ingest, starts, starts + durations, kinds == OK, keys, attempt)
        )
        self._buffered += len(ready)

    def _restore(self, due: list[_Retry]) -> bool:
        for entry in due:
            heapq.heappush(self._retries, entry)
        return False

    def _restore_columns(self, base: _Base, n: int) -> None:
        """Put the retries among the block's requests from ``n`` on back to wait (first attempts
        stay in the pending queue until consumed)."""
        waiting = np.flatnonzero(base.attempt[n:])
        for ready, ingest, key, attempt in zip(
            *(c[n:][waiting].tolist() for c in base), strict=True
        ):
            self._sequence += 1
            heapq.heappush(self._retries, (ready, self._sequence, ingest, key, attempt))

    def flush(self) -> None:
        """Record the blocks started so far in bulk, per target. Counts and latencies are read
        only at the end (unless an alarm watches), so several steps' blocks share one pass."""
        if not self._segments:
            return
        self._buffered = 0
        if len(self._segments) == 1:
            ready, ingest, starts, ends, ok, keys, attempt = self._segments[0]
        else:
            ready, ingest, starts, ends, ok, keys, attempt = (
                np.concatenate(part) for part in zip(*self._segments, strict=True)
            )
        self._segments.clear()
        for key in _present(keys, len(self.targets)):
            mine = keys == key
            parts = (ready, ingest, starts, ends, ok, attempt)
            self.targets[key].record_block(
                *(p if len(self.targets) == 1 else p[mine] for p in parts)
            )

    def _after_failure(
        self,
        state: TargetState,
        key: int,
        ingest: float,
        attempt: int,
        end: float,
        failure: Failure,
    ) -> _Retry | None:
        """Give up (DLQ or drop) per the target's policy, or return the retry to schedule."""
        kind, code, message, retry_after = failure
        if kind == PERMANENT or (retry_after is not None and retry_after < 0):
            self._fail(state, end, (code, message), attempt, None)
        elif attempt >= state.max_retries:
            self._fail(state, end, (code, message), attempt, "MaximumRetryAttempts")
        else:
            ceilings = self._ceilings
            while attempt >= len(ceilings):  # min(cap, base * factor**n), never overflowing
                ceilings.append(min(self._backoff.cap, ceilings[-1] * self._backoff.factor))
            low, width = self._jitter
            delay = ceilings[attempt] * (low + width * self._uniform.next())
            if retry_after is not None and retry_after > delay:
                delay = retry_after
            if end + delay - ingest > state.max_age:
                at = max(end, ingest + state.max_age)
                self._fail(state, at, (code, message), attempt, "MaximumEventAgeInSeconds")
            else:
                self._sequence += 1
                return (end + delay, self._sequence, ingest, key, attempt + 1)
        return None

    @staticmethod
    def _fail(
        state: TargetState, at: float, error: tuple[str, str], retries: int, condition: str | None
    ) -> None:
        """A final failure: to the DLQ with AWS's attributes, or dropped without one."""
        code, message = error
        state.store.record("Invocations", at)
        state.store.record("FailedInvocations", at)
        if not state.finish(at):
            return
        if not state.has_dlq:
            state.dropped += 1
            state.dropped_by_error[code] += 1
            return
        state.dlq += 1
        state.dlq_times.append(at)
        state.store.record("InvocationsSentToDlq", at)
        state.dlq_by_condition[condition or "none (not retried)"] += 1
        state.dlq_by_error[code] += 1
        if len(state.dlq_samples) < DLQ_SAMPLES:
            attributes = {
                "RULE_ARN": state.rule_arn,
                "TARGET_ARN": state.target_arn,
                "ERROR_CODE": code,
                "ERROR_MESSAGE": message,
                "RETRY_ATTEMPTS": str(retries),
            }
            if condition:
                attributes["EXHAUSTED_RETRY_CONDITION"] = condition
            state.dlq_samples.append(attributes)
