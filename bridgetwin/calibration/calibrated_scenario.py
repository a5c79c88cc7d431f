"""From a recording to a scenario: ``bridgetwin calibrate``.

The scenario starts from the user's (``--scenario``, optional) and replaces what the metrics
tell: the period recorded (``start_time``, ``duration``), the traffic on every bus whose rules
matched events (:mod:`.traffic_fit`), each rule's targets' failure rate, outages and latency
(:mod:`.target_fit`: ``endpoints:`` entries for API destinations, ``targets:`` entries for the
rest, placed first so they win over the user's globs, which keep what the metrics do not give,
such as an endpoint's capacity), and EventBridge's processing latency. PutEvents calls and
entries set each traffic's batch size. Every calibrated field gets one ``provenance`` line
(metric, statistic, period), which the twin lists among a run's assumptions; what the metrics
could not calibrate is listed in :attr:`Calibration.kept` with the user's value kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.calibration.deployment_metrics import (
    REGION_COUNTS,
    first_then_base,
    glob_applies,
    region_key,
    rule_metrics,
)
from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.function_fit import function_entries
from bridgetwin.calibration.recording import Recording
from bridgetwin.calibration.schema_events import event_from_schema
from bridgetwin.calibration.target_fit import TargetFit, fit_target
from bridgetwin.calibration.traffic_fit import fit_traffic
from bridgetwin.graph import Graph, TargetKind
from bridgetwin.simulator.scenario import Scenario, load_scenario

KEPT_ALWAYS = (
    "endpoint capacity (workers, waiting line): no metric shows an endpoint's concurrency",
    "subscribers (Custom Event Bus): AWS/EventsV2 metrics are not read yet",
    "event payloads: the events are the scenario's where one matches a rule, else of a "
    "schema's shape (--schema, or the templates' AWS::EventSchemas::Schema), else written from "
    "the rule's pattern (no metric shows payload sizes)",
)


@dataclass
class Calibration:
    """The calibrated scenario (a plain dict, as YAML would hold it) and what it rests on."""

    scenario: dict[str, Any]
    provenance: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Fields the metrics could not calibrate (the user's values, or the defaults, stay)."""
    notes: list[str] = field(default_factory=list)
    """What the user should know: residuals, rules without data, conflicts."""


def _batch(recording: Recording) -> tuple[int, str] | None:
    calls = recording.counts(region_key("PutEventsApproximateCallCount"))
    entries = recording.counts(region_key("PutEventsEntriesCount"))
    if calls is None or entries is None or calls.sum() <= 0:
        return None
    size = int(min(10, max(1, round(float(entries.sum() / calls.sum())))))
    return size, (
        f"batch: AWS/Events PutEventsEntriesCount / PutEventsApproximateCallCount, "
        f"Sum, period {recording.period} s (the account's mean in the Region)"
    )


def _traffic_entries(
    fitted: Sequence[Any], graph: Graph, period: int, batch: tuple[int, str] | None, after: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """``traffic:`` entries of the fitted events (after ``after`` entries kept from the base),
    with a provenance line each."""
    regions = {graph.get(t.bus).region for t in fitted}
    entries, provenance = [], []
    for number, item in enumerate(fitted, start=after):
        bus = graph.get(item.bus)
        entry: dict[str, Any] = {"bus": bus.name}
        if len(regions) > 1:
            entry["region"] = bus.region
        entry |= {
            "arrival": "profile",
            "profile": {"period": period, "rates": [round(float(r), 6) for r in item.rates]},
            "events": [{"event": item.event}],
        }
        if batch is not None:
            entry["batch"] = batch[0]
        entries.append(entry)
        provenance.append(
            f"traffic.{number}: AWS/Events MatchedEvents, Sum, period {period} s, of "
            f"{', '.join(item.rules)} (event from the {item.origin})"
        )
    return entries, provenance


def _base_events(graph: Graph, base: Scenario | None) -> dict[str, list[dict[str, Any]]]:
    events: dict[str, list[dict[str, Any]]] = {}
    if base is None:
        return events
    from bridgetwin.simulator.engine.binding import traffic_bus

    for number, traffic in enumerate(base.traffic):
        bus = traffic_bus(graph, base, number)
        events.setdefault(bus, []).extend(t.entry for t in traffic.events)
    return events


def _behaviour_entries(
    fits: list[TargetFit], graph: Graph, base: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str], list[str]]:
    """``endpoints:`` and ``targets:`` entries for the fitted rules' targets, heaviest first."""
    endpoints: dict[str, dict[str, Any]] = {}
    targets: dict[str, dict[str, Any]] = {}
    provenance, notes = [], []
    for fit in sorted(fits, key=lambda f: -f.attempts):
        rule = fit.rule.rule
        if len(rule.targets) > 1:
            notes.append(
                f"rule {rule.id} has {len(rule.targets)} targets: AWS/Events metrics "
                "are per rule, so each target gets the rule's figures"
            )
        for target in rule.targets:
            entry: dict[str, Any] = {}
            if fit.outages:
                entry["outages"] = [
                    {"start": round(a, 3), "end": round(b, 3)} for a, b in fit.outages
                ]
            if fit.latency is not None:
                entry["latency"] = fit.latency
            if target.kind is TargetKind.API_DESTINATION and target.resource:
                match, table, section = target.resource, endpoints, "endpoints"
                if fit.failure_rate is not None:
                    f = round(fit.failure_rate, 6)
                    entry["responses"] = {200: round(1 - f, 6), 503: f} if f else {200: 1.0}
            else:
                match, table, section = target.resource or target.arn, targets, "targets"
                if fit.failure_rate is not None:
                    entry["failure_rate"] = round(fit.failure_rate, 6)
            if match in table:
                notes.append(
                    f"{section} '{match}': several rules' metrics describe it; the "
                    f"busiest rule's are used ({table[match]['_rule']})"
                )
                continue
            names = (match, target.arn, target.kind.value)
            if section == "endpoints":
                names += (graph.get(match).endpoint,)
            user = next((e for e in base.get(section, []) if glob_applies(e, names)), {})
            table[match] = {**user, "match": match, **entry, "_rule": rule.id}
            provenance += [f"{section} '{match}' {text}" for text in fit.sources]
    strip = [{k: v for k, v in e.items() if k != "_rule"} for e in endpoints.values()]
    others = [{k: v for k, v in e.items() if k != "_rule"} for e in targets.values()]
    return strip, others, provenance, notes


