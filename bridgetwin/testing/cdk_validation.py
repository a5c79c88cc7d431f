"""A CDK policy-validation plugin: ``cdk synth`` fails when the twin predicts an SLO violation.

It uses the mechanism cdk-nag 3.x uses (``Validations.of(app).add_plugins(...)``, the
``IPolicyValidationPluginBeta1`` interface): after synthesis, CDK hands the plugin the templates
it wrote; the plugin loads them as one deployment (Regions and accounts from the assembly's
manifest), simulates the scenario, and reports each failed ``slo:`` entry as a violation on the
rule it concerns, so the synth prints a validation report and fails::

    app = cdk.App()
    ShopStack(app, "Shop")
    Validations.of(app).add_plugins(TwinValidation(scenario="slo.yaml"))
    app.synth()

Cost: one simulation per synth, as long as the scenario's run takes (a few hundred thousand
simulated events take about a second). Keep the scenario short (minutes of traffic around the
event that matters) or add the plugin only in CI (e.g. when ``CI`` is set). An objective on a
target that received no events is a violation too (it would hold vacuously), unless
``allow_empty=True``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

from bridgetwin import __version__


@jsii.implements(cdk.IPolicyValidationPluginBeta1)
class TwinValidation:
    """Fails synthesis when the twin predicts that the scenario's ``slo:`` entries are not met."""

    def __init__(
        self,
        *,
        scenario: str | os.PathLike[str] | Mapping[str, Any],
        allow_empty: bool = False,
    ) -> None:
        self._scenario = scenario
        self._allow_empty = allow_empty

    @property
    def name(self) -> str:
        return "bridgetwin"

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        from bridgetwin.simulator.scenario import SLO_METRICS

        return list(SLO_METRICS)

    def validate(
        self, context: cdk.IPolicyValidationContextBeta1
    ) -> cdk.PolicyValidationPluginReportBeta1:
        from bridgetwin.graph import load_graph
        from bridgetwin.simulator import load_scenario, simulate
        from bridgetwin.simulator.results.verdicts import EMPTY

        paths = [Path(p) for p in context.template_paths]
        outdir = paths[0].parent if paths else None
        if outdir is not None and (outdir / "manifest.json").is_file():
            graph = load_graph(outdir)
        else:
            graph = load_graph({"stacks": [{"template": str(p)} for p in paths]})
        from bridgetwin.planning.slo_seeds import simulate_judged

        scenario = load_scenario(self._scenario)
        result, _ = simulate_judged(
            lambda seed: simulate(graph, scenario, seed=seed), scenario, scenario.seed
        )
        violations = []
        for verdict in result.slo:  # the verdicts --check and expect() give (results.verdicts)
            if verdict.passed or (self._allow_empty and verdict.note == EMPTY):
                continue
            if verdict.note == EMPTY:
                predicted = "no events reached the target"
            elif verdict.value is None:
                predicted = verdict.note or "the twin has no value for it"
            else:
                predicted = f"the twin predicts {verdict.predicted}"
                predicted += f" ({verdict.note})" if verdict.note else ""
            violations.append(
                cdk.PolicyViolationBeta1(
                    rule_name=verdict.metric,
                    description=(
                        f"{verdict.target}: {verdict.metric} should be {verdict.bounds}; "
                        f"{predicted} (scenario seed {result.seed}, "
                        f"{result.duration_s:,.0f} s simulated)"
                    ),
                    violating_resources=[_resource(graph, verdict.target.rsplit("/", 1)[0])],
                    fix="raise the capacity the scenario needs (rate limit, retry policy, "
                    "concurrency) or change the objective; `bridgetwin simulate` shows why",
                    severity="error",
                )
            )
        return cdk.PolicyValidationPluginReportBeta1(
            success=not violations, violations=violations, plugin_version=__version__
        )


def _resource(graph: Any, rule_id: str) -> cdk.PolicyViolatingResourceBeta1:
    """The rule an objective concerns, where CDK's report can point at it."""
    stack_name, _, logical_id = rule_id.rpartition("/")
    stacks = [s for s in graph.stacks if s.name == stack_name] or list(graph.stacks)
    path = stacks[0].template_path if stacks else None
    return cdk.PolicyViolatingResourceBeta1(
        resource_logical_id=logical_id or rule_id,
        template_path=path or "",
        locations=[f"Resources.{logical_id or rule_id}"],
    )
