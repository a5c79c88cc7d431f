"""Stage 2 of building the model: each (rule, target) pair wired to a lane.

One lane per API destination, shared by every rule that targets it (so they share its rate
limit), with its endpoint's behaviour and its connection's OAuth token cache; one lane per other
target, with its latency, failure rate and concurrency. Each pair gets a ``TargetState`` with
its retry policy and DLQ from the template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bridgetwin.graph import (
    ApiDestination,
    CustomEventBus,
    Graph,
    Pipe,
    Rule,
    SchedulerSchedule,
    Subscriber,
    Target,
    TargetKind,
)
from bridgetwin.graph.arns import target_arn
from bridgetwin.graph.custom_bus_nodes import DEFAULT_RETENTION_DAYS
from bridgetwin.simulator._random import rng_for, uniform_draws
from bridgetwin.simulator.aws.backlog_age import BacklogTracker
from bridgetwin.simulator.aws.behaviour import Behaviour, HttpBehaviour, TargetBehaviour, TokenCache
from bridgetwin.simulator.aws.endpoint_capacity import ServerPool
from bridgetwin.simulator.aws.gates import Concurrency, Gate, TokenBucket, Unlimited
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.aws.service_quotas import RejectingBucket, default_quota
from bridgetwin.simulator.engine.batch_bytes import request_bytes
from bridgetwin.simulator.engine.feeds import Route
from bridgetwin.simulator.engine.functions import FunctionQueues
from bridgetwin.simulator.engine.lane import Lane
from bridgetwin.simulator.engine.subscriber_position import reading
from bridgetwin.simulator.engine.targets import TargetState
from bridgetwin.simulator.scenario import (
    ApiDestinationSettings,
    Endpoint,
    Scenario,
    TargetSettings,
)
from bridgetwin.simulator.scenario.base import first_match

Owner = Rule | Pipe | SchedulerSchedule | Subscriber
"""What invokes a target: a rule, a pipe, a Scheduler schedule, or a Custom Event Bus
subscriber."""


_ACCOUNT_QUOTAS = {TargetKind.SNS: "SNS's Publish quota", TargetKind.LOGS: "CloudWatch Logs' "
                   "PutLogEvents quota"}  # fmt: skip
"""Target services whose API quota the twin cannot place: it is the account's, in a Region."""


def _asynchronous_lambda(target: Target, owner: Owner) -> bool:
    """Whether ``owner`` hands ``target`` to Lambda's asynchronous queue: rules and schedules
    always do; a pipe only with ``InvocationType: FIRE_AND_FORGET``; a subscriber unless its
    ``InvocationType`` is ``REQUEST_RESPONSE`` (unset: ``EVENT``, our assumption)."""
    if target.kind is not TargetKind.LAMBDA:
        return False
    if isinstance(owner, Subscriber):
        return owner.invocation_type != "REQUEST_RESPONSE"
    return not (isinstance(owner, Pipe) and owner.waits_for_lambda)


@dataclass(frozen=True)
class RuleRoutes:
    """Each enabled rule's route for each of its targets, in the order of its targets."""

    by_rule: dict[str, list[Route]]

    def states_of(self, rule: Rule | Subscriber) -> list[tuple[Target, TargetState]]:
        states = [lane.targets[key] for lane, key, _ in self.by_rule.get(rule.id, [])]
        return list(zip(rule.targets, states, strict=False))


