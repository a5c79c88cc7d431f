"""Fetching a deployment's metrics from CloudWatch with boto3 (``--from-cloudwatch``).

The rules' and functions' recorded names are discovered first (``ListMetrics`` on ``AWS/Events``
and ``AWS/Lambda``, every page), so that names CloudFormation generated are found
(:mod:`.deployment_metrics`); then
``GetMetricData`` is called with at most 500 queries per call (its limit), every page of each
call read (``NextToken``), oldest datapoint first. Credentials and Region come from boto3's
standard chain unless given.

CloudWatch keeps 1-minute datapoints for 15 days, 5-minute ones for 63 days and hourly ones for
455 days: a period shorter than the start's age allows is refused before any call, naming the
shortest period that works.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bridgetwin.calibration.deployment_metrics import EVENTS, deployment_keys, rule_metrics
from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.function_fit import LAMBDA, function_metrics
from bridgetwin.calibration.metric_exports import MAX_QUERIES, metric_data_queries
from bridgetwin.calibration.recording import MetricKey, Recording
from bridgetwin.graph import Graph

_RETENTION = ((15, 60), (63, 300), (455, 3600))
"""(days a period's datapoints are kept, the shortest period for data that old)."""


def shortest_period(start: datetime, now: datetime) -> int:
    """The shortest period CloudWatch still holds for data from ``start``."""
    age_days = (now - start).total_seconds() / 86_400
    for days, period in _RETENTION:
        if age_days <= days:
            return period
    raise CalibrationError(
        f"--start {start.isoformat()}: CloudWatch keeps metrics for 455 days; this is "
        f"{age_days:,.0f} days ago"
    )


def _recorded_names(client: Any, namespace: str, metric: str, dimension: str) -> set[str]:
    """Every value of ``dimension`` among the metrics of that name (every ListMetrics page)."""
    names = set()
    paginator = client.get_paginator("list_metrics")
    for page in paginator.paginate(Namespace=namespace, MetricName=metric):
        for entry in page.get("Metrics", []):
            names |= {d["Value"] for d in entry.get("Dimensions", []) if d["Name"] == dimension}
    return names


def fetch(
    client: Any,
    graph: Graph,
    start: datetime,
    end: datetime,
    *,
    period: int = 60,
    names: Mapping[str, str] = {},
    max_queries: int = MAX_QUERIES,
    now: datetime | None = None,
) -> Recording:
    """The deployment's metrics from ``start`` to ``end``, through a CloudWatch ``client``."""
    from botocore.exceptions import BotoCoreError, ClientError

    start, end = (t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in (start, end))
    if end <= start:
        raise CalibrationError("--end must be after --start")
    if period % 60:
        raise CalibrationError(f"--period {period}: must be a multiple of 60 s")
    shortest = shortest_period(start, now or datetime.now(UTC))
    if period < shortest:
        raise CalibrationError(
            f"--period {period}: CloudWatch no longer holds {period} s datapoints from "
            f"{start.isoformat()}; use --period {shortest} or more"
        )
    try:
        rule_names = set().union(*(_recorded_names(client, EVENTS, m, "RuleName")
                                   for m in ("MatchedEvents", "InvocationAttempts")))  # fmt: skip
        rules = rule_metrics(graph, names, rule_names)
        functions = function_metrics(
            graph, names, _recorded_names(client, LAMBDA, "Invocations", "FunctionName")
        ) if graph.functions else []  # fmt: skip
        queries = metric_data_queries(deployment_keys(rules, functions), period)
        keys = {q["Id"]: MetricKey.parse(q["Label"]) for q in queries}
        points = []
        paginator = client.get_paginator("get_metric_data")
        for first in range(0, len(queries), max_queries):
            pages = paginator.paginate(
                MetricDataQueries=queries[first : first + max_queries],
                StartTime=start,
                EndTime=end,
                ScanBy="TimestampAscending",
            )
            for page in pages:
                for result in page.get("MetricDataResults", []):
                    key = keys[result["Id"]]
                    points += [
                        (key, at, value)
                        for at, value in zip(result["Timestamps"], result["Values"], strict=True)
                    ]
    except (BotoCoreError, ClientError) as exc:
        raise CalibrationError(f"CloudWatch: {exc}") from None
    if not points:
        raise CalibrationError(
            f"CloudWatch holds no datapoint of the deployment's rules from {start.isoformat()} "
            f"to {end.isoformat()} (rules: {', '.join(r.name for r in rules) or 'none'})"
        )
    return Recording.from_points(points, period, start=start, end=end)  # type: ignore[arg-type]
