"""Archives and replays: the events a bus archives, put on it again when a replay runs.

AWS (eventbridge-facts §10, ``StartReplay``): an archive keeps the events of its bus that match
its pattern (every event without one); a replay sends the events of a time window back to the
bus, "based on the time in the event ... using 1 minute intervals": the first minute of the
window first, then the second, each replayed event carrying ``replay-name``. The replay goes
through the bus's rules again (all of them, or those its ``FilterArns`` name), so replayed events
compete with live traffic for the Region's invocation quota and each destination's rate limit.

What we choose where AWS is silent (UNCONFIRMED, configurable): how fast a replay runs; each
archived minute is put on the bus over ``replays[].pace`` of run time (default 1 s, so an hour of
events in a minute), in event-time order. Events reach the archive when they are ingested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.graph import Archive, Graph
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.feeds import Feed
from bridgetwin.simulator.engine.hops import HopNetwork
from bridgetwin.simulator.scenario import Replay, Scenario, ScenarioError


def _window(replay: Replay) -> tuple[float, float]:
    """The event times ``[from, to)`` a replay puts back on its bus."""
    return replay.events_from, replay.start if replay.events_to is None else replay.events_to


@dataclass
class ArchiveRecorder:
    """The events one archive kept during the run: how many, and per distinct event the times
    of those a scenario replay will put back (only those: an archive of a busy bus over a long
    run would otherwise hold every event in memory)."""

    archive: Archive
    events: list[dict[str, Any]] = field(default_factory=list)
    times: list[list[np.ndarray]] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    kept: int = 0
    windows: list[tuple[float, float]] = field(default_factory=list)
    """The event-time windows ``[from, to)`` the scenario's replays of this archive read."""

    def slot(self, event: dict[str, Any]) -> int:
        key = json.dumps(event, sort_keys=True)
        if key not in self.index:
            self.index[key] = len(self.events)
            self.events.append(event)
            self.times.append([])
        return self.index[key]

    def record(self, index: int, times: np.ndarray) -> None:
        self.kept += len(times)
        if not self.windows or not len(times):
            return
        wanted = np.zeros(len(times), dtype=bool)
        for low, high in self.windows:
            wanted |= (times >= low) & (times < high)
        if wanted.all():
            self.times[index].append(times)
        elif wanted.any():
            self.times[index].append(times[wanted])


class ReplaySource:
    """A replay's events, emitted once the replay starts, minute by minute of event time."""

    width = 1
    min_retry_delay = 1.0

    def __init__(self, recorder: ArchiveRecorder, replay: Replay) -> None:
        self.recorder = recorder
        self._replay = replay
        self._pending: tuple[np.ndarray, np.ndarray] | None = None
        self.replayed = 0

    def _gather(self) -> None:
        """The archived events of the window, with the times the replay puts them on the bus."""
        replay = self._replay
        low, end = _window(replay)
        times, templates = [], []
        for index, parts in enumerate(self.recorder.times):
            if parts:
                kept = np.concatenate(parts)
                kept = kept[(kept >= low) & (kept < end)]
                times.append(kept)
                templates.append(np.full(len(kept), index, dtype=np.int64))
        at = np.concatenate(times) if times else np.empty(0)
        which = np.concatenate(templates) if templates else np.empty(0, dtype=np.int64)
        emitted = replay.start + (at - replay.events_from) / 60.0 * replay.pace
        order = np.argsort(emitted, kind="stable")
        self._pending = (emitted[order], which[order])

    def due_before(self, t1: float) -> bool:
        if self._pending is None:
            return self._replay.start < t1
        return bool(len(self._pending[0])) and self._pending[0][0] < t1

    def take(self, t1: float) -> Batch:
        if self._pending is None:
            if self._replay.start >= t1:
                return Batch.empty(1)
            self._gather()
        assert self._pending is not None
        times, templates = self._pending
        cut = int(np.searchsorted(times, t1, side="left"))
        self._pending = (times[cut:], templates[cut:])
        self.replayed += cut
        return Batch(times[:cut], templates[:cut].reshape(-1, 1), np.zeros(cut, dtype=np.int64))

    def failed(self, batch: Batch, *, throttled: bool) -> None:  # replays are never rejected
        raise AssertionError("a replay's events are not rejected (UNREJECTED feeds)")


def _filter_arns(allowed: set[str]):
    """A replay's ``FilterArns``: only the rules named (every rule when none is)."""
    return lambda rule: not allowed or bool(allowed & {rule.id, rule.name})


class Replays:
    """Every archive's recorder, wired into the feeds of its bus, and each scenario replay."""

    def __init__(self, graph: Graph, scenario: Scenario, hops: HopNetwork) -> None:
        self._graph, self._scenario, self._hops = graph, scenario, hops
        self.recorders = {a.id: ArchiveRecorder(a) for a in graph.archives}
        self.sources: list[tuple[Replay, ReplaySource]] = []
        for number, replay in enumerate(scenario.replays):
            self._named(replay.archive, number).windows.append(_window(replay))

    def attach(self, feeds: list[Feed]) -> None:
        """Let each archive keep the events of its bus that match its pattern."""
        for recorder in self.recorders.values():
            archive = recorder.archive
            for feed in feeds:
                if feed.bus != archive.source_bus or not feed.events:
                    continue
                if not feed.archived:
                    feed.archived = [[] for _ in feed.routes]
                for number, event in enumerate(feed.events):
                    if archive.pattern is None or archive.pattern.matches(event):
                        feed.archived[number].append((recorder, recorder.slot(event)))

    def replay_feeds(self) -> list[tuple[str, Feed]]:
        """One feed per scenario replay, into the archive's bus, through its rules."""
        graph, out = self._graph, []
        for number, replay in enumerate(self._scenario.replays):
            recorder = self._named(replay.archive, number)
            bus_id = recorder.archive.source_bus
            admits = _filter_arns(set(replay.rules))
            source = ReplaySource(recorder, replay)
            feed = Feed(f"replay:{replay.name}", source, [], [], kind="replay", bus=bus_id)
            for event in recorder.events:
                replayed = {**event, "replay-name": replay.name}
                feed.routes.append(self._hops.routes_on(bus_id, replayed, admits=admits))
                feed.entry_ok.append(True)
            self.sources.append((replay, source))
            out.append((graph.get(bus_id).region, feed))
        return out

    def _named(self, name: str, number: int) -> ArchiveRecorder:
        for recorder in self.recorders.values():
            if name in (recorder.archive.id, recorder.archive.name):
                return recorder
        known = ", ".join(sorted(self.recorders)) or "none in the loaded stacks"
        raise ScenarioError(f"replays.{number}.archive: '{name}' is not an archive; known: {known}")

    def results(self) -> tuple[dict[str, Any], ...]:
        return tuple(
            {
                "archive": recorder.archive.id,
                "bus": recorder.archive.source_bus,
                "archived": recorder.kept,
                "replays": [
                    {"name": replay.name, "replayed": source.replayed}
                    for replay, source in self.sources
                    if source.recorder is recorder
                ],
            }
            for recorder in self.recorders.values()
        )
