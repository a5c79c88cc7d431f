"""A block's failures settled in waves of whole-array steps, to the walk's own answer.

``BlockPath._settle`` walks a block's failures in service order: each failure's retry is drawn
its backoff, and one that becomes ready inside the block is inserted at its place and served
there, which delays later grants. That walk costs about 8 µs a failure, most of a steady run with
a few per cent of errors. Here the same answer comes from whole-array steps, in waves:

1. every retry known so far is placed in the block in ready order (retries before first
   attempts ready at the same time, retries in the order they were scheduled), and the grants
   of the inserted retries and of the failed requests are computed at once;
2. outcomes are read: the block's own draws for its requests, the spare draws for inserted
   retries in service order (the walk's pool);
3. every failure is decided at once (``RetryPolicy.decide_many``: give-up, backoff draws handed
   out in service order, maximum age); a retry ready before the block's last request joins the
   next wave.

A retry depends only on requests served before it, so each wave settles at least one more
generation of retries; a wave whose failures schedule, inside the block, exactly the retries it
inserted is a fixed point of the walk's rules, which is the walk's answer (about 8 waves for a
block of 30,000 requests with 5 % errors). The grants use ``BlockGrants.with_insertions``, the
walk's own arithmetic on arrays, so the answer is equal to the bit. Nothing is taken (draws,
sequence numbers) until then.

The walk stays the reference and the fallback: it takes the block when the waves would need more
outcomes than were drawn spare, when the insertions could delay a grant past its maximum age or
into a window whose outages were not checked, when a subscriber's resumption changed when events
were read, or when the waves do not settle within ``MAX_WAVES``.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from bridgetwin.simulator.aws.behaviour import OK, PERMANENT, Behaviour, Drawn, Failure
from bridgetwin.simulator.aws.gates import BlockGrants, Gate
from bridgetwin.simulator.aws.policy import (
    RETRIED,
    WHY,
    FailureColumns,
    PolicyColumns,
    Retry,
    RetryPolicy,
)
from bridgetwin.simulator.engine.targets import TargetState

MIN_FAILURES = 64
"""Below this many failures and due retries in a block, the walk is cheaper than the waves."""
MAX_WAVES = 24
"""Waves tried before the walk takes the block (each settles at least one generation)."""
FEW_INSERTED = 16
"""Up to this many insertions, a block patches its starts (``BlockGrants.final_starts``) and
records the inserted retries apart; beyond, one merge and one new schedule cost less. The waves
make that schedule, so they leave blocks with few insertions to the walk."""
CHECK_AHEAD = 64
"""Insertions' worth of time beyond the last grant whose outages are checked (the walk's)."""


def merge_columns(
    columns: Sequence[np.ndarray], at: np.ndarray | list[int], values: Sequence
) -> list[np.ndarray]:
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


class Block(NamedTuple):
    """The block's requests that start (the first ``n`` of ``_Base``), and its outcome draws."""

    ready: np.ndarray
    ingest: np.ndarray
    keys: np.ndarray
    attempt: np.ndarray
    origin: np.ndarray
    drawn: Drawn
    """Outcomes of the block's requests, then the spare ones for inserted retries."""
    grants: BlockGrants
    """Its grants before any insertion."""
    room: float
    """The least time any of its requests may still wait before its maximum age."""


class Settled(NamedTuple):
    """A block with its retries inserted: the columns ``BlockPath._keep`` takes (ready,
    ingestion time, key, attempt, duration, kind, origin), each request's start, and the
    gate's TAT after the last."""

    columns: list[np.ndarray]
    starts: np.ndarray
    tat: float


READY, SEQUENCE, INGEST, KEY, ATTEMPT, ORIGIN = range(6)
"""The rows of a matrix of retries (one column per retry, every value a float: keys, attempts
and sequence numbers are small integers, exact in a float), so that one fancy index reorders all."""
FAILURE_ROWS = [KEY, INGEST, ATTEMPT, ORIGIN]
"""The rows of a retries matrix a failure's decision reads, first in a matrix of failures."""
PERMANENT_ROW, AFTER_ROW, CODE_ROW, DURATION_ROW = range(4, 8)
"""The rows of a failure's outcome (``_outcomes``) in a matrix of failures, after its
``FAILURE_ROWS``."""


