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
inside the block cuts the block there, so requests are still served in exactly the order the
one-at-a-time path would serve them.
"""

from __future__ import annotations

import heapq

import numpy as np

from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.behaviour import OK, PERMANENT, Behaviour, Outcome
from bridgetwin.simulator.gates import Concurrency, Gate, TokenBucket
from bridgetwin.simulator.pending import PendingQueue
from bridgetwin.simulator.scenario import RetryBackoff
from bridgetwin.simulator.targets import DLQ_SAMPLES, TargetState

MIN_BLOCK = 16
"""Below this many ready requests the one-at-a-time path is cheaper than numpy's overhead."""


_Retry = tuple[float, int, float, int, int]
"""A scheduled retry: (ready, sequence, ingestion time, target key, attempt number)."""


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
        self._pending = PendingQueue()
        self._retries: list[tuple[float, int, float, int, int]] = []
        self._sequence = 0
        self._max_age: np.ndarray | None = None
        self._segments: list[tuple[np.ndarray, ...]] = []
        self.trace: list[tuple[float, float]] | None = None
        """Set to a list to record (ready, start) of every request that takes the gate."""

    def add(self, ready: np.ndarray, ingest: np.ndarray, keys: np.ndarray) -> None:
        """First attempts, sorted by ready time; ``keys`` index ``targets``."""
        for key in np.unique(keys).tolist():
            state = self.targets[key]
            mine = ingest[keys == key]
            state.ingested += len(mine)
            minutes = np.minimum((mine // 60).astype(np.int64), len(state.ingested_by_minute) - 1)
            state.ingested_by_minute += np.bincount(
                minutes, minlength=len(state.ingested_by_minute)
            )
        self._pending.add(ready, ingest, keys)

    def waiting_by_key(self) -> dict[int, int]:
        """Requests not yet started, per target key (for the end-of-run in-flight count)."""
        counts: dict[int, int] = {}
        for entry in self._retries:
            counts[entry[3]] = counts.get(entry[3], 0) + 1
        for key in self._pending.remaining_keys().tolist():
            counts[key] = counts.get(key, 0) + 1
        return counts

    def _delay(self, retry: int) -> float:
        b = self._backoff
        ceiling = min(b.cap, b.base * b.factor**retry)
        if b.jitter == "full":
            return ceiling * self._uniform.next()
        if b.jitter == "equal":
            return ceiling / 2 * (1 + self._uniform.next())
        return ceiling

    def run_until(self, t_end: float) -> None:
        """Start every request ready before ``t_end``, in ready order."""
        batching = True
        while True:
            if batching and self._block(t_end):
                continue
            batching = False  # what stopped a block (an outage, OAuth, few requests) holds all step
            if not self._one(t_end):
                break
        self._flush()

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
        return self._after_failure(state, key, ingest, attempt, outcome)

    def _block(self, t_end: float) -> bool:
        """Start every request ready before ``t_end`` at once; False when that is not possible
        (a concurrency gate, an outage or OAuth in play) or not worth it (few requests).

        A retry that a failure schedules inside the block is inserted at its place in ready
        order. The token bucket's schedule is repaired from there only until its TAT rejoins
        the old one: from that request on every grant is provably unchanged. Outcomes drawn
        for the block stay, since in a block an outcome does not depend on its exact start.
        """
        pending, retries, gate = self._pending, self._retries, self.gate
        if isinstance(gate, Concurrency):
            return False
        due = []
        while retries and retries[0][0] < t_end:
            due.append(heapq.heappop(retries))
        fresh = pending.block(t_end) if pending.peek() is not None else None
        fresh_count = len(fresh[0]) if fresh else 0
        if fresh_count + len(due) < MIN_BLOCK:
            return self._restore(due)
        ready = np.concatenate(([d[0] for d in due], fresh[0] if fresh else []))
        order = np.argsort(ready, kind="stable")  # retries first on ties, as in _one
        ready = ready[order]
        ingest = np.concatenate(([d[2] for d in due], fresh[1] if fresh else []))[order]
        keys = np.concatenate(([d[3] for d in due], fresh[2] if fresh else [])).astype(np.int64)
        keys = keys[order]
        attempt = np.concatenate(([d[4] for d in due], np.zeros(fresh_count))).astype(np.int64)
        attempt = attempt[order]
        # per position: an index into ``scheduled`` for retries, -1 for pending first attempts
        scheduled: list[_Retry] = due
        origin = np.where(order < len(due), order, -1)
        starts, tats = gate.schedule(ready)
        if self._max_age is None:
            self._max_age = np.asarray([t.max_age for t in self.targets])
        n = self._unexpired(starts, ingest, keys, 0, len(ready))
        drawn = self.behaviour.draw_many(n, float(starts[0]), float(starts[n - 1])) if n else None
        if drawn is None:
            return self._restore(due)
        durations, kinds, codes = drawn
        checked_until = float(starts[n - 1])  # outages are ruled out for starts up to here
        restored = [scheduled[k] for k in origin[n:][origin[n:] >= 0].tolist()]
        columns = [ready[:n], ingest[:n], keys[:n], attempt[:n], starts[:n], tats[:n],
                   durations, kinds, codes, origin[:n]]  # fmt: skip
        columns = [np.concatenate((c, np.empty_like(c[: n // 4 + 16]))) for c in columns]
        pool: list[tuple[float, int, int]] = []
        size = n  # valid entries in the columns (n shrinks when the block is cut; size does not)
        f = 0
        while True:
            ready, ingest, keys, attempt, starts, tats, durations, kinds, codes, origin = columns
            while f < n and kinds[f] == OK:  # look ahead in small windows: failures are sparse
                window = np.flatnonzero(kinds[f : min(n, f + 64)] != OK)
                f = f + int(window[0]) if len(window) else min(n, f + 64)
            if f >= n:
                break
            key = int(keys[f])
            outcome = self.behaviour.outcome_of(int(codes[f]), float(starts[f] + durations[f]))
            retry = self._after_failure(
                self.targets[key], key, float(ingest[f]), int(attempt[f]), outcome
            )
            f += 1
            if retry is None:
                continue
            if retry[0] >= ready[n - 1]:  # after every request of the block: a later block's
                heapq.heappush(retries, retry)
                continue
            if not pool:
                extra = self.behaviour.draw_many(32, float(starts[0]), checked_until)
                assert extra is not None  # the same window was already accepted
                pool = list(zip(*(e.tolist() for e in extra), strict=True))[::-1]
            duration, kind, code = pool.pop()
            j = int(np.searchsorted(ready[:n], retry[0], side="left"))
            if size == len(ready):  # full: grow every column
                columns = [np.concatenate((c, np.empty_like(c[: n // 2 + 16]))) for c in columns]
            scheduled.append(retry)
            values = (retry[0], retry[2], retry[3], retry[4], 0.0, 0.0, duration, kind, code,
                      len(scheduled) - 1)  # fmt: skip
            for column, value in zip(columns, values, strict=True):
                column[j + 1 : size + 1] = column[j:size]  # numpy copes with the overlap
                column[j] = value
            n += 1
            size += 1
            n = self._repair(columns, j, n)
            starts = columns[4]
            if starts[n - 1] > checked_until:  # delays pushed starts past the checked window
                if self.behaviour.draw_many(0, checked_until, float(starts[n - 1])) is None:
                    n = int(np.searchsorted(starts[:n], checked_until, side="right"))
                else:
                    checked_until = float(starts[n - 1])
        ready, ingest, keys, attempt, starts, tats, durations, kinds, codes, origin = columns
        pending.consume(int(np.count_nonzero(origin[:n] < 0)))
        left = origin[n:size]
        for k in left[left >= 0].tolist():
            restored.append(scheduled[k])
        for entry in restored:
            heapq.heappush(retries, entry)
        gate.commit(float(tats[n - 1]))
        ends = starts[:n] + durations[:n]
        if self.trace is not None:
            self.trace.extend(zip(ready[:n].tolist(), starts[:n].tolist(), strict=True))
        self._segments.append(
            (ready[:n].copy(), ingest[:n].copy(), starts[:n].copy(), ends, kinds[:n] == OK,
             keys[:n].copy(), attempt[:n].copy())
        )  # fmt: skip
        return True

    def _repair(self, columns: list[np.ndarray], j: int, n: int) -> int:
        """Recompute starts and TATs from the request inserted at ``j`` until the TAT rejoins
        the old schedule; returns how many requests still start within their maximum age."""
        ready, ingest, keys, _, starts, tats = columns[:6]
        gate = self.gate
        if not isinstance(gate, TokenBucket):  # no shared bucket: nothing else moves
            starts[j] = ready[j]
            tats[j] = ready[j]
            return n
        tat = float(tats[j - 1]) if j else gate.tat
        k = j
        while k < n:
            start, tat = gate.advance(tat, float(ready[k]))
            if k > j and tat == tats[k]:
                break  # rejoined the old schedule: every later grant is unchanged
            starts[k], tats[k] = start, tat
            if start - ingest[k] > self._max_age[keys[k]]:
                return k
            k += 1
        return n

    def _unexpired(
        self, starts: np.ndarray, ingest: np.ndarray, keys: np.ndarray, frm: int, stop: int
    ) -> int:
        """The first request (from ``frm``) that would start after its maximum age, or ``stop``."""
        late = np.flatnonzero(starts[frm:stop] - ingest[frm:stop] > self._max_age[keys[frm:stop]])
        return frm + int(late[0]) if len(late) else stop

    def _restore(self, due: list[_Retry]) -> bool:
        for entry in due:
            heapq.heappush(self._retries, entry)
        return False

    def _flush(self) -> None:
        """Record the step's blocks in bulk, per target."""
        if not self._segments:
            return
        ready, ingest, starts, ends, ok, keys, attempt = (
            np.concatenate(part) for part in zip(*self._segments, strict=True)
        )
        self._segments.clear()
        for key in np.unique(keys).tolist():
            mine = keys == key
            parts = (ready, ingest, starts, ends, ok, attempt)
            self.targets[key].record_block(
                *(p if len(self.targets) == 1 else p[mine] for p in parts)
            )

    def _after_failure(
        self, state: TargetState, key: int, ingest: float, attempt: int, outcome: Outcome | None
    ) -> _Retry | None:
        """Give up (DLQ or drop) per the target's policy, or return the retry to schedule."""
        assert outcome is not None
        end, kind, code, message, retry_after = outcome
        if kind == PERMANENT or (retry_after is not None and retry_after < 0):
            self._fail(state, end, (code, message), attempt, None)
        elif attempt >= state.max_retries:
            self._fail(state, end, (code, message), attempt, "MaximumRetryAttempts")
        else:
            delay = self._delay(attempt)
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
