"""EventBridge Pipes: records a pipe polls from a queue, filtered, batched and delivered.

AWS (eventbridge-facts §10): a pipe reads its source in batches (``BatchSize``, up to
``MaximumBatchingWindowInSeconds`` of waiting for a batch to fill), drops records that no
``FilterCriteria`` pattern matches, and invokes its target: an API destination (through that
destination's rate limit, which it shares with every rule that targets it), an event bus, Lambda,
a queue and others. The twin follows a pipe whose source is an SQS queue that rules in the loaded
stacks deliver to, or that the scenario's ``queue_traffic`` sends messages to (producers outside
the deployment): each event a rule delivers there, or each message sent, becomes a record whose
``body`` is the event or message, the pipe's filter is applied to that record, and what passes
reaches the pipe's target lane, one invocation per record, as a target of the pipe with the
pipe's retry limits and DLQ.

A record whose invocation fails goes back to its SQS queue: it is received again after the
queue's ``VisibilityTimeout`` (30 s by default), until ``RedrivePolicy.maxReceiveCount``
receives: SQS moves it to the redrive dead-letter queue on the receive that would exceed that
count, one visibility timeout after the last failure, as the message it was (without EventBridge's
DLQ attributes; without a redrive policy, it is received again until ``MessageRetentionPeriod``
ends, then deleted): the target result's DLQ (condition ``maxReceiveCount``) and drops count
those.

What we simplify, each stated in the result: a batch forms among records delivered together
(one lane block) and is released when full or when its window ends, and a failed record is
retried alone, not with its batch; records pass the Region's ingestion (processing latency and
invocation quota) like events; an enrichment is not simulated, nor are
sources neither a rule in the loaded stacks nor ``queue_traffic`` feeds (a warning names each).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.graph import EventBus, Graph, Pipe, Queue, RetryPolicy, Target
from bridgetwin.simulator._random import rng_for
from bridgetwin.simulator.engine.binding import traffic_queue
from bridgetwin.simulator.engine.feeds import Feed, Route
from bridgetwin.simulator.engine.hops import HopNetwork, HopSource, QueueReaders, Sink
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.wiring import LaneWiring
from bridgetwin.simulator.engine.workload import call_times, event_as_delivered
from bridgetwin.simulator.results.records import Finding
from bridgetwin.simulator.scenario import Scenario


def batch_releases(times: np.ndarray, size: int, window: float) -> np.ndarray:
    """When each record (sorted ``times``) leaves the source: its batch is released when it
    holds ``size`` records or ``window`` seconds after its first record, whichever first."""
    out = np.empty(len(times))
    start = 0
    while start < len(times):
        first = times[start]
        end = start + 1
        while end < len(times) and end - start < size and times[end] <= first + window:
            end += 1
        full = end - start == size
        out[start:end] = times[end - 1] if full else first + window
        start = end
    return out


def _redriven(target: Target, queue: Queue) -> Target:
    """A pipe's target as its SQS source decides its retries: a failed record goes back to the
    queue and is received again (after the visibility timeout) until ``maxReceiveCount``
    receives, then SQS moves it to the redrive DLQ; without a redrive policy it is received
    again until the queue's retention period ends, then deleted."""
    if queue.max_receive_count is not None:
        policy = RetryPolicy(queue.max_receive_count - 1, queue.message_retention_seconds, True)
        return dataclasses.replace(target, retry_policy=policy, dead_letter_queue=queue.redrive_dlq)
    policy = RetryPolicy(UNLIMITED_RECEIVES, queue.message_retention_seconds, True)
    return dataclasses.replace(target, retry_policy=policy, dead_letter_queue=None)


UNLIMITED_RECEIVES = 1 << 40
"""Receives of a message when its queue has no redrive policy: bounded only by its age."""


class PipeSource(HopSource):
    """Records polled by one pipe: delivered to its queue, released in batches."""

    def __init__(self, horizon: float, size: int, window: float) -> None:
        super().__init__(horizon)
        self._size, self._window = size, window
        self.horizon = horizon
        self.received = 0
        """Records delivered to the source queue within the run."""
        self.late: dict[int, int] = {}
        """By template: records received within the run whose batch leaves after its end."""

    def push(self, times: np.ndarray, template: int, origins: np.ndarray) -> None:
        self.push_records(times, np.full(len(times), template), origins)

    def push_records(self, times: np.ndarray, templates: np.ndarray, origins: np.ndarray) -> None:
        """Records of several templates arriving together: batched together."""
        self.received += int(np.count_nonzero(times <= self.horizon))
        order = np.argsort(times, kind="stable")
        released = batch_releases(times[order], self._size, self._window)
        templates, origins = templates[order], origins[order]
        late = (times[order] <= self.horizon) & (released > self.horizon)
        for template in templates[late].tolist():
            self.late[template] = self.late.get(template, 0) + 1
        for template in np.unique(templates).tolist():
            mine = templates == template
            super().push(released[mine], template, origins[mine])


@dataclass
class PipeModel:
    pipe: Pipe
    source: PipeSource
    feed: Feed
    target: Route
    templates: dict[str, int] = field(default_factory=dict)
    """Record (as JSON) -> template number in the feed."""
    filtered: dict[int, bool] = field(default_factory=dict)
    """Template number -> whether the filter drops it."""
    filtered_out: int = 0


