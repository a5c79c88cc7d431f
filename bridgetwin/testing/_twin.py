"""A twin of a deployment for tests: built from whatever the test has, simulated by name.

A test has a CDK ``Stack`` or ``App`` (synthesized here, in-process), a cloud assembly, template
paths or a template dict. Whatever it came from, a rule or target is addressed the same way:
by its construct path or any run of its segments (``Shop/OrderWebhook``, ``OrderWebhook``), its
logical id, its graph id, or ``RULE/TARGET_ID``. Construct paths come from the CDK construct tree
when the source is a ``Stack`` or ``App``, else from the templates' ``aws:cdk:path`` metadata
(the CDK CLI writes it; a plain dict from ``Template.to_json()`` has none, and then logical ids
are the names).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bridgetwin.graph import Graph, load_graph
from bridgetwin.graph.target_names import TargetNames
from bridgetwin.simulator import Result, Scenario, load_scenario, simulate


def _cdk_source(source: Any) -> tuple[Any, Any] | None:
    """(app, stack or None) when ``source`` is a CDK App or Stack; None otherwise, without
    importing aws_cdk for sources that are not CDK objects."""
    module = type(source).__module__ or ""
    if not module.startswith("aws_cdk") and not hasattr(source, "node"):
        return None
    import aws_cdk as cdk

    if isinstance(source, cdk.Stack):
        return source.node.root, source
    if isinstance(source, cdk.Stage):
        return source, None
    return None


def _tree_paths(app: Any) -> dict[tuple[str, str], str]:
    """(stack name, logical id) -> construct path of every CloudFormation resource in ``app``."""
    import aws_cdk as cdk

    out = {}
    for construct in app.node.find_all():
        if isinstance(construct, cdk.CfnResource):
            stack = cdk.Stack.of(construct)
            out[(stack.stack_name, stack.resolve(construct.logical_id))] = construct.node.path
    return out


def _load(source: Any, parameters: Mapping[str, Any] | None) -> tuple[Graph, dict[str, str]]:
    """The graph of ``source``, and graph id -> construct path where known."""
    cdk_source = _cdk_source(source)
    if cdk_source is not None:
        app, _ = cdk_source
        assembly = app.synth()
        graph = load_graph(assembly.directory, parameters)
        by_stack = _tree_paths(app)
        names = {s.name for s in graph.stacks}
        paths = {}
        for (stack, logical_id), path in by_stack.items():
            if stack in names:
                gid = logical_id if len(names) == 1 else f"{stack}/{logical_id}"
                paths[gid] = path
        return graph, paths
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        stacks = [{"template": str(Path(p).resolve())} for p in source]
        graph = load_graph({"stacks": stacks}, parameters)
    else:
        graph = load_graph(source, parameters)
    return graph, dict(graph.construct_paths)


@dataclass
class TwinRun:
    """One simulation of a twin (or several seeds of one scenario): its result, and what names
    mean in it."""

    result: Result
    scenario: Scenario
    twin: Twin
    more: tuple[Result, ...] = ()
    """The other seeds' results when the run was asked for several (``seeds=N``)."""

    @property
    def results(self) -> tuple[Result, ...]:
        return (self.result, *self.more)

    def targets(self, name: str) -> list[tuple[str, Any]]:
        """(display name, TargetResult) of every target ``name`` addresses (first seed)."""
        return [
            (self.twin.display(t.rule, t.target), t)
            for t in self.result.targets
            if self.twin.addresses(name, t.rule, t.target)
        ]

    def per_seed(self, name: str) -> list[tuple[str, list[Any]]]:
        """(display name, its TargetResult in each seed's run) of every target ``name``
        addresses."""
        out = []
        for display, first in self.targets(name):
            same = [next(t for t in r.targets if (t.rule, t.target) == (first.rule, first.target))
                    for r in self.more]  # fmt: skip
            out.append((display, [first, *same]))
        return out

    def known_names(self) -> list[str]:
        return sorted(self.twin.display(t.rule, t.target) for t in self.result.targets)


@dataclass
class Twin:
    """A deployment's twin, ready to simulate scenarios."""

    graph: Graph
    construct_paths: dict[str, str] = field(default_factory=dict)
    """Graph id -> construct path (``Stack/Construct/.../Resource``)."""

    def simulate(
        self,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | Scenario,
        *,
        seeds: int = 1,
        **kwargs: Any,
    ) -> TwinRun:
        """Run a scenario (a file, a dict or a ``Scenario``); ``seed=`` overrides its seed.
        ``seeds=N`` runs it N times (the scenario's seed, then seeds derived from it), and
        every check of ``expect`` then holds only if it holds on each, saying how many held and
        the 95 % interval of the predicted value. An ``slo:`` entry's ``seeds`` raises N to
        what it asks for, and ``assert_slo`` judges it over that many."""
        if not isinstance(seeds, int) or isinstance(seeds, bool) or not 1 <= seeds <= 1000:
            raise ValueError(f"seeds must be an integer from 1 to 1000, got {seeds!r}")
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if kwargs.get("seed") is not None:
            loaded = loaded.model_copy(update={"seed": kwargs["seed"]})
        kwargs.pop("seed", None)
        from bridgetwin.planning.slo_seeds import simulate_judged

        first, more = simulate_judged(
            lambda each: simulate(self.graph, loaded, seed=each, **kwargs), loaded, loaded.seed,
            seeds,
        )  # fmt: skip
        return TwinRun(first, loaded, self, more)

    @cached_property
    def names(self) -> TargetNames:
        """What names mean in this twin (:mod:`bridgetwin.graph.target_names`)."""
        return TargetNames(self.construct_paths)

    def display(self, rule: str, target: str) -> str:
        """How a target is named in messages: its rule's construct path where known."""
        return self.names.display(rule, target)

    def addresses(self, name: str, rule: str, target: str) -> bool:
        """Whether ``name`` names the target or its rule."""
        return self.names.addresses(name, rule, target)


def twin(
    source: Any, parameters: Mapping[str, Any] | None = None, *, cache: dict | None = None
) -> Twin:
    """The twin of ``source``: a CDK ``Stack`` or ``App``, a cloud assembly or CDK app
    directory, a template path, a list of template paths, a template dict, or a ``Graph``.
    ``cache`` (the pytest plugin's session cache) keeps synthesized sources between tests."""
    if isinstance(source, Graph):
        return Twin(source, dict(source.construct_paths))
    key = _cache_key(source, parameters)
    if cache is not None and key is not None and key in cache:
        return cache[key]
    graph, paths = _load(source, parameters)
    built = Twin(graph, paths)
    if cache is not None and key is not None:
        cache[key] = built
    return built


def _cache_key(source: Any, parameters: Mapping[str, Any] | None) -> Any:
    """What identifies a source for the session cache (None: do not cache)."""
    params = tuple(sorted((parameters or {}).items()))
    if _cdk_source(source) is not None:
        return ("cdk", id(source), params)
    if isinstance(source, str | os.PathLike):
        path = Path(source).resolve()
        stamp = path.stat().st_mtime_ns if path.exists() else None
        return ("path", str(path), stamp, params)
    return None
