"""Metrics files: what ``aws cloudwatch get-metric-data`` prints, and CSV, read into a recording.

**get-metric-data JSON** (the CLI merges its pages): ``MetricDataResults``, each with ``Id``,
``Label``, ``Timestamps`` and ``Values``. The results do not say which metric they are; that is
in the queries the call was given. So a result is identified by its query (``--queries`` takes
the file passed as ``--metric-data-queries``), else by a label :class:`MetricKey` can read, which
is what the queries ``bridgetwin calibrate --write-queries`` writes put on every result. A list
of such outputs (several calls) is read as one.

**CSV**: a header row and one row per timestamp, the first column the time (ISO 8601, or epoch
seconds/milliseconds), one column per metric whose header is its label (or its query's ``Id``
with ``--queries``). This is the layout the CloudWatch console's "Download .csv" writes when
the graph's labels are set to ours; AWS documents no CSV format (UNCONFIRMED), so the reader
says exactly what it expects when a file differs.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.recording import MetricKey, Recording

MAX_QUERIES = 500
"""GetMetricData takes at most 500 queries per call (CloudWatch quotas)."""


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise CalibrationError(f"{where}: {value!r} is not a time") from None
    try:
        at = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return _time(float(str(value)), where)
        except ValueError:
            raise CalibrationError(
                f"{where}: '{value}' is not a time (ISO 8601 such as 2026-11-27T08:00:00Z, or "
                "epoch seconds)"
            ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def query_keys(queries: Any, where: str) -> dict[str, tuple[MetricKey, int]]:
    """Query ``Id`` -> (metric key, period) for the ``MetricStat`` queries of a
    ``--metric-data-queries`` file (expressions are skipped: they name no metric)."""
    if isinstance(queries, Mapping) and "MetricDataQueries" in queries:
        queries = queries["MetricDataQueries"]
    if not isinstance(queries, list):
        raise CalibrationError(f"{where}: expected a list of MetricDataQueries")
    out = {}
    for number, query in enumerate(queries):
        stat = query.get("MetricStat") if isinstance(query, Mapping) else None
        if stat is None:
            continue
        try:
            metric = stat["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            key = MetricKey.of(metric["Namespace"], metric["MetricName"], stat["Stat"], **dims)
            out[query["Id"]] = (key, int(stat["Period"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(
                f"{where}: MetricDataQueries[{number}] lacks {exc} (Id, MetricStat.Metric."
                "Namespace/MetricName, MetricStat.Period and MetricStat.Stat are needed)"
            ) from None
    return out


def _identify(
    ident: str, label: str, queries: Mapping[str, tuple[MetricKey, int]], where: str
) -> tuple[MetricKey, int | None]:
    if ident in queries:
        return queries[ident]
    key = MetricKey.parse(label)
    if key is None:
        raise CalibrationError(
            f"{where}: cannot tell which metric '{label or ident}' is: give the queries file "
            "with --queries, or fetch with the queries 'bridgetwin calibrate --write-queries' "
            "writes (their labels name the metric)"
        )
    return key, None


def _result(
    result: Any, by_id: Mapping[str, tuple[MetricKey, int]], where: str
) -> tuple[MetricKey, int | None, list[Any], list[Any]]:
    """One entry of ``MetricDataResults``: its key, period, timestamps and values."""
    if not isinstance(result, Mapping):
        raise CalibrationError(f"{where}: expected an object with Id, Label, Timestamps, Values")
    ident, label = result.get("Id", ""), result.get("Label", "")
    times, values = result.get("Timestamps", []), result.get("Values", [])
    if not isinstance(ident, str) or not isinstance(label, str):
        raise CalibrationError(f"{where}: Id and Label must be strings")
    if not isinstance(times, list) or not isinstance(values, list):
        raise CalibrationError(f"{where}: Timestamps and Values must be lists")
    if len(times) != len(values):
        raise CalibrationError(f"{where}: Timestamps and Values differ in length")
    key, period = _identify(ident, label, by_id, where)
    return key, period, times, values


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CalibrationError(f"{where}: the value {value!r} is not a number")
    return float(value)


def read_metric_data(path: Path, queries: Any = None) -> Recording:
    """A ``get-metric-data`` JSON output (or a list of them) as a recording."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CalibrationError(f"{path}: not readable JSON ({exc})") from None
    outputs = data if isinstance(data, list) else [data]
    by_id = query_keys(queries, "--queries") if queries is not None else {}
    points, periods = [], set()
    for page, output in enumerate(outputs):
        results = output.get("MetricDataResults") if isinstance(output, Mapping) else None
        if not isinstance(results, list):
            raise CalibrationError(
                f"{path}: expected the output of 'aws cloudwatch get-metric-data' (an object "
                "with MetricDataResults)"
            )
        for number, result in enumerate(results):
            where = f"{path}: [{page}].MetricDataResults[{number}]"
            key, period, times, values = _result(result, by_id, where)
            periods.add(period)
            points += [(key, _time(t, where), _number(v, where))
                       for t, v in zip(times, values, strict=True)]  # fmt: skip
    periods.discard(None)
    return Recording.from_points(points, min(periods) if periods else None)  # type: ignore[type-var]