class PipeNetwork:
    """The pipes the twin follows, their feeds, and where rule deliveries join them."""

    def __init__(
        self,
        graph: Graph,
        scenario: Scenario,
        stores: MetricStores,
        hops: HopNetwork,
        readers: QueueReaders,
        wiring: LaneWiring,
    ) -> None:
        self._graph, self._scenario, self._stores, self._hops = graph, scenario, stores, hops
        self.models: dict[str, PipeModel] = {}
        """By source queue graph id."""
        self.warnings: list[Finding] = []
        readers.register(self.onward)
        fed = {t.resource for r in graph.rules if r.enabled for t in r.targets}
        sent = {traffic_queue(graph, scenario, n): n
                for n in range(len(scenario.queue_traffic))}  # fmt: skip
        for pipe in graph.pipes:
            if pipe.running:
                self._add(pipe, wiring, fed | set(sent))
        for queue, number in sent.items():
            if queue in self.models:
                self._send(self.models[queue], number)

    def _add(self, pipe: Pipe, wiring: LaneWiring, fed: set[str | None]) -> None:
        if pipe.enrichment:
            text = (
                f"{pipe.id}: its enrichment {pipe.enrichment} is not simulated (its latency, "
                "failures and any rate limit it shares are missing)"
            )
            self.warnings.append(Finding("pipe-enrichment-not-simulated", text))
        if pipe.source_kind != "sqs" or pipe.source not in fed or pipe.source in self.models:
            text = (
                f"{pipe.id}: nothing in the loaded stacks delivers to its source "
                f"{pipe.source or pipe.source_arn}; the records it would move are missing from "
                "this prediction (the twin follows pipes on SQS queues that rules feed or "
                "that the scenario's queue_traffic sends to)"
            )
            self.warnings.append(Finding("pipe-not-simulated", text))
            return
        store = self._stores.owner(pipe.id)
        source = PipeSource(self._scenario.horizon, pipe.batch_size, pipe.batching_window_seconds)
        feed = Feed(f"pipe:{pipe.id}", source, [], [], kind="pipe")
        queue = self._graph.find(pipe.source or "")
        target = _redriven(pipe.target, queue) if isinstance(queue, Queue) else pipe.target
        route = wiring.pipe_route(pipe, store, target)
        lane, key, _ = route  # end-to-end latencies from the event's ingestion or the send
        lane.carries_origin = lane.targets[key].chained = True
        if isinstance(queue, Queue):  # a failed record is received again after the timeout
            lane.targets[key].retry_delay = float(queue.visibility_timeout_seconds)
            lane.targets[key].redrive = queue.max_receive_count is not None
        self.models[pipe.source] = PipeModel(pipe, source, feed, route)

    def onward(self, target: Target, event: dict[str, Any]) -> Sink | None:
        """For a rule target that is a pipe's source queue: where deliveries of ``event`` go."""
        model = self.models.get(target.resource or "")
        if model is None:
            return None
        number = self._template(model, event)
        source, filtered = model.source, model.filtered[number]

        def deliver(ends: np.ndarray, origins: np.ndarray) -> None:
            if filtered:
                model.filtered_out += int(np.count_nonzero(ends <= source.horizon))
            source.push(ends, number, origins)

        return deliver

    def _template(self, model: PipeModel, body: Any) -> int:
        """The feed's template number of the SQS record whose body is ``body`` (its routes:
        none when the pipe's filter drops it)."""
        record = {"body": body, "eventSource": "aws:sqs"}
        key = json.dumps(record, sort_keys=True)
        number = model.templates.get(key)
        if number is None:
            number = model.templates[key] = len(model.feed.routes)
            pipe = model.pipe
            passes = not pipe.filters or any(f.matches(record) for f in pipe.filters)
            model.filtered[number] = not passes
            model.feed.routes.append(self._routes(model, record) if passes else [])
            model.feed.entry_ok.append(True)
        return number

    def _send(self, model: PipeModel, number: int) -> None:
        """``queue_traffic[number]``: every message of the run, into the pipe's source."""
        traffic, horizon = self._scenario.queue_traffic[number], self._scenario.duration
        rng = rng_for(self._scenario.seed, f"queue_traffic:{number}")
        times = call_times(traffic, (0.0, min(traffic.end or horizon, horizon)), rng)
        weights = np.asarray([m.weight for m in traffic.messages])
        chosen = rng.choice(len(weights), size=len(times), p=weights / weights.sum())
        templates = [self._template(model, m.body) for m in traffic.messages]
        dropped = np.asarray([model.filtered[t] for t in templates], dtype=bool)[chosen]
        model.filtered_out += int(np.count_nonzero(dropped & (times <= horizon)))
        model.source.push_records(times, np.asarray(templates)[chosen], times)

    def _routes(self, model: PipeModel, record: dict[str, Any]) -> list[Route]:
        """A record that passed the filter: to the target lane, and on to a bus target's rules."""
        pipe, hops = model.pipe, self._hops
        bus = self._graph.find(pipe.target.resource or "")
        if not isinstance(bus, EventBus):
            return [model.target]
        event = {"source": f"Pipe {pipe.name}", "detail-type": "Event from aws:sqs",
                 "detail": record["body"]}  # fmt: skip
        delivered = event_as_delivered(event, bus.region, bus.account)
        sink = hops.arrival(bus.id, delivered, 1, pipe.region)
        return [LaneWiring.hop_route(model.target, sink)]

    def feeds(self) -> list[tuple[str, Feed]]:
        return [(m.pipe.region, m.feed) for m in self.models.values()]

    def results(self) -> tuple[dict[str, Any], ...]:
        out = []
        for model in self.models.values():
            out.append({
                "pipe": model.pipe.id,
                "source": model.pipe.source,
                "target": model.pipe.target.resource or model.pipe.target.arn,
                "received": model.source.received,
                "filtered_out": model.filtered_out,
                "waiting_at_end": sum(count for template, count in model.source.late.items()
                                      if not model.filtered[template]),
            })  # fmt: skip
        return tuple(out)
