"""A run's targets as a pandas DataFrame (``Result.to_frame()``), for notebooks and analysis.

pandas is optional: bridgetwin does not depend on it, and ``to_frame()`` says how to install it
when it is missing. One row per target (its rule or subscriber, and the target id), with every
count and the start and success latencies in seconds.
"""

from __future__ import annotations

from typing import Any

LATENCIES = (("start", "p50"), ("start", "p99"), ("start", "max"), ("success", "p50"),
             ("success", "p99"), ("end_to_end_success", "p99"))  # fmt: skip


def pandas_module() -> Any:
    """pandas, or an ImportError that says how to get it."""
    try:
        import pandas
    except ImportError:
        raise ImportError("to_frame() needs pandas, which bridgetwin does not install: "
                          "pip install pandas") from None  # fmt: skip
    return pandas


def result_frame(result: Any) -> Any:
    """One row per target: ``rule``, ``target``, ``counts.*`` and ``latency.*`` (seconds)."""
    rows = []
    for target in result.targets:
        row: dict[str, Any] = {"rule": target.rule, "target": target.target}
        row.update({f"counts.{name}": value for name, value in target.counts.items()})
        for kind, statistic in LATENCIES:
            value = target.latency_ms.get(kind, {}).get(statistic)
            row[f"latency.{kind}.{statistic}"] = None if value is None else value / 1e3
        rows.append(row)
    return pandas_module().DataFrame(rows)