def _outcomes(failures: dict[int, Failure], durations: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The outcome rows of failed attempts: permanence, ``Retry-After`` (NaN: none), code and
    duration."""
    found, index = np.unique(codes, return_inverse=True)
    details = [failures[code] for code in found.tolist()]
    permanent = np.asarray([d[0] == PERMANENT for d in details], dtype=float)
    after = np.asarray([np.nan if d[3] is None else d[3] for d in details], dtype=float)
    return np.vstack([permanent[index], after[index], codes, durations])


class _Wave(NamedTuple):
    """One wave: the retries inserted, where, when they may start, and what the failures
    decide."""

    inserted: np.ndarray
    """A retries matrix, in service order."""
    at: np.ndarray
    """Before which of the block's rows each inserted retry is served."""
    earliest: np.ndarray
    """Each inserted retry's earliest grant (its start, unless it is ready later)."""
    failed: np.ndarray
    """The failures, in service order: ``FAILURE_ROWS``, then ``_outcomes``' rows."""
    end: np.ndarray
    why: np.ndarray
    used: int
    scheduled: np.ndarray
    """The retries matrix its failures schedule, numbered as the walk would number them."""


class RetryWaves:
    """The waves of one block (see the module's story)."""

    def __init__(
        self,
        block: Block,
        inside: list[Retry],
        gate: Gate,
        behaviour: Behaviour,
        policy: RetryPolicy,
        targets: list[TargetState],
        retries: list[Retry],
    ) -> None:
        """``retries``: the lane's heap, where retries ready after the block wait."""
        self._block, self._gate, self._behaviour = block, gate, behaviour
        self._policy, self._targets, self._retries = policy, targets, retries
        self._rules = PolicyColumns.of(targets)
        self._inside = np.asarray(sorted(inside), dtype=float).T.reshape(6, len(inside))
        n = len(block.ready)
        durations, kinds, codes = block.drawn
        own = self._own = np.flatnonzero(kinds[:n] != OK)
        columns = [block.keys, block.ingest, block.attempt, block.origin]  # FAILURE_ROWS' order
        self._own_failed = np.vstack(
            [*(c[own] for c in columns), _outcomes(behaviour.failures, durations[own], codes[own])]
        )
        self._spare_failed = np.flatnonzero(kinds[n:] != OK)
        theirs = self._spare_failed + n
        self._spare = _outcomes(behaviour.failures, durations[theirs], codes[theirs])
        self._room = len(durations) - n

    def settle(self) -> Settled | None:
        """The block with its retries settled, or None when the walk must take it. A wave whose
        retries ready inside the block are those it inserted (besides ``inside``) is the fixed
        point: the next wave would repeat it."""
        early = np.empty((6, 0))
        for _ in range(MAX_WAVES):
            wave = self._wave(early)
            if wave is None:
                return None
            scheduled = wave.scheduled
            following = scheduled[:, scheduled[READY] < self._block.ready[-1]]
            if np.array_equal(following, early):
                fits = len(wave.at) > FEW_INSERTED and self._fits(wave)
                return self._adopt(wave) if fits else None
            early = following
        return None

    def _wave(self, early: np.ndarray) -> _Wave | None:
        """Insert ``inside`` and the ``early`` retries (a retries matrix), then decide every
        failure; None when the spare outcomes do not cover the insertions."""
        block = self._block
        inserted = np.concatenate([self._inside, early], axis=1)
        # by ready time, then by number: ``_inside`` comes sorted and numbered before the
        # scheduled retries, which come in their numbers' order, so a stable sort keeps ties so
        inserted = inserted[:, inserted[READY].argsort(kind="stable")]
        m = inserted.shape[1]
        if m > self._room:
            return None
        ready = inserted[READY]
        at = block.ready.searchsorted(ready, side="left")  # retries first on ties
        own = self._own
        starts, earliest, own_starts, before = block.grants.with_insertions(at, ready, own)
        # the failures in service order: the block's own, and inserted retries that failed
        count = int(self._spare_failed.searchsorted(m))  # spare outcomes taken: the first m
        theirs = self._spare_failed[:count]
        slots = np.concatenate([own + before, theirs + at[theirs]])
        order = np.argsort(slots, kind="stable")
        spare = self._spare[:, :count]
        their_failed = np.concatenate([inserted[FAILURE_ROWS][:, theirs], spare], axis=0)
        failed = np.concatenate([self._own_failed, their_failed], axis=1)[:, order]
        end = np.concatenate([own_starts, starts[theirs]])[order] + failed[DURATION_ROW]
        keys = failed[0].astype(np.int64)
        failures = FailureColumns(
            keys,
            failed[1],
            failed[2].astype(np.int64),
            end,
            failed[PERMANENT_ROW].astype(bool),
            failed[AFTER_ROW],
        )
        why, retry_ready, used = self._policy.decide_many(self._rules, failures)
        again = np.flatnonzero(why == RETRIED)
        scheduled = np.empty((6, len(again)))
        scheduled[READY] = retry_ready[again]
        scheduled[SEQUENCE] = np.arange(1, len(again) + 1)  # numbered as the walk numbers them
        scheduled[SEQUENCE] += self._policy.sequence
        scheduled[[INGEST, KEY, ATTEMPT, ORIGIN]] = failed[[1, 0, 2, 3]][:, again]
        scheduled[ATTEMPT] += 1
        return _Wave(inserted, at, earliest, failed, end, why, used, scheduled)

    def _fits(self, wave: _Wave) -> bool:
        """Whether the walk would have inserted every retry: none delays a grant past its
        maximum age, and no outage overlaps the time the insertions may add."""
        m = len(wave.at)
        block = self._block
        increment = block.grants.increment
        if m * increment > block.room:
            return False
        latest = float(block.grants.starts[len(block.ready) - 1])
        reach = latest + (m + CHECK_AHEAD) * increment
        if increment and not self._behaviour.steady(latest, reach):
            return False
        inserted = wave.inserted
        keys = inserted[KEY].astype(np.int64)
        deadline = inserted[INGEST] + self._rules.max_age[keys]
        return not ((wave.earliest > deadline) | (inserted[READY] > deadline)).any()

    def _adopt(self, wave: _Wave) -> Settled:
        """Take the settled wave's draws, schedule its later retries, give up what it gave up,
        and return the merged block with one schedule (as ``BlockPath._record_block`` makes)."""
        block = self._block
        scheduled = wave.scheduled
        self._policy.adopt(wave.used, scheduled.shape[1])
        for ready, sequence, ingest, key, attempt, origin in scheduled[
            :, scheduled[READY] >= block.ready[-1]
        ].T.tolist():
            entry = (ready, int(sequence), ingest, int(key), int(attempt), origin)
            heapq.heappush(self._retries, entry)
        self._give_up(wave)
        n, m = len(block.ready), len(wave.at)
        durations, kinds, _ = block.drawn
        inserted = wave.inserted
        columns = merge_columns(
            [block.ready, block.ingest, block.keys, block.attempt, durations[:n], kinds[:n],
             block.origin],
            wave.at,
            [inserted[READY], inserted[INGEST], inserted[KEY], inserted[ATTEMPT],
             durations[n : n + m], kinds[n : n + m], inserted[ORIGIN]],
        )  # fmt: skip
        starts, tats = self._gate.schedule(columns[0])
        return Settled(columns, starts, float(tats[-1]))

    def _give_up(self, wave: _Wave) -> None:
        """Every failure that was its event's last, in service order, as the walk records it."""
        details = self._behaviour.failures
        last = np.flatnonzero(wave.why != RETRIED)
        failed = wave.failed[:, last]
        for why, key, ingest, attempt, end, code in zip(
            wave.why[last].tolist(),
            *failed[[0, 1, 2]].tolist(),
            wave.end[last].tolist(),
            failed[CODE_ROW].tolist(),
            strict=True,
        ):
            failure = details[int(code)]
            self._policy.give_up(
                self._targets[int(key)], ingest, int(attempt), end, failure, WHY[why]
            )