class LaneWiring:
    """The lanes and target states of a graph under a scenario, built pair by pair."""

    def __init__(self, graph: Graph, scenario: Scenario, *, latency_by_minute: bool = True) -> None:
        self.graph = graph
        self.latency_by_minute = latency_by_minute
        self.scenario = scenario
        self.lanes: list[Lane] = []
        self.states: list[TargetState] = []
        self.lane_assumptions: list[tuple[Lane, str]] = []
        """Defaults a lane relies on (endpoint behaviour, burst, target behaviour), reported
        when the lane saw events."""
        self.pools: list[tuple[str, Endpoint, ServerPool]] = []
        """API destinations whose endpoint has a capacity: (id, scenario endpoint, workers)."""
        self.functions = FunctionQueues(graph, scenario)
        self._lane_of_destination: dict[str, Lane] = {}
        self._lane_of_resource: dict[str, Lane] = {}
        self._token_caches: dict[str, TokenCache] = {}

    def route_for(self, rule: Rule, target: Target, rule_store: MetricStore) -> Route:
        """Where ``rule``'s events for ``target`` go."""
        return self._route(rule.id, self.graph.rule_arn(rule), rule, target, rule_store)

    def pipe_route(self, pipe: Pipe, store: MetricStore, target: Target) -> Route:
        """Where a pipe's records for its target go: the same lanes as rules' (a pipe and a
        rule that target one API destination share its rate limit). ``target``: the pipe's,
        with the retry limits and DLQ its source imposes."""
        return self._route(pipe.id, pipe.arn, pipe, target, store)

    def schedule_route(self, schedule: SchedulerSchedule, store: MetricStore) -> Route:
        """Where a Scheduler schedule's invocations of its target go (a target it invokes
        directly, with the schedule's retry policy and DLQ, through the target's lane)."""
        return self._route(schedule.id, schedule.arn, schedule, schedule.target, store)

    def subscriber_route(self, subscriber: Subscriber, store: MetricStore) -> Route:
        """Where a Custom Event Bus subscriber's events go: its target's lane, shared with the
        rules, pipes and schedules that target the same resource (one API destination's rate
        limit serves them all), with the subscriber's retry limits and on-failure queue."""
        route = self._route(subscriber.id, subscriber.arn, subscriber, subscriber.target, store)
        lane, key, _ = route
        lane.targets[key].fifo = subscriber.ordering == "FIFO"
        if subscriber.batch_size > 1:  # several events per invocation (:mod:`.batches`)
            lane.batching[key] = (subscriber.batch_size, float(subscriber.batch_window_seconds))
            lane.targets[key].batch_size = subscriber.batch_size
            lane.targets[key].request_bytes = request_bytes(
                subscriber, self.scenario.eventbridge.max_request_bytes
            )
        bus = self.graph.find(subscriber.bus)
        days = bus.retention_days if isinstance(bus, CustomEventBus) else DEFAULT_RETENTION_DAYS
        read = reading(subscriber, self.scenario, days * 86_400.0)
        if read is not None:  # not from the run's start to its end, running all along
            lane.set_reading(key, read)
        return route

    def _route(
        self, owner_id: str, owner_arn: str, owner: Owner, target: Target, store: MetricStore
    ) -> Route:
        if target.kind is TargetKind.API_DESTINATION and target.resource:
            lane = self._lane_of_destination.get(target.resource)
            if lane is None:
                lane = self._api_lane(self.graph.get(target.resource))
                self._lane_of_destination[target.resource] = lane
        else:
            lane = self._quota_lane(target, owner) or self._target_lane(owner_id, target, owner)
        lane.targets.append(self._state(owner_id, owner_arn, owner, target))
        key = len(lane.targets) - 1
        if _asynchronous_lambda(target, owner):  # the invoker's part ends when Lambda accepts
            settings = self._target_settings(target)
            fallback = settings.concurrency if settings else None
            lane.delivery_sinks[key] = self.functions.queue_for(target, fallback).accept
            lane.per_invocation.add(key)  # a batch is one invocation of the function
        return lane, key, store

    @staticmethod
    def group_route(base: Route) -> Route:
        """A key of its own in ``base``'s lane for one event group of a FIFO subscriber: the
        lane starts its requests one at a time, each after the one before has finished."""
        lane, key, store = base
        group = lane.sibling(key)
        lane.fifo.add(group)
        if key in lane.delivery_sinks:
            lane.delivery_sinks[group] = lane.delivery_sinks[key]
        return lane, group, store

    @staticmethod
    def hop_route(base: Route, sink: Callable[[np.ndarray, np.ndarray], None]) -> Route:
        """A key of its own in ``base``'s lane, for the same target, whose successful
        deliveries go to ``sink`` (a bus-to-bus hop, see :mod:`.hops`)."""
        lane, key, store = base
        hop = lane.sibling(key)
        lane.delivery_sinks[hop] = sink
        lane.carries_origin = True
        return lane, hop, store

    def _api_lane(self, destination: ApiDestination) -> Lane:
        scenario, seed = self.scenario, self.scenario.seed
        settings = first_match(scenario.api_destinations, destination.id, destination.endpoint)
        settings = settings or ApiDestinationSettings()
        rate = destination.rate_limit_per_second
        endpoint = first_match(scenario.endpoints, destination.endpoint, destination.id)
        connection = self.graph.get(destination.connection) if destination.connection else None
        tokens = None
        if connection is not None and connection.authorization_type == "OAUTH_CLIENT_CREDENTIALS":
            tokens = self._token_caches.setdefault(connection.id, TokenCache())
        behaviour = HttpBehaviour(
            endpoint or Endpoint(),
            scenario.eventbridge.invocation_timeout,
            rng_for(seed, f"endpoint:{destination.id}"),
            tokens,
        )
        lane = self._lane(
            TokenBucket(rate, settings.burst or max(1, int(rate))), behaviour, destination.id
        )
        if endpoint is None:
            self.lane_assumptions.append((lane, (
                f"{destination.id}: no scenario endpoint matches {destination.endpoint}; "
                "assumed 50ms latency, 200 for every request and unlimited capacity")))  # fmt: skip
        elif behaviour.pool is None:
            self.lane_assumptions.append((lane, (
                f"{destination.id}: {destination.endpoint} answers as fast at any load "
                "(unlimited capacity; endpoints[].capacity sets its workers)")))  # fmt: skip
        else:
            self.pools.append((destination.id, endpoint, behaviour.pool))
        if settings.burst is None:
            self.lane_assumptions.append((lane, (
                f"{destination.id}: token-bucket burst of {max(1, int(rate))} (one second of its "
                "rate limit; AWS publishes no burst: api_destinations[].burst)")))  # fmt: skip
        return lane

    def _lane(self, gate: Gate, behaviour: Behaviour, name: str) -> Lane:
        lane = Lane(
            gate,
            behaviour,
            [],
            self.scenario.eventbridge.retry_backoff,
            uniform_draws(rng_for(self.scenario.seed, f"backoff:{name}")),
        )
        self.lanes.append(lane)
        return lane

    def _target_settings(self, target: Target) -> TargetSettings | None:
        return first_match(
            self.scenario.targets, target.resource or "", target.arn, target.kind.value
        )

    def _quota_lane(self, target: Target, owner: Owner) -> Lane | None:
        """A target whose API has a quota: one lane per resource, shared by every rule that
        targets it, so its requests meet the quota in time order."""
        settings = self._target_settings(target) or TargetSettings()
        documented = default_quota(self.graph, target, owner.region)
        if settings.quota is None and documented is None:
            return None
        key = target.resource or target.arn
        lane = self._lane_of_resource.get(key)
        if lane is not None:
            return lane
        if settings.quota is not None:
            rate = settings.quota
            burst = float(settings.quota_burst or max(1, int(rate)))
        else:
            assert documented is not None
            rate, burst, text = documented
            burst = float(settings.quota_burst or burst)
        bucket = RejectingBucket(rate, burst)
        rng = rng_for(self.scenario.seed, f"target:{key}")
        limited = settings.concurrency
        gate = Concurrency(limited) if limited else Unlimited()
        lane = self._lane(gate, TargetBehaviour(settings, rng, bucket), key)
        self._lane_of_resource[key] = lane
        if settings.quota is None:
            text = f"{key} ({target.kind.value}): {text} (AWS's default; targets[].quota)"
            self.lane_assumptions.append((lane, text))
        return lane

    def _target_lane(self, owner_id: str, target: Target, owner: Owner) -> Lane:
        seed = self.scenario.seed
        name = f"{owner_id}/{target.target_id}"
        matched = self._target_settings(target)
        settings = matched or TargetSettings()
        # an async Lambda target's concurrency is the function's, in its queue (:mod:`.functions`)
        limited = settings.concurrency and not _asynchronous_lambda(target, owner)
        gate = Concurrency(settings.concurrency) if limited else Unlimited()
        lane = self._lane(gate, TargetBehaviour(settings, rng_for(seed, f"target:{name}")), name)
        if target.kind in _ACCOUNT_QUOTAS:
            self.lane_assumptions.append((lane, (
                f"{name} ({target.kind.value}): no API quota applied; "
                f"{_ACCOUNT_QUOTAS[target.kind]} is per account and Region, shared with every "
                "other caller (targets[].quota sets the share this target gets)")))  # fmt: skip
        if isinstance(owner, Pipe) and owner.waits_for_lambda:
            self.lane_assumptions.append((lane, (
                f"{name}: the pipe invokes {target.resource or target.arn} synchronously "
                "(REQUEST_RESPONSE, the pipes' default): an attempt lasts the invocation, timed "
                "by the scenario's targets entry for the function (functions[] models "
                "asynchronous invocations), its concurrency not shared with the function's "
                "async queue")))  # fmt: skip
        if matched is None:
            self.lane_assumptions.append((lane, (
                f"{name} ({target.kind.value}): no scenario target matches it; assumed "
                f"{settings.latency.value * 1e3:g} ms per invocation, no failures and unlimited "
                "concurrency")))  # fmt: skip
        return lane

    def _state(self, owner_id: str, owner_arn: str, owner: Owner, target: Target) -> TargetState:
        policy = target.retry_policy
        state = TargetState(
            rule_id=owner_id,
            target_id=target.target_id,
            rule_arn=owner_arn,
            target_arn=target_arn(self.graph, owner, target),  # type: ignore[arg-type]
            max_retries=policy.maximum_retry_attempts,
            max_age=float(policy.maximum_event_age_seconds),
            has_dlq=target.dead_letter_queue is not None,
            horizon=self.scenario.horizon,
            by_minute=self.latency_by_minute,
        )
        if isinstance(owner, Subscriber):  # RetryStrategy ALL; the record names the bus
            bus = self.graph.find(owner.bus)
            state.retry_all = True
            state.owner_arns = (("SUBSCRIBER_ARN", owner_arn),
                                ("BUS_ARN", bus.arn if bus is not None else owner.bus))  # fmt: skip
            state.backlog = BacklogTracker(state.store)
        self.states.append(state)
        return state
