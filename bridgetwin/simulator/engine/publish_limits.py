"""The Custom Event Bus's publish limits, applied to the entries a bus is offered.

AWS (custom-bus facts §2.9 and §3): a bus takes at most **500,000 events/s**, across all its
publishers, and an event group at most **1,500 units/s**, a unit being one event plus each KB of
the events, "in any 1-second window"; neither can be raised. Events a bus receives from another
bus count as published to it. What AWS answers over a limit is not documented; the twin fails
the entries over it, as PutEvents fails an entry it cannot take (``ThrottlingException`` in the
entry's result, counted as ``throttled_entries`` of the feed and in
``PutEventsFailedEntriesCount``), in the order the entries arrive: the limit binds over the
second before each entry. A producer's SDK does not resend failed entries of a successful call,
so they are lost unless the application resends them (assumptions list this).

Each limit is a :class:`TrailingWindow` over keys (the bus; the bus and event group). Entries
are admitted in bulk: when no key's entries of the last second and the step together reach the
limit, all are admitted at the cost of one ``bincount``; otherwise the trailing sum at every new
entry is computed at once (cumulative sums within each key, found with one ``searchsorted``), and
only the keys whose sum crosses the limit are admitted entry by entry.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from bridgetwin.simulator.aws.entry_size import entry_bytes
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.matching import GROUP_KEY

WINDOW = 1.0
BUS_EVENTS_PER_SECOND = 500_000
GROUP_UNITS_PER_SECOND = 1_500
_TOLERANCE = 1e-9


class TrailingWindow:
    """At most ``limit`` units per key in the ``WINDOW`` before (and at) each admitted entry."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._times = np.empty(0)
        self._units = np.empty(0)
        self._keys = np.empty(0, dtype=np.int64)

    def admit(self, times: np.ndarray, units: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Which of the entries (any order; ``keys`` -1: not limited) are admitted."""
        limited = keys >= 0
        admitted = np.ones(len(times), dtype=bool)
        if not limited.any():
            return admitted
        old = len(self._times)
        t = np.concatenate([self._times, times[limited]])
        u = np.concatenate([self._units, units[limited]])
        k = np.concatenate([self._keys, keys[limited]])
        if np.bincount(k, weights=u).max() <= self.limit + _TOLERANCE:  # no key can cross
            recent = t > float(t.max()) - WINDOW
            self._times, self._units, self._keys = t[recent], u[recent], k[recent]
            return admitted
        new = np.arange(len(t)) >= old
        order = np.lexsort((new, t, k))  # by key, then time; earlier admissions first
        t, u, k, new = t[order], u[order], k[order], new[order]
        span = float(t.max() - t.min()) + 2 * WINDOW
        position = k * span + t  # keys far apart: a window never spans two keys
        first = np.searchsorted(position, position - WINDOW, side="right")
        totals = np.cumsum(u)
        sums = totals - np.where(first > 0, totals[np.maximum(first - 1, 0)], 0.0)
        keep = np.ones(len(t), dtype=bool)
        crossing = np.unique(k[new & (sums > self.limit + _TOLERANCE)])
        for key in crossing.tolist():
            mine = np.flatnonzero(k == key)
            keep[mine] = self._one_by_one(t[mine], u[mine], new[mine])
        latest = float(t.max())
        recent = keep & (t > latest - WINDOW)
        self._times, self._units, self._keys = t[recent], u[recent], k[recent]
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.arange(len(order))
        admitted[limited] = keep[inverse][old:]
        return admitted

    def _one_by_one(self, times: np.ndarray, units: np.ndarray, new: np.ndarray) -> np.ndarray:
        """One key's entries in time order: earlier admissions stand, new ones fit or fail."""
        window: deque[tuple[float, float]] = deque()
        total, keep = 0.0, np.ones(len(times), dtype=bool)
        for i, (at, size, fresh) in enumerate(zip(times.tolist(), units.tolist(), new.tolist(),
                                                   strict=True)):  # fmt: skip
            while window and window[0][0] <= at - WINDOW:
                total -= window.popleft()[1]
            if fresh and total + size > self.limit + _TOLERANCE:
                keep[i] = False
                continue
            window.append((at, size))
            total += size
        return keep


class PublishLimits:
    """The bus and event-group limits of one Region's Custom Event Buses, over its feeds."""

    def __init__(self) -> None:
        self.bus = TrailingWindow(BUS_EVENTS_PER_SECOND)
        self.group = TrailingWindow(GROUP_UNITS_PER_SECOND)
        self._keys: dict[tuple[str, ...], int] = {}
        self._templates: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _key(self, *parts: str) -> int:
        return self._keys.setdefault(parts, len(self._keys))

    def _per_template(self, index: int, feed: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per event template of a feed: its bus's key, its event group's key (-1: none) and
        its units (one event plus its KB)."""
        found = self._templates.get(index)
        if found is None or len(found[0]) != len(feed.routes):  # a hop feed's new templates
            events = feed.events if feed.bus is not None else []
            buses = [self._key(feed.bus) for _ in events] or [-1] * len(feed.routes)
            groups = [self._key(feed.bus, str(e[GROUP_KEY])) if GROUP_KEY in e else -1
                      for e in events] or [-1] * len(feed.routes)  # fmt: skip
            sizes = feed.entry_sizes or [entry_bytes(e) for e in events]
            units = [1 + size / 1024 for size in sizes] or [1.0] * len(feed.routes)
            found = (np.asarray(buses, dtype=np.int64), np.asarray(groups, dtype=np.int64),
                     np.asarray(units))  # fmt: skip
            self._templates[index] = found
        return found

    def admit(self, accepted: list[tuple[int, Batch]], feeds: list[Any]) -> dict[int, np.ndarray]:
        """Per feed whose entries a limit fails, the mask of its entries admitted (entries in
        the order ``_route`` flattens them: call by call, entry by entry)."""
        if not accepted:
            return {}
        spans, times, buses, groups, units = [], [], [], [], []
        for index, batch in accepted:
            bus, group, size = self._per_template(index, feeds[index])
            templates = batch.templates.ravel()
            width = batch.templates.shape[1]
            times.append(batch.times if width == 1 else np.repeat(batch.times, width))
            buses.append(bus[templates])
            groups.append(group[templates])
            units.append(size[templates])
            spans.append((index, len(templates)))
        at, size = np.concatenate(times), np.concatenate(units)
        keep = self.bus.admit(at, np.ones(len(at)), np.concatenate(buses))
        keep &= self.group.admit(at, size, np.where(keep, np.concatenate(groups), -1))
        if keep.all():
            return {}
        masks, start = {}, 0
        for index, count in spans:
            mine = keep[start : start + count]
            if not mine.all():
                masks[index] = mine
            start += count
        return masks
