"""The block path of a lane: every request ready in a step started at once.

The lane takes every request ready in the step (first attempts and due retries), computes their
token grants with the GCRA's running maximum and their outcomes with one draw per quantity, and
records metrics in bulk. A failure whose retry becomes ready inside the block is inserted at its
place in ready order, and ``gates.BlockGrants`` gives it and every later request its grant in
O(1), so requests are served in the order, and at the times (to floating-point rounding), of
the one-at-a-time path (``Lane._one``). ``_settle`` walks the failures so, one at a time; a
block with many of them is settled in waves of whole-array steps instead (:mod:`.retry_waves`),
to the walk's answer bit for bit, and falls back to the walk wherever the walk would cut it.
"""

from __future__ import annotations

import bisect
import heapq
from typing import NamedTuple

import numpy as np

from bridgetwin.simulator.aws.behaviour import OK, Behaviour, Drawn
from bridgetwin.simulator.aws.gates import BlockGrants, Concurrency, Gate
from bridgetwin.simulator.aws.policy import RetryPolicy
from bridgetwin.simulator.engine.pending import PendingQueue, Retry
from bridgetwin.simulator.engine.retry_waves import (
    CHECK_AHEAD,
    FEW_INSERTED,
    MIN_FAILURES,
    Block,
    RetryWaves,
    Settled,
    merge_columns,
)
from bridgetwin.simulator.engine.targets import TargetState

MIN_BLOCK = 16
"""Below this many ready requests the one-at-a-time path is cheaper than numpy's overhead."""


_Inserted = tuple[int, Retry, float, float, int]
"""A retry inserted into a block: (its position there, the retry, start, duration, kind)."""


class _Base(NamedTuple):
    """The requests a block starts with, sorted by ready time."""

    ready: np.ndarray
    ingest: np.ndarray
    keys: np.ndarray
    origin: np.ndarray
    attempt: np.ndarray
    """0 for a first attempt (from the pending queue), else a retry's attempt number."""