def read_metric_csv(path: Path, queries: Any = None) -> Recording:
    """A CSV with a time column and one column per metric (see the module's story)."""
    by_id = query_keys(queries, "--queries") if queries is not None else {}
    try:
        rows = list(csv.reader(path.read_text().splitlines()))
    except (OSError, csv.Error) as exc:
        raise CalibrationError(f"{path}: not readable CSV ({exc})") from None
    if len(rows) < 2 or len(rows[0]) < 2:
        raise CalibrationError(
            f"{path}: expected a header row (time, then one label per metric) and a row per time"
        )
    header = rows[0]
    keys = [_identify(h, h, by_id, f"{path}: column {i + 1}") for i, h in enumerate(header[1:])]
    points = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        at = _time(row[0], f"{path}: row {number}")
        for (key, _), cell in zip(keys, row[1:], strict=False):
            if cell.strip():
                try:
                    points.append((key, at, float(cell)))
                except ValueError:
                    raise CalibrationError(
                        f"{path}: row {number}, column '{key.label()}': '{cell}' is not a number"
                    ) from None
    periods = {p for _, p in keys if p is not None}
    return Recording.from_points(points, min(periods) if periods else None)


def read_metrics(paths: Iterable[Path], queries: Any = None) -> Recording:
    """Several files (JSON or CSV, by suffix) as one recording (one file is read as it is;
    several are aligned on one grid)."""
    recordings = [
        (read_metric_csv if path.suffix.lower() == ".csv" else read_metric_data)(path, queries)
        for path in paths
    ]
    if len(recordings) == 1:
        return recordings[0]
    points, periods = [], []
    for recording in recordings:
        periods.append(recording.period)
        for key, values in recording.series.items():
            for index, value in enumerate(values):
                if not math.isnan(value):
                    at = recording.start.timestamp() + index * recording.period
                    points.append((key, datetime.fromtimestamp(at, UTC), float(value)))
    if len(set(periods)) > 1:
        raise CalibrationError(f"the files have different periods ({sorted(set(periods))} s)")
    return Recording.from_points(points, periods[0] if periods else None)


def metric_data_queries(keys: Iterable[MetricKey], period: int) -> list[dict[str, Any]]:
    """The ``--metric-data-queries`` for ``keys``, labelled so that the output names them."""
    return [
        {
            "Id": f"m{number}",
            "Label": key.label(),
            "MetricStat": {
                "Metric": {
                    "Namespace": key.namespace,
                    "MetricName": key.name,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in key.dimensions],
                },
                "Period": period,
                "Stat": key.stat,
            },
            "ReturnData": True,
        }
        for number, key in enumerate(keys)
    ]


def metric_data_output(recording: Recording) -> dict[str, Any]:
    """A recording as ``get-metric-data`` prints it (missing datapoints left out)."""
    results = []
    for number, (key, values) in enumerate(sorted(recording.series.items())):
        kept = [(i, v) for i, v in enumerate(values) if not math.isnan(v)]
        stamps = [
            datetime.fromtimestamp(recording.start.timestamp() + i * recording.period, UTC)
            .isoformat()
            .replace("+00:00", "Z")
            for i, _ in kept
        ]
        results.append(
            {
                "Id": f"m{number}",
                "Label": key.label(),
                "Timestamps": stamps,
                "Values": [round(float(v), 6) for _, v in kept],
                "StatusCode": "Complete",
            }
        )
    return {"MetricDataResults": results, "Messages": []}