def calibrate(
    graph: Graph,
    recording: Recording,
    base: Mapping[str, Any] | None = None,
    *,
    names: Mapping[str, str] = {},
    outage_threshold: float = 0.9,
    schemas: Sequence[tuple[str, dict[str, Any]]] = (),
) -> Calibration:
    """The scenario the recording calibrates, starting from ``base`` (a scenario as a dict);
    ``schemas`` are (name, event) shapes for the traffic's events, besides the templates'."""
    base = dict(base or {})
    base_scenario = load_scenario({"duration": 1, **base}) if base else None
    recorded = recording.dimension_values("AWS/Events", "RuleName")
    rules = rule_metrics(graph, names, recorded)
    found = [r for r in rules if r.name in recorded]
    if not found:
        raise CalibrationError(
            "the metrics name none of the deployment's rules (recorded RuleName values: "
            f"{', '.join(sorted(recorded)) or 'none'}; rules: "
            f"{', '.join(r.rule.id + ' as ' + r.name for r in rules) or 'none'}); map them "
            "with --name LOGICAL_ID=NAME"
        )
    period = recording.period
    out = Calibration(scenario=dict(base))
    out.notes += [
        f"rule {r.rule.id}: no metrics under the name '{r.name}' (not calibrated)"
        for r in rules
        if r not in found
    ]
    shapes = list(schemas) + [(s.name, event_from_schema(s.content, s.name))
                              for s in graph.schemas if s.content is not None]  # fmt: skip
    fit = fit_traffic(found, recording, graph, _base_events(graph, base_scenario), shapes)
    out.notes += [
        f"bus {bus}: the fitted traffic leaves {share:.1%} of the recorded matches "
        "unexplained (rules whose events cannot be told apart)"
        for bus, share in fit.residual.items()
        if share > 0.01
    ]
    out.notes += [
        f"rule {r}: no event matches its pattern; its traffic is left out"
        for r in fit.unmatched_rules
    ]
    batch = _batch(recording)
    calibrated_buses = {t.bus for t in fit.traffic}
    kept_traffic = []
    if base_scenario is not None:
        from bridgetwin.simulator.engine.binding import traffic_bus

        kept_traffic = [
            raw
            for number, raw in enumerate(base.get("traffic", []))
            if traffic_bus(graph, base_scenario, number) not in calibrated_buses
        ]
    traffic, provenance = _traffic_entries(fit.traffic, graph, period, batch, len(kept_traffic))
    out.provenance += provenance
    if batch is not None:
        out.provenance.append(batch[1])
    fits = [f for r in found if (f := fit_target(r, recording, outage_threshold)) is not None]
    endpoints, targets, provenance, notes = _behaviour_entries(fits, graph, base)
    out.provenance += provenance
    out.notes += notes
    processing = [f.processing_ms for f in fits if f.processing_ms is not None]
    scenario = out.scenario
    if processing:
        value = round(float(np.median(processing)) / 1e3, 6)
        scenario["eventbridge"] = {**base.get("eventbridge", {}), "processing_latency": value}
        out.provenance.append(
            "eventbridge.processing_latency: AWS/Events "
            "IngestionToInvocationStartLatency, p50, median over periods "
            f"without throttling or outage, period {period} s"
        )
    else:
        out.kept.append("eventbridge.processing_latency: no IngestionToInvocationStartLatency")
    scenario["start_time"] = recording.start.isoformat().replace("+00:00", "Z")
    scenario["duration"] = recording.duration
    scenario["traffic"] = kept_traffic + traffic
    for key, entries in (("endpoints", endpoints), ("targets", targets)):
        merged = first_then_base(entries, base.get(key, []))
        if merged:
            scenario[key] = merged
    missing = [m for m in REGION_COUNTS[:2] if recording.counts(region_key(m)) is None]
    if missing:
        out.kept.append(f"traffic batch: no {' or '.join(missing)} (the scenario's batch stays)")
    functions, provenance, notes = function_entries(graph, recording, names, base)
    if functions:
        scenario["functions"] = functions
    out.provenance += provenance
    out.notes += notes
    out.kept += list(KEPT_ALWAYS)
    scenario["provenance"] = list(base.get("provenance", [])) + out.provenance
    out.scenario = {"start_time": scenario.pop("start_time"),
                    "duration": scenario.pop("duration"), **scenario}  # fmt: skip
    load_scenario(out.scenario)  # what we write must load
    return out
