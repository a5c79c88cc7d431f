"""How a sweep's or a plan's metric reads in tables and reports: its unit, and a value in it.

Latencies are in seconds, the month's cost in US dollars, everything else a count of events. The
CLI's tables and the HTML reports show values the same way through these two functions.
"""

from __future__ import annotations


def unit_of(metric: str) -> str:
    """``s`` for a latency, ``USD`` for the cost, ``events`` for a count."""
    if metric.startswith("cost."):
        return "USD"
    return "s" if metric.startswith("latency.") else "events"


def show_value(value: float | None, unit: str) -> str:
    """A value in its unit for people: ``-`` when there is none."""
    if value is None:
        return "-"
    if unit == "USD":
        return f"${value:,.2f}"
    return f"{value:,.3g} s" if unit == "s" else f"{value:,.1f}"
