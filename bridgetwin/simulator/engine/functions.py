"""Lambda targets: each function's async queue, fed by the lanes that deliver to it.

EventBridge's part of a Lambda target ends when Lambda accepts the event (the lane's attempt:
the Invoke call's latency and failures, from ``targets:``); what the function then does happens in
its async queue (:mod:`..aws.lambda_async`), one per function, shared by every rule that targets
it. A lane hands each accepted event to the queue as a delivery sink; the queue runs at the end
of each step, once every lane has run, so it sees every acceptance before the step's end in time
order (later steps only start later requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Graph, LambdaFunction, Target
from bridgetwin.graph.service_nodes import AsyncInvokeConfig
from bridgetwin.simulator._random import Draws, latency_sampler, rng_for, uniform_draws
from bridgetwin.simulator.aws.lambda_async import AsyncQueue
from bridgetwin.simulator.results.records import SimulationError
from bridgetwin.simulator.results.statistics import LatencySamples
from bridgetwin.simulator.scenario import FunctionSettings, Scenario
from bridgetwin.simulator.scenario.base import first_match


@dataclass
class FunctionModel:
    """One function's queue and what it was built from, for the result."""

    name: str
    queue: AsyncQueue
    concurrency_from: str
    config: AsyncInvokeConfig
    on_failure: str | None
    latencies: tuple[LatencySamples, LatencySamples]
    """Acceptance to the first run, and to the end of the successful run."""


class FunctionQueues:
    """The async queue of every function a rule targets, created on first use."""

    def __init__(self, graph: Graph, scenario: Scenario) -> None:
        self.graph = graph
        self.scenario = scenario
        self.models: dict[str, FunctionModel] = {}
        self.assumptions: list[str] = []

    def queue_for(self, target: Target, fallback_concurrency: int | None) -> AsyncQueue:
        """The queue of the function ``target`` invokes (``fallback_concurrency``: a
        ``targets:`` entry's concurrency, used when ``functions:`` gives none)."""
        node = self.graph.find(target.resource) if target.resource else None
        function = node if isinstance(node, LambdaFunction) else None
        key = function.id if function else target.arn
        model = self.models.get(key)
        if model is None:
            model = self._model(key, function, fallback_concurrency)
            self.models[key] = model
        return model.queue

    def _model(
        self, key: str, function: LambdaFunction | None, fallback: int | None
    ) -> FunctionModel:
        scenario = self.scenario
        names = (key, function.name) if function else (key,)
        matched: FunctionSettings | None = first_match(scenario.functions, *names)
        settings = matched or FunctionSettings()
        config = self.graph.async_config(function) if function else AsyncInvokeConfig()
        on_failure = config.on_failure or (function.dead_letter if function else None)
        if settings.concurrency is not None:
            concurrency, source = settings.concurrency, "functions[].concurrency"
        elif function is not None and function.reserved_concurrency is not None:
            concurrency, source = function.reserved_concurrency, "ReservedConcurrentExecutions"
        elif fallback is not None:
            concurrency, source = fallback, "targets[].concurrency"
        else:
            concurrency = scenario.lambda_async.unreserved_concurrency
            source = "lambda_async.unreserved_concurrency"
            self.assumptions.append(
                f"{key}: no reserved concurrency; it may use all {concurrency:,} of the "
                "account's unreserved concurrency, shared with no other function "
                "(lambda_async.unreserved_concurrency)"
            )
        rng = rng_for(scenario.seed, f"function:{key}")
        latencies = (LatencySamples(), LatencySamples())
        throttle = scenario.lambda_async.throttle_retry
        queue = AsyncQueue(
            concurrency,
            (
                float(config.maximum_event_age_seconds),
                config.maximum_retry_attempts,
                function.timeout_seconds if function else 900.0,
            ),
            on_failure is not None,
            (Draws(latency_sampler(settings.duration, rng)), uniform_draws(rng),
             settings.error_rate),
            (throttle.base, throttle.factor, throttle.cap),
            scenario.horizon,
            latencies,
        )  # fmt: skip
        if matched is None:
            self.assumptions.append(
                f"{key}: no scenario functions entry matches it; assumed "
                f"{settings.duration.value * 1e3:g} ms per run and no errors (functions[])"
            )
        if function is None:
            self.assumptions.append(
                f"{key}: the function is not in the loaded templates; Lambda's default async "
                "settings apply (6 h, 2 retries, no on-failure destination) and a 900 s timeout"
            )
        return FunctionModel(key, queue, source, config, on_failure, latencies)

    def run_until(self, t_end: float) -> None:
        for model in self.models.values():
            model.queue.run_until(t_end)

    def results(self) -> tuple[dict[str, Any], ...]:
        """Per function: what its queue did with the events it received."""
        out = []
        for key, model in self.models.items():
            stats = model.queue.stats
            finished = stats.succeeded + stats.to_failure_destination + stats.lost
            if stats.received != finished + model.queue.in_flight:
                raise SimulationError(
                    f"conservation violated for function {key}: received {stats.received} != "
                    f"{finished} finished + {model.queue.in_flight} in flight"
                )
            out.append(
                {
                    "function": key,
                    "concurrency": model.queue.concurrency,
                    "concurrency_from": model.concurrency_from,
                    "maximum_event_age_s": model.config.maximum_event_age_seconds,
                    "maximum_retry_attempts": model.config.maximum_retry_attempts,
                    "on_failure": model.on_failure,
                    "counts": {
                        "received": stats.received,
                        "succeeded": stats.succeeded,
                        "to_on_failure": stats.to_failure_destination,
                        "lost": stats.lost,
                        "in_flight": model.queue.in_flight,
                        "throttles": stats.throttles,
                        "function_errors": stats.function_errors,
                    },
                    "by_condition": dict(sorted(stats.by_condition.items())),
                    "latency_ms": {
                        "start": model.latencies[0].summary(),
                        "success": model.latencies[1].summary(),
                    },
                }
            )
        return tuple(out)
