"""A run's violated SLOs as SARIF 2.1.0 (``simulate --sarif FILE``), so that code scanning shows
them where the deployment declares the target, as it shows lint's findings.

One result per violated objective, at level error, with rule id ``slo/<metric>`` and the
predicted value, the bound and the reason in its message; located at the rule or subscriber that
owns the target (its construct path as the logical location when the app was synthesized by CDK,
else ``Stack/LogicalId``), and at that resource's line in the template file when the stack came
from one. Objectives that matched no target are located at the deployment as a whole.
"""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.graph.lint import GraphFinding
from bridgetwin.graph.lint.sarif import to_sarif
from bridgetwin.patterns import Severity
from bridgetwin.simulator.results.records import Result


def _owner(graph: Graph, target: str) -> str:
    """The graph id of what owns ``target`` (``OWNER/TARGET_ID``), or the target itself."""
    owner = target.rpartition("/")[0]
    return owner if graph.find(owner) is not None else target


def slo_sarif(result: Result, graph: Graph) -> dict[str, Any]:
    paths = dict(graph.construct_paths)
    findings = []
    for verdict in result.slo:
        if verdict.passed:
            continue
        owner = _owner(graph, verdict.target)
        where = f" ({paths[owner]})" if owner in paths else ""
        message = (f"{verdict.target}{where}: {verdict.metric} should be {verdict.bounds}; the "
                   f"twin predicts {verdict.predicted} (seed {result.seed})"
                   + (f": {verdict.note}" if verdict.note else ""))  # fmt: skip
        findings.append(GraphFinding(f"slo/{verdict.metric}", Severity.ERROR, owner, message))
    explanations = {f.code: "an objective the twin predicts this deployment does not meet"
                    for f in findings}  # fmt: skip
    return to_sarif(findings, graph, explanations=explanations, kind="SLO")
