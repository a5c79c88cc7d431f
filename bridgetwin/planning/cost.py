"""What a run would cost, per month at the scenario's rates, from the prices in the repository.

The billed quantities are read off the result (events the producers published, requests each
target received, retries included: an attempt per event, or per batch of a subscriber that
batches; records sent to DLQs) and the deployment (what kind each
target is); each is priced per million, and the run's total is scaled from the scenario's
duration (its traffic period: a ``drain:`` after it adds work, not time) to a 30-day month. The
prices are us-east-1's, with where they were read and when (:data:`PRICES`); ``--pricing FILE``
(item -> USD per million) overrides any of them. Free tiers are not deducted, every event is
assumed to fit one 64 KB billing chunk, and the Custom Event Bus is not priced (AWS publishes its
dimensions, not yet its rates): the estimate says so in ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph import Graph, Subscriber, TargetKind

MONTH_S = 30 * 86_400


@dataclass(frozen=True)
class Price:
    usd_per_million: float
    what: str
    source: str


_SUMMARY = "https://cloudburn.io/blog/amazon-eventbridge-pricing (March 2026; read 2026-12-03)"
_OFFICIAL = "aws.amazon.com/{}/pricing (us-east-1; the summary's figure, not re-read there)"
PRICES: Mapping[str, Price] = {
    "custom_events": Price(1.00, "custom events published (PutEvents entries)",
                           f"{_SUMMARY}; {_OFFICIAL.format('eventbridge')}"),
    "api_destination_invocations": Price(0.20, "API destination invocations, retries included",
                                         f"{_SUMMARY}; {_OFFICIAL.format('eventbridge')}"),
    "sqs_requests": Price(0.40, "SQS requests (queue targets and DLQ sends)",
                          _OFFICIAL.format("sqs")),
    "lambda_requests": Price(0.20, "Lambda requests (function targets)",
                             _OFFICIAL.format("lambda")),
    "sns_requests": Price(0.50, "SNS publishes (topic targets)", _OFFICIAL.format("sns")),
}  # fmt: skip
"""USD per million, us-east-1. UNCONFIRMED against the official pages at the date above: a
scenario's ``pricing:`` overrides any of them."""

_BY_KIND = {TargetKind.API_DESTINATION: "api_destination_invocations",
            TargetKind.SQS: "sqs_requests", TargetKind.LAMBDA: "lambda_requests",
            TargetKind.SNS: "sns_requests"}  # fmt: skip


@dataclass(frozen=True)
class Cost:
    lines: tuple[tuple[str, float, float, float], ...]
    """(item, quantity in the run, USD per million, USD per month)."""
    monthly_usd: float
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"monthly_usd": self.monthly_usd, "notes": list(self.notes),
                "lines": [{"item": i, "quantity": q, "usd_per_million": p, "monthly_usd": m}
                          for i, q, p, m in self.lines]}  # fmt: skip


def _kind(graph: Graph, owner_id: str, target_id: str) -> TargetKind | None:
    owner = graph.find(owner_id)
    targets = getattr(owner, "targets", None) or (
        (owner.target,) if hasattr(owner, "target") else ())  # fmt: skip
    found = next((t for t in targets if t.target_id == target_id), None)
    return None if found is None else found.kind


def _published(result: Any, graph: Graph, scenario: Any, unpriced: set[str]) -> float:
    """PutEvents entries accepted on Classic buses (a Custom Event Bus's are not priced)."""
    custom = {b.name for b in graph.custom_buses}
    total = 0.0
    for region in result.regions:
        for feed in region["feeds"]:
            if feed.get("kind") != "put":
                continue
            named = re.match(r"traffic\.(\d+)", str(feed.get("name", "")))
            number = int(named.group(1)) if named else None
            bus = scenario.traffic[number].bus if scenario is not None and number is not None \
                and number < len(scenario.traffic) else None  # fmt: skip
            if bus in custom:
                unpriced.add(f"bus {bus}")
                continue
            total += feed.get("accepted_entries", 0)
    return total


def monthly_cost(
    result: Any, graph: Graph, scenario: Any = None, overrides: Mapping[str, float] | None = None
) -> Cost:
    """The run's billed quantities priced and scaled to a month (``scenario``: the run's, to
    tell which bus each producer published to)."""
    unknown = sorted(set(overrides or {}) - set(PRICES))
    if unknown:
        raise ValueError(f"pricing: unknown items {unknown}; known: {', '.join(PRICES)}")
    prices = {k: p.usd_per_million for k, p in PRICES.items()} | dict(overrides or {})
    quantities = dict.fromkeys(PRICES, 0.0)
    unpriced: set[str] = set()
    quantities["custom_events"] = _published(result, graph, scenario, unpriced)
    for target in result.targets:
        if isinstance(graph.find(target.rule), Subscriber):
            unpriced.add(f"subscriber {target.rule}")
        item = _BY_KIND.get(_kind(graph, target.rule, target.target))
        if item is not None:
            # a subscriber's batch is one request to its target; one record per failed batch
            counts = target.counts
            quantities[item] += counts.get("invocations", counts.get("attempts", 0))
        quantities["sqs_requests"] += target.counts.get("dlq_records", target.counts.get("dlq", 0))
    period = scenario.duration if scenario is not None else result.duration_s  # not the drain
    scale = MONTH_S / period if period else 0.0
    lines = tuple((item, quantities[item], prices[item], quantities[item] / 1e6 * prices[item]
                   * scale) for item in PRICES if quantities[item])  # fmt: skip
    notes = [f"scaled from the run's {period:,.0f} s of traffic to a 30-day month (a drain adds "
             "work, not time); free tiers not deducted; every event one 64 KB chunk"]  # fmt: skip
    if unpriced:
        notes.append(f"not priced: the Custom Event Bus (AWS publishes no rates yet): "
                     f"{', '.join(sorted(unpriced))}; its targets' own requests are")  # fmt: skip
    return Cost(lines, sum(line[3] for line in lines), tuple(notes))