class BlockPath:
    """The block path, mixed into ``Lane`` (whose state it reads and advances)."""

    gate: Gate
    behaviour: Behaviour
    targets: list[TargetState]
    trace: list[tuple[float, float, float]] | None
    _pending: PendingQueue
    _retries: list[Retry]
    _policy: RetryPolicy
    _max_age: np.ndarray | None
    _segments: list[tuple[np.ndarray, ...]]
    _buffered: int
    carries_origin: bool

    def _restore(self, due: list[Retry]) -> None:
        """Put retries back to wait."""
        for entry in due:
            heapq.heappush(self._retries, entry)

    def _block(self, t_end: float) -> bool:
        """Start every request ready before ``t_end`` at once; False when that is not possible
        (a concurrency gate, an outage or OAuth in play) or not worth it (few requests).

        The block's grants come from the GCRA's running maximum and its outcomes from one draw
        per quantity; only failures and retries take Python time (see ``_settle``). Outcomes
        drawn for the block stay, since in a block an outcome does not depend on its exact start.
        """
        if isinstance(self.gate, Concurrency):
            return False
        gathered = self._gather(t_end)
        if gathered is None:
            return False
        base, inside, merged = gathered
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
        columns = (base.ready, base.ingest, base.keys, base.attempt, base.origin)
        block = Block(*(column[:n] for column in columns), drawn, grants, float(least))
        settled = self._waves(block, inside)
        if settled is None:
            n, inserted = self._settle(base, grants, n, drawn, float(least), inside)
        if merged:
            self._restore_columns(base, n)
        if settled is None and not n and not inserted:
            return False
        self._pending.consume(n if not merged else int(np.count_nonzero(base.attempt[:n] == 0)))
        if settled is None:
            self._record_block(base, grants, n, drawn, inserted)
        else:
            self.gate.commit(settled.tat)
            self._keep(settled.columns, settled.starts)
        return True

    def _gather(self, t_end: float) -> tuple[_Base, list[Retry], bool] | None:
        """A block's requests: the first attempts ready before ``t_end`` and the due retries.
        A few retries stay apart, to be inserted (``_settle``); many are merged into the
        columns (then True). None when there are too few requests for a block."""
        pending, retries = self._pending, self._retries
        fresh = pending.block(t_end)
        due = []
        while retries and retries[0][0] < t_end:
            due.append(heapq.heappop(retries))
        count = len(fresh[0])
        columns = [*fresh, np.zeros(count, dtype=np.int64)]
        if count >= MIN_BLOCK and len(due) <= count // 8:
            last = float(fresh[0][-1])
            inside = [entry for entry in due if entry[0] < last]  # still sorted, so a heap
            self._restore(due[len(inside) :])  # the rest are ready after the block
            return _Base(*columns), inside, False
        if count + len(due) >= MIN_BLOCK:
            at = fresh[0].searchsorted([d[0] for d in due], side="left")  # retries first on ties
            values = list(zip(*((d[0], d[2], d[3], d[5], d[4]) for d in due), strict=True))
            return _Base(*merge_columns(columns, at, values)), [], True
        self._restore(due)
        return None

    def _waves(self, block: Block, inside: list[Retry]) -> Settled | None:
        """The block settled in waves (:mod:`.retry_waves`) when it has many failures and due
        retries; None when the walk (``_settle``) takes it."""
        failed = int(np.count_nonzero(block.drawn[1][: len(block.ready)] != OK))
        if failed + len(inside) < MIN_FAILURES or any(t.resumed for t in self.targets):
            return None
        waves = RetryWaves(
            block, inside, self.gate, self.behaviour, self._policy, self.targets, self._retries
        )
        return waves.settle()

    def _settle(
        self,
        base: _Base,
        grants: BlockGrants,
        n: int,
        drawn: Drawn,
        room: float,
        inside: list[Retry],
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
        columns = (base.ingest, base.keys, base.attempt, durations, codes, base.origin)
        failures = zip(*(c[failed].tolist() for c in columns), failed.tolist(), strict=True)
        failure = next(failures, None)
        f = failure[6] if failure is not None else n
        inserted: list[_Inserted] = []
        pool: list[tuple[float, int, int]] = []
        spare: Drawn | None = tuple(column[n:] for column in drawn)  # drawn beyond the block
        behaviour, max_age, targets = self.behaviour, self._max_age, self.targets
        after_failure, retries, details = (
            self._policy.after_failure,
            self._retries,
            behaviour.failures,
        )
        bisect_left, heappush = bisect.bisect_left, heapq.heappush
        while True:
            k = bisect_left(ready, inside[0][0], 0, n) if inside else n
            if k <= f and inside:
                delay = (grants.inserted + 1) * increment
                if delay > room:
                    break
                if latest + delay > checked:
                    reach = latest + delay + CHECK_AHEAD * increment
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
                inserted.append((k, retry, start, duration, kind))
                if kind == OK:
                    continue
                ingest, key, attempt, origin = retry[2], retry[3], retry[4], retry[5]
                end = start + duration
            elif failure is not None:
                ingest, key, attempt, duration, code, origin, _ = failure
                end = grants.start_of(f) + duration
                failure = next(failures, None)
                f = failure[6] if failure is not None else n
            else:
                return n, inserted
            again = after_failure(targets[key], key, ingest, attempt, end, details[code], origin)
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
        # columns: ready, ingestion time, target key, attempt, duration, kind, origin time
        columns = [base.ready[:n], base.ingest[:n], base.keys[:n], base.attempt[:n],
                   drawn[0][:n], drawn[1][:n], base.origin[:n]]  # fmt: skip
        if not inserted:
            self.gate.commit(float(grants.tats[n - 1]))
            self._keep(columns, grants.starts[:n])
            return
        rows = [(r[0], r[2], r[3], r[4], duration, kind, r[5])
                for _, r, _, duration, kind in inserted]  # fmt: skip
        extra = list(zip(*rows, strict=True))
        if len(inserted) <= FEW_INSERTED:  # patch the few starts that moved; keep them apart
            self.gate.commit(grants.final_tat(n))
            self._keep(columns, grants.final_starts(n))
            self._keep([np.array(c) for c in extra], np.array([e[2] for e in inserted]))
        else:  # into their places, then one schedule for all
            columns = merge_columns(columns, [e[0] for e in inserted], extra)
            starts, tats = self.gate.schedule(columns[0])
            self.gate.commit(float(tats[-1]))
            self._keep(columns, starts)

    def _keep(self, columns: list[np.ndarray], starts: np.ndarray) -> None:
        """Keep started requests (``_record_block``'s columns) for the next flush and the trace."""
        ready, ingest, keys, attempt, durations, kinds, origin = columns
        if not len(ready):
            return
        if self.trace is not None:
            self.trace.extend(zip(ready.tolist(), starts.tolist(), ingest.tolist(), strict=True))
        # origins are read only on lanes whose events may come from another bus
        first = origin if self.carries_origin else ingest
        self._segments.append(
            (ready, ingest, starts, starts + durations, kinds == OK, keys, attempt, first)
        )
        self._buffered += len(ready)

    def _restore_columns(self, base: _Base, n: int) -> None:
        """Put the retries among the block's requests from ``n`` on back to wait (first attempts
        stay in the pending queue until consumed)."""
        waiting = np.flatnonzero(base.attempt[n:])
        for ready, ingest, key, origin, attempt in zip(
            *(c[n:][waiting].tolist() for c in base), strict=True
        ):
            heapq.heappush(self._retries, self._policy.retry(ready, ingest, key, attempt, origin))
