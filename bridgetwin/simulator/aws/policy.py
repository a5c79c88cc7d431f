"""What happens after a failed attempt: AWS's retry policy, then the DLQ (eventbridge-facts §1).

- retries stop at ``MaximumRetryAttempts`` or when the event would be older than
  ``MaximumEventAgeInSeconds``, whichever comes first; an event still waiting for the rate limit at
  its maximum age gives up too (that is how a backlog past the retry window reaches the DLQ);
- then the event goes to the DLQ with ``EXHAUSTED_RETRY_CONDITION``, or is dropped without one;
  errors that are not retried go there at once, without the condition (UNCONFIRMED; we follow
  the public emulators).

Delays are exponential backoff with jitter (``eventbridge.retry_backoff``), or a target's fixed
delay (a pipe's SQS source: its visibility timeout), lengthened by a longer ``Retry-After``; a
negative ``Retry-After`` stops the retries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np

from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.aws.behaviour import PERMANENT, Failure
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.scenario import RetryBackoff


class TargetTally(Protocol):
    """What the retry policy reads and counts of one target (the engine's ``TargetState``)."""

    rule_arn: str
    target_arn: str
    retry_all: bool
    owner_arns: tuple[tuple[str, str], ...]
    resumed: dict[float, float]
    max_retries: int
    max_age: float
    retry_delay: float | None
    redrive: bool
    has_dlq: bool
    dlq: int
    dropped: int
    per_minute: dict[str, np.ndarray]
    dlq_by_condition: Counter[str]
    dlq_by_error: Counter[str]
    dropped_by_error: Counter[str]
    dlq_samples: list[dict[str, str]]
    store: MetricStore

    def finish(self, at: float, ingest: float) -> bool: ...


def read_at(state: TargetTally, ingest: float) -> float:
    """When the target's owner read the event ingested at ``ingest``: then, or, for an event a
    stopped subscriber read at its resumption, that moment (its retry window counts from it)."""
    return state.resumed.get(ingest, ingest) if state.resumed else ingest


Retry = tuple[float, int, float, int, int, float]
"""A scheduled retry, kept in a heap: (ready, sequence, ingestion time, target key, attempt,
origin time)."""
DLQ_SAMPLES = 3
"""DLQ messages kept per target, with their attributes, to show in results."""

RETRIED, NOT_RETRIED, EXHAUSTED, TOO_OLD = range(4)
WHY = ("", "", "MaximumRetryAttempts", "MaximumEventAgeInSeconds")
"""Why a failed attempt was the event's last, by ``decide_many``'s code (``""``: not retried)."""


class PolicyColumns(NamedTuple):
    """What the retry policy reads of each target key, as arrays indexed by key."""

    max_retries: np.ndarray
    max_age: np.ndarray
    retry_delay: np.ndarray
    """A target's fixed delay, NaN where the backoff decides."""
    retry_all: np.ndarray

    @classmethod
    def of(cls, states: Sequence[TargetTally]) -> PolicyColumns:
        return cls(
            np.asarray([s.max_retries for s in states]),
            np.asarray([s.max_age for s in states], dtype=float),
            np.asarray([np.nan if s.retry_delay is None else s.retry_delay for s in states]),
            np.asarray([s.retry_all for s in states], dtype=bool),
        )


class FailureColumns(NamedTuple):
    """Failed attempts in service order, as columns (``decide_many``'s input)."""

    keys: np.ndarray
    ingest: np.ndarray
    attempt: np.ndarray
    end: np.ndarray
    permanent: np.ndarray
    retry_after: np.ndarray
    """NaN where the answer had no ``Retry-After``."""


class RetryPolicy:
    """One lane's retry decisions: its backoff draws and the order of its scheduled retries."""

    def __init__(self, backoff: RetryBackoff, uniform: Draws) -> None:
        self._backoff = backoff
        self._uniform = uniform
        # the n-th retry waits ceilings[n] * (low + width * u), u uniform in [0, 1)
        self._jitter = {"full": (0.0, 1.0), "equal": (0.5, 0.5), "none": (1.0, 0.0)}[backoff.jitter]
        self._ceilings = [min(backoff.cap, backoff.base)]
        self._sequence = 0  # breaks ties between retries ready at the same time

    def retry(self, ready: float, ingest: float, key: int, attempt: int, origin: float) -> Retry:
        """A retry of attempt number ``attempt``, ready at ``ready``."""
        self._sequence += 1
        return (ready, self._sequence, ingest, key, attempt, origin)

    def after_failure(
        self,
        state: TargetTally,
        key: int,
        ingest: float,
        attempt: int,
        end: float,
        failure: Failure,
        origin: float,
    ) -> Retry | None:
        """Give up (DLQ or drop) per the target's policy, or return the retry to schedule."""
        final = self.give_up_at_once(state, attempt, failure)
        if final is not None:
            self.give_up(state, ingest, attempt, end, failure, final)
            return None
        delay = self.delay(state, attempt, failure[3])
        read = read_at(state, ingest)
        if end + delay - read > state.max_age:
            self.give_up(state, ingest, attempt, end, failure, "MaximumEventAgeInSeconds")
            return None
        return self.retry(end + delay, ingest, key, attempt + 1, origin)

    def give_up(
        self,
        state: TargetTally,
        ingest: float,
        attempt: int,
        end: float,
        failure: Failure,
        why: str,
    ) -> None:
        """The attempt that ended at ``end`` was the event's last, for ``why``: a condition,
        or ``""`` for an error that is not retried."""
        if why == "MaximumEventAgeInSeconds":
            end = max(end, read_at(state, ingest) + state.max_age)
        elif state.redrive and why == "MaximumRetryAttempts":  # SQS moves it on the receive
            end += state.retry_delay or 0.0  # that would exceed maxReceiveCount
        self.fail(state, end, failure[1:3], attempt, why or None, ingest)

    def give_up_at_once(self, state: TargetTally, attempt: int, failure: Failure) -> str | None:
        """Why a failed attempt is the last whatever the event's age: ``""`` for an error that
        is not retried or a negative ``Retry-After`` (no exhausted condition), or
        ``MaximumRetryAttempts``; None when the event's age decides."""
        kind, _, _, retry_after = failure
        if (kind == PERMANENT and not state.retry_all) or (
            retry_after is not None and retry_after < 0
        ):
            return ""
        return "MaximumRetryAttempts" if attempt >= state.max_retries else None

    def delay(self, state: TargetTally, attempt: int, retry_after: float | None) -> float:
        """The wait before retry number ``attempt + 1``: the backoff (one draw), or the target's
        fixed delay, lengthened by a longer ``Retry-After``."""
        delay = state.retry_delay
        if delay is None:
            low, width = self._jitter
            ceilings = self._ceilings
            if attempt >= len(ceilings):
                ceilings = self._ceilings_to(attempt)
            delay = ceilings[attempt] * (low + width * self._uniform.next())
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return delay

    def _ceilings_to(self, attempt: int) -> list[float]:
        """The backoff's ceilings min(cap, base * factor**n) for n up to ``attempt``, computed
        by repeated products, never overflowing."""
        ceilings = self._ceilings
        while attempt >= len(ceilings):
            ceilings.append(min(self._backoff.cap, ceilings[-1] * self._backoff.factor))
        return ceilings

    def decide_many(
        self,
        rules: PolicyColumns,
        failures: FailureColumns,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """``after_failure``'s decisions for many failures in service order, none of them read
        at a subscriber's resumption: why each gives up (``RETRIED`` when it does not, else an
        index into ``WHY``), when each retry is ready, and how many backoff draws they take, in
        the order ``after_failure`` would take them. The draws are only seen (``Draws.peek``):
        ``adopt`` takes them once the decisions stand."""
        keys, attempt = failures.keys, failures.attempt
        retry_after = failures.retry_after
        one = len(rules.max_age) == 1  # one target: its values broadcast, cheaper than indexing

        def per_key(column: np.ndarray) -> np.ndarray:
            return column[0] if one else column[keys]

        why = np.where(attempt >= per_key(rules.max_retries), EXHAUSTED, RETRIED)
        why[(failures.permanent & ~per_key(rules.retry_all)) | (retry_after < 0)] = NOT_RETRIED
        # NaN where the backoff decides; a new array either way (it is written below)
        delay = np.full(len(keys), rules.retry_delay[0]) if one else rules.retry_delay[keys]
        drawing = (why == RETRIED) & np.isnan(delay)
        used = int(np.count_nonzero(drawing))
        if used:
            low, width = self._jitter
            ceilings = np.asarray(self._ceilings_to(int(attempt[drawing].max())))
            delay[drawing] = ceilings[attempt[drawing]] * (low + width * self._uniform.peek(used))
        longer = retry_after > delay  # False where there is no Retry-After (NaN)
        delay[longer] = retry_after[longer]
        ready = failures.end + delay
        why[(why == RETRIED) & (ready - failures.ingest > per_key(rules.max_age))] = TOO_OLD
        return why, ready, used

    @property
    def sequence(self) -> int:
        """The number of the last retry scheduled."""
        return self._sequence

    def adopt(self, used: int, retries: int) -> None:
        """Take the draws ``decide_many`` saw, and the numbers of its ``retries`` retries."""
        self._uniform.skip(used)
        self._sequence += retries

    @staticmethod
    def drop(state: TargetTally, at: float, code: str) -> None:
        """An event given up with nowhere to go: counted as dropped (``EventsDropped``)."""
        state.dropped += 1
        state.per_minute["failed"][int(at / 60)] += 1
        state.dropped_by_error[code] += 1
        state.store.record("EventsDropped", at)  # AWS/EventsV2's name for it

    @staticmethod
    def fail(
        state: TargetTally,
        at: float,
        error: tuple[str, str],
        retries: int,
        condition: str | None,
        ingest: float,
    ) -> None:
        """A final failure of the event ingested at ``ingest``: to the DLQ with AWS's
        attributes, or dropped without one."""
        code, message = error
        state.store.record("Invocations", at)
        state.store.record("FailedInvocations", at)
        if not state.finish(at, ingest):
            return
        if not state.has_dlq:
            RetryPolicy.drop(state, at, code)
            return
        state.dlq += 1
        state.per_minute["dlq"][int(at / 60)] += 1
        state.per_minute["failed"][int(at / 60)] += 1
        state.store.record("InvocationsSentToDlq", at)
        redriven = state.redrive and condition == "MaximumRetryAttempts"  # by SQS, not EventBridge
        state.dlq_by_condition[
            "maxReceiveCount" if redriven else condition or "none (not retried)"
        ] += 1
        state.dlq_by_error[code] += 1
        if len(state.dlq_samples) >= DLQ_SAMPLES:
            return
        if redriven:  # the message as it was: no EventBridge attributes
            state.dlq_samples.append({"ApproximateReceiveCount": str(retries + 1)})
        else:
            attributes = {
                **(dict(state.owner_arns) or {"RULE_ARN": state.rule_arn}),
                "TARGET_ARN": state.target_arn,
                "ERROR_CODE": code,
                "ERROR_MESSAGE": message,
                "RETRY_ATTEMPTS": str(retries),
            }
            if condition:
                attributes["EXHAUSTED_RETRY_CONDITION"] = condition
            state.dlq_samples.append(attributes)
