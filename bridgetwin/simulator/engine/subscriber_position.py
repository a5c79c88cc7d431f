"""Where a Custom Event Bus subscriber reads its bus: its own position in the retained log.

A subscriber reads the events its bus keeps (custom-bus facts §2.8), from a position of its own:
- ``LATEST`` (the default): the events published once it exists, from ``subscribers[].created``
  in the scenario (default: the run's start);
- ``POINT_IN_TIME``: the retained past first, oldest first, from ``HORIZON`` (the oldest event the
  bus still keeps when the subscriber is created) or a ``TIMESTAMP``, then live; with an
  ``EndPoint`` it reads nothing published later. The past is read after
  ``eventbridge.replay_startup_delay`` (AWS documents a startup delay, no figure: UNCONFIRMED),
  then as fast as the subscriber's target takes it;
- while it is ``STOPPED`` (in the template, or paused by the scenario) it reads nothing: at its
  resumption it reads what waited, oldest first (``LAST_PROCESSED``), or skips it (``LATEST``).

An event the bus stopped keeping before the subscriber read it is lost without a record
(``RETENTION_EXPIRED``). Events published outside what a subscriber ever reads (before its
starting point, after its end point) are not its events at all: they are not counted for it.
A template's timestamps are epoch seconds, which a run (its clock starts at 0) cannot place:
the scenario gives them in run time (``starting_point``, ``end_point``).
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass

import numpy as np

from bridgetwin.graph import Subscriber
from bridgetwin.simulator.aws.policy import RetryPolicy
from bridgetwin.simulator.engine.targets import TargetState
from bridgetwin.simulator.scenario import Scenario, SubscriberSettings

Stop = tuple[float, float, str]
"""A span in which the subscriber reads nothing: (from, until, position it resumes at)."""


@dataclass(frozen=True)
class Reading:
    """What one subscriber reads of its bus in a run."""

    reads_from: float
    """Events published earlier are not its events (its starting point)."""
    reads_to: float
    """Nor those published later (its end point)."""
    stops: tuple[Stop, ...]
    retention: float
    """How long its bus keeps an event, in seconds."""


def settings_of(subscriber: Subscriber, scenario: Scenario) -> list[SubscriberSettings]:
    """The scenario's ``subscribers`` entries that name ``subscriber``."""
    names = (subscriber.id, subscriber.name)
    return [s for s in scenario.subscribers
            if any(fnmatch.fnmatchcase(n, s.match) for n in names)]  # fmt: skip


def reading(subscriber: Subscriber, scenario: Scenario, retention: float) -> Reading | None:
    """How ``subscriber`` reads its bus under ``scenario`` (None: from the run's start, always
    running, to its end)."""
    settings = settings_of(subscriber, scenario)
    stops = [(p.start, p.end, p.resume) for s in settings for p in s.pauses]
    if not subscriber.enabled:  # STOPPED in the template: for the whole run
        stops = [(0.0, math.inf, "LAST_PROCESSED")]
    created = next((s.created for s in settings if s.created), 0.0)
    reads_from, reads_to = created, math.inf
    if subscriber.starting_position == "POINT_IN_TIME":
        point = next((s.starting_point for s in settings if s.starting_point is not None), None)
        reads_from = max(0.0, created - retention) if point is None else point
        reads_to = next((s.end_point for s in settings if s.end_point is not None), math.inf)
        # the past (and what is published during the startup delay) is read after the delay
        stops.append((-math.inf, created + scenario.eventbridge.replay_startup_delay,
                      "LAST_PROCESSED"))  # fmt: skip
    if not stops and not reads_from and reads_to == math.inf:
        return None
    return Reading(reads_from, reads_to, tuple(sorted(stops)), retention)


class PositionPath:
    """The subscribers' positions in a lane, mixed into ``Lane``: per target key, what it
    reads (``reads``) and when it reads nothing (``pauses``)."""

    targets: list[TargetState]
    _policy: RetryPolicy

    def _init_positions(self) -> None:
        self.reads: dict[int, tuple[float, float]] = {}
        """Per target key of a subscriber that does not read from the run's start to its end:
        the publication times it reads."""
        self.pauses: dict[int, tuple[tuple[Stop, ...], float]] = {}
        """Per target key of a subscriber that stops: its stops and its bus's retention (s)."""

    def set_reading(self, key: int, read: Reading) -> None:
        if read.reads_from > 0 or read.reads_to < math.inf:
            self.reads[key] = (read.reads_from, read.reads_to)
        if read.stops:
            self.pauses[key] = (read.stops, read.retention)

    def _copy_position(self, key: int, new: int) -> None:
        if key in self.reads:
            self.reads[new] = self.reads[key]
        if key in self.pauses:
            self.pauses[new] = self.pauses[key]

    def _readable(self, ready, ingest, keys, origin):
        """The events without those published outside what their subscriber reads."""
        keep = np.ones(len(keys), dtype=bool)
        for key, (first, last) in self.reads.items():
            keep &= (keys != key) | ((ingest >= first) & (ingest <= last))
        if keep.all():
            return ready, ingest, keys, origin
        return ready[keep], ingest[keep], keys[keep], origin[keep]

    def _read_when_running(self, ready, ingest, keys, origin):
        """Events reaching a stopped subscriber: ready at its resumption, skipped (``LATEST``),
        or lost when the bus stopped keeping them first; returned sorted by ready time."""
        ready, keep = ready.copy(), np.ones(len(ready), dtype=bool)
        for key, (windows, retention) in self.pauses.items():
            mine = keys == key
            for stop, resume, position in windows:
                waiting = mine & (ready >= stop) & (ready < resume)
                if not waiting.any():
                    continue
                if position == "LATEST":  # the subscriber reads from its resumption on
                    at = np.full(int(waiting.sum()), resume)
                    self._lost(key, at, ingest[waiting], "NOT_READ_RESUMED_AT_LATEST")
                    keep &= ~waiting
                    continue
                expires = ingest + retention
                expired = waiting & (expires <= resume)
                if expired.any():  # the bus stopped keeping it before the subscriber resumed
                    self._lost(key, expires[expired], ingest[expired], "RETENTION_EXPIRED")
                    keep &= ~expired
                read = waiting & ~expired
                ready[read] = resume
                self.targets[key].resumed.update(dict.fromkeys(ingest[read].tolist(), resume))
        order = np.argsort(ready[keep], kind="stable")
        return (ready[keep][order], ingest[keep][order], keys[keep][order],
                origin[keep][order])  # fmt: skip

    def _lost(self, key: int, at: np.ndarray, ingest: np.ndarray, code: str) -> None:
        """Events the subscriber will never read: dropped at ``at``, with no record (AWS writes
        none); past the run's end they are still waiting, never started."""
        state = self.targets[key]
        for when, ingested in zip(at.tolist(), ingest.tolist(), strict=True):
            if state.finish(when, ingested):
                self._policy.drop(state, when, code)
            else:
                state.censor(ingested)
