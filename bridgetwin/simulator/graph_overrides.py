"""Apply a scenario's ``overrides:`` to a deployment graph: a new graph, and what changed.

The graph is immutable, so each override makes a changed copy of the nodes it matches
(``dataclasses.replace``). Globs match logical ids and names (targets: ``RULE/TARGET_ID``);
a glob that matches nothing is a :class:`ScenarioError` listing what exists, and every change is
described in words for the result (``Result.overrides``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable
from typing import Any

from bridgetwin.graph import Graph, RetryPolicy
from bridgetwin.graph.custom_bus_nodes import BATCH_LIMITS
from bridgetwin.simulator.scenario import ScenarioError
from bridgetwin.simulator.scenario.overrides import Overrides

DLQ_STAND_IN = "override-dlq"
"""The dead-letter queue an override gives a target that had none."""


def _matching(section: str, glob: str, nodes: Iterable[Any], names) -> list[Any]:
    nodes = list(nodes)
    found = [n for n in nodes if any(fnmatch.fnmatchcase(x, glob) for x in names(n) if x)]
    if not found:
        known = sorted({x for n in nodes for x in names(n) if x})
        raise ScenarioError(
            f"overrides.{section}.{glob}: matches nothing; known: {', '.join(known) or 'none'}"
        )
    return found


def _set(node: Any, changes: dict[str, Any], what: str, applied: list[str]) -> Any:
    before = {k: getattr(node, k) for k in changes}
    if before == changes:
        return node
    applied.append(
        f"{what} {node.id}: " + ", ".join(f"{k} {before[k]!r} -> {changes[k]!r}" for k in changes)
    )
    return dataclasses.replace(node, **changes)


def apply_overrides(graph: Graph, overrides: Overrides) -> tuple[Graph, tuple[str, ...]]:
    """The graph with the overrides applied, and one line per change."""
    applied: list[str] = []
    nodes = {
        "api_destinations": list(graph.api_destinations),
        "rules": list(graph.rules),
        "alarms": list(graph.alarms),
        "functions": list(graph.functions),
        "endpoints": list(graph.endpoints),
        "subscribers": list(graph.subscribers),
    }

    def each(section: str, key: str, mapping: dict[str, Any], names, change) -> None:
        for glob, override in mapping.items():
            for node in _matching(section, glob, nodes[key], names):
                index = nodes[key].index(node)
                nodes[key][index] = change(node, override)

    def destination(node: Any, o: Any) -> Any:
        fields = {"rate_limit_per_second": o.rate_limit} if o.rate_limit is not None else {}
        return _set(node, fields, "API destination", applied)

    def alarm(node: Any, o: Any) -> Any:
        fields = {k: v for k, v in o.model_dump().items() if v is not None}
        return _set(node, fields, "alarm", applied)

    def function(node: Any, o: Any) -> Any:
        fields = {"reserved_concurrency": o.reserved_concurrency}
        return _set(node, fields if o.reserved_concurrency is not None else {}, "function", applied)

    def endpoint(node: Any, o: Any) -> Any:
        fields = {"replication_enabled": o.replication} if o.replication is not None else {}
        return _set(node, fields, "global endpoint", applied)

    def delivery(node: Any, o: Any) -> Any:
        fields = {name: value for name, value in (
            ("batch_size", o.batch_size), ("ordering", o.ordering), ("state", o.state),
            ("batch_window_seconds", None if o.batch_window is None else int(o.batch_window)),
        ) if value is not None}  # fmt: skip
        largest = BATCH_LIMITS.get(node.target_family, (500, 0))[0]
        if fields.get("batch_size", 0) > largest:
            raise ScenarioError(
                f"overrides.subscribers: batch_size {fields['batch_size']} for {node.id} is over "
                f"its target's maximum ({node.target_family}: {largest})"
            )
        return _set(node, fields, "subscriber", applied)

    each("api_destinations", "api_destinations", overrides.api_destinations,
         lambda n: (n.id, n.name), destination)  # fmt: skip
    each("alarms", "alarms", overrides.alarms, lambda n: (n.id,), alarm)
    each("subscribers", "subscribers", overrides.subscribers, lambda n: (n.id, n.name), delivery)
    each("functions", "functions", overrides.functions, lambda n: (n.id, n.name), function)
    each("global_endpoints", "endpoints", overrides.global_endpoints,
         lambda n: (n.id, n.name), endpoint)  # fmt: skip
    for glob, override in overrides.targets.items():  # a rule's targets, or a subscriber's one
        pairs = [(r, t) for key in ("rules", "subscribers") for r in nodes[key] for t in r.targets]
        names = {f"{r.id}/{t.target_id}" for r, t in pairs} | {
            f"{r.name}/{t.target_id}" for r, t in pairs
        }
        if not any(fnmatch.fnmatchcase(n, glob) for n in names):
            raise ScenarioError(
                f"overrides.targets.{glob}: matches nothing; known: {', '.join(sorted(names))}"
            )
        for key in ("rules", "subscribers"):
            for index, owner in enumerate(nodes[key]):
                targets = tuple(
                    _target(owner, t, override, applied)
                    if any(
                        fnmatch.fnmatchcase(f"{n}/{t.target_id}", glob)
                        for n in (owner.id, owner.name)
                    )
                    else t
                    for t in owner.targets
                )
                if targets != owner.targets:
                    nodes[key][index] = dataclasses.replace(owner, targets=targets)
    changed = dataclasses.replace(
        graph,
        api_destinations=tuple(nodes["api_destinations"]),
        rules=tuple(nodes["rules"]),
        alarms=tuple(nodes["alarms"]),
        functions=tuple(nodes["functions"]),
        endpoints=tuple(nodes["endpoints"]),
        subscribers=tuple(nodes["subscribers"]),
        _by_id={},
    )
    return changed, tuple(applied)


def _target(rule: Any, target: Any, o: Any, applied: list[str]) -> Any:
    policy = target.retry_policy
    retry = RetryPolicy(
        o.retry_attempts if o.retry_attempts is not None else policy.maximum_retry_attempts,
        int(o.max_event_age) if o.max_event_age is not None else policy.maximum_event_age_seconds,
        explicit=True,
    )
    dlq = target.dead_letter_queue
    if o.dlq is not None:
        dlq = (dlq or DLQ_STAND_IN) if o.dlq else None
    before = (
        policy.maximum_retry_attempts,
        policy.maximum_event_age_seconds,
        target.dead_letter_queue,
    )
    after = (retry.maximum_retry_attempts, retry.maximum_event_age_seconds, dlq)
    if before == after:
        return target
    applied.append(
        f"target {rule.id}/{target.target_id}: retries {before[0]} -> {after[0]}, maximum event "
        f"age {before[1]} s -> {after[1]} s, DLQ {before[2] or 'none'} -> {after[2] or 'none'}"
    )
    return dataclasses.replace(target, retry_policy=retry, dead_letter_queue=dlq)
