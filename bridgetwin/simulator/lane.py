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
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.behaviour import OK, PERMANENT, Behaviour
from bridgetwin.simulator.gates import Gate
from bridgetwin.simulator.scenario import RetryBackoff

DLQ_SAMPLES = 3


@dataclass
class TargetState:
    """Policy and running tally of one (rule, target) pair."""

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
    finished_late: int = 0
    dlq_by_condition: Counter[str] = field(default_factory=Counter)
    dlq_by_error: Counter[str] = field(default_factory=Counter)
    dropped_by_error: Counter[str] = field(default_factory=Counter)
    dlq_samples: list[dict[str, str]] = field(default_factory=list)
    latency_start: list[float] = field(default_factory=list)
    latency_complete: list[float] = field(default_factory=list)
    latency_success: list[float] = field(default_factory=list)
    ingested_by_minute: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    finished_by_minute: list[int] = field(default_factory=list)
    # CloudWatch datapoints: metric name -> (times, values) lists
    metrics: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    dlq_times: list[float] = field(default_factory=list)

    def record(self, metric: str, at: float, value: float = 1.0) -> None:
        if at <= self.horizon:
            times, values = self.metrics.setdefault(metric, ([], []))
            times.append(at)
            values.append(value)

    def __post_init__(self) -> None:
        minutes = int(self.horizon // 60) + 1
        self.ingested_by_minute = np.zeros(minutes, dtype=np.int64)
        self.finished_by_minute = [0] * minutes

    def finish(self, at: float) -> bool:
        """Count a final outcome at ``at``; False when it happens after the horizon."""
        if at > self.horizon:
            self.finished_late += 1
            return False
        self.finished_by_minute[int(at // 60)] += 1
        return True


class _Pending:
    """First attempts not yet started, in numpy chunks sorted by ready time (24 bytes each)."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._first = 0  # index of the first unconsumed element of chunk 0
        self.size = 0

    def add(self, ready: np.ndarray, ingest: np.ndarray, keys: np.ndarray) -> None:
        if not len(ready):
            return
        self.size += len(ready)
        if self._chunks and ready[0] < self._chunks[-1][0][-1]:
            last = self._chunks.pop()
            skip = self._first if not self._chunks else 0
            merged = [
                np.concatenate((a[skip:], b))
                for a, b in zip(last, (ready, ingest, keys), strict=True)
            ]
            order = np.argsort(merged[0], kind="stable")
            ready, ingest, keys = (m[order] for m in merged)
            if not self._chunks:
                self._first = 0
        self._chunks.append((ready, ingest, keys))

    def remaining_keys(self) -> np.ndarray:
        parts = [
            keys[self._first :] if i == 0 else keys for i, (_, _, keys) in enumerate(self._chunks)
        ]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def peek(self) -> float | None:
        return self._chunks[0][0].item(self._first) if self._chunks else None

    def pop(self) -> tuple[float, float, int]:
        ready, ingest, keys = self._chunks[0]
        i = self._first
        item = (ready.item(i), ingest.item(i), keys.item(i))
        self._first += 1
        self.size -= 1
        if self._first >= len(ready):
            self._chunks.pop(0)
            self._first = 0
        return item


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
        self._pending = _Pending()
        self._retries: list[tuple[float, int, float, int, int]] = []
        self._sequence = 0

    @property
    def waiting(self) -> int:
        """Requests not yet started (first attempts and scheduled retries)."""
        return self._pending.size + len(self._retries)

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
        pending, retries, gate, attempt_of = self._pending, self._retries, self.gate, self.behaviour
        targets = self.targets
        while True:
            head = pending.peek()
            if retries and retries[0][0] < t_end and (head is None or retries[0][0] <= head):
                ready, _, ingest, key, attempt = heapq.heappop(retries)
            elif head is not None and head < t_end:
                ready, ingest, key = pending.pop()
                attempt = 0
            else:
                return
            state = targets[key]
            start = gate.grant_time(ready)
            if start > ready:
                state.throttled += 1
                state.record("ThrottledRules", ready)
            if start - ingest > state.max_age:
                at = ingest + state.max_age
                self._fail(
                    state,
                    at,
                    "THROTTLING",
                    "still waiting for the rate limit",
                    attempt,
                    "MaximumEventAgeInSeconds",
                )
                continue
            end, outcome, code, message, retry_after = attempt_of.attempt(start)
            gate.take(ready, start, end)
            state.attempts += 1
            state.record("InvocationAttempts", start)
            if attempt == 0:
                if start <= state.horizon:
                    state.latency_start.append(start - ingest)
                    state.record("IngestionToInvocationStartLatency", start, (start - ingest) * 1e3)
                if end <= state.horizon:
                    state.latency_complete.append(end - ingest)
                    state.record("IngestionToInvocationCompleteLatency", end, (end - ingest) * 1e3)
            else:
                state.retries += 1
                state.record("RetryInvocationAttempts", start)
            if outcome == OK:
                state.record("SuccessfulInvocationAttempts", end)
                state.record("Invocations", end)
                if state.finish(end):
                    state.delivered += 1
                    state.latency_success.append(end - ingest)
                    state.record("IngestionToInvocationSuccessLatency", end, (end - ingest) * 1e3)
            elif outcome == PERMANENT or (retry_after is not None and retry_after < 0):
                self._fail(state, end, code, message, attempt, None)
            elif attempt >= state.max_retries:
                self._fail(state, end, code, message, attempt, "MaximumRetryAttempts")
            else:
                delay = self._delay(attempt)
                if retry_after is not None and retry_after > delay:
                    delay = retry_after
                if end + delay - ingest > state.max_age:
                    at = max(end, ingest + state.max_age)
                    self._fail(state, at, code, message, attempt, "MaximumEventAgeInSeconds")
                else:
                    self._sequence += 1
                    heapq.heappush(retries, (end + delay, self._sequence, ingest, key, attempt + 1))

    @staticmethod
    def _fail(
        state: TargetState, at: float, code: str, message: str, retries: int, condition: str | None
    ) -> None:
        """A final failure: to the DLQ with AWS's attributes, or dropped without one."""
        state.record("Invocations", at)
        state.record("FailedInvocations", at)
        if not state.finish(at):
            return
        if not state.has_dlq:
            state.dropped += 1
            state.dropped_by_error[code] += 1
            return
        state.dlq += 1
        state.dlq_times.append(at)
        state.record("InvocationsSentToDlq", at)
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
