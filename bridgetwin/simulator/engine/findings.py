"""What the run could not model or had to assume, said in the result instead of a silent zero.

A prediction that quietly leaves something out reads like a prediction that found nothing. So
every run reports two lists:

- ``warnings``: what the twin saw in the deployment or the scenario and could not model, or that
  makes its numbers mean less than they seem: traffic that matches no rule, a pattern still
  holding an unresolved value, targets whose downstream the twin does not follow (another bus
  outside the loaded stacks), event sources of SAM functions that are not EventBridge rules,
  resources that put or move events and are not simulated.
- ``assumptions``: every default the run relied on where AWS publishes no number (retry backoff,
  processing latency, token-bucket burst, health-check propagation, ...) or where the account's
  own value may differ (quotas), with the scenario field that changes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridgetwin.graph import Rule, Target, TargetKind
from bridgetwin.simulator.aws.quotas import invocation_quota, put_events_quota
from bridgetwin.simulator.engine.binding import endpoint_of, traffic_bus
from bridgetwin.simulator.engine.regions import CUSTOM_BUS_SUFFIX
from bridgetwin.simulator.engine.workload import event_as_delivered
from bridgetwin.simulator.results.records import Finding
from bridgetwin.simulator.scenario.raw_events import RAW_KEY

if TYPE_CHECKING:
    from pydantic import BaseModel

    from bridgetwin.simulator.engine.model import Model

EVENT_MOVERS = {
    "AWS::Lambda::EventSourceMapping": "polls a queue or stream",
    "AWS::SNS::Subscription": "fans an SNS target's messages out",
    "AWS::Events::EventBusPolicy": "lets other accounts put events on a bus",
    "AWS::Serverless::StateMachine": "may carry event sources",
    "AWS::EventsV2::EventSource": "forwards AWS service or partner events to a Custom Event Bus",
    "AWS::EventsV2::ResourcePolicy": "lets other accounts publish or subscribe on a Custom Event "
    "Bus",
}
"""Resource types that put or move events, with what they do, when the twin does not simulate
them: their traffic is missing from the prediction."""


UNSIMULATED_METRICS = frozenset({"PutEventsLatency", "PutEventsRequestSize"})
"""AWS/Events metrics AWS publishes for every call that the twin does not produce."""


def model_findings(model: Model) -> list[Finding]:
    """Warnings about the deployment and the scenario, found while the model was built."""
    graph = model.graph
    found = [Finding(w.code, w.message) for w in graph.warnings]
    found += _unmatched_traffic(model)
    for rule in (r for r in graph.rules if r.enabled):
        if rule.pattern is not None and "${" in rule.pattern.to_json():
            text = (
                f"{rule.id}: its pattern still holds {_first_token(rule.pattern.to_json())}, a "
                "value only known at deploy time; the twin matches it as literal text, so "
                "events that match in AWS may not match here (set the value with --param)"
            )
            found.append(Finding("unresolved-token", text))
        found.extend(_target_findings(rule, model.hops.destination))
    for alarm in graph.alarms:
        if alarm.namespace == "AWS/Events" and alarm.metric_name in UNSIMULATED_METRICS:
            text = (
                f"{alarm.id}: {alarm.metric_name} is not simulated, so the alarm sees missing "
                f"data (TreatMissingData {alarm.treat_missing_data}) where AWS would publish "
                "datapoints"
            )
            found.append(Finding("alarm-metric-not-simulated", text))
    movers = Counter(r.type for r in graph.other if r.type in EVENT_MOVERS)
    for kind, count in sorted(movers.items()):
        text = (
            f"{count} x {kind} ({EVENT_MOVERS[kind]}) not simulated: the events it puts or "
            "moves are missing from this prediction"
        )
        found.append(Finding("not-simulated", text))
    rest = Counter(r.type for r in graph.other if r.type not in EVENT_MOVERS)
    if rest:
        listed = ", ".join(f"{kind} x {n}" for kind, n in sorted(rest.items()))
        text = f"not modeled (they neither put nor route events): {listed}"
        found.append(Finding("not-modeled-resources", text))
    found += _split_capacity(model)
    for function in graph.functions:
        if function.other_event_sources:
            text = (
                f"{function.id}: its {', '.join(function.other_event_sources)} event source(s) "
                "are not simulated: the events they deliver to it are missing from this "
                "prediction (its concurrency is shared with them in AWS)"
            )
            found.append(Finding("not-simulated", text))
    return found


def _split_capacity(model: Model) -> list[Finding]:
    """A scenario endpoint with a capacity behind several API destinations: each gets its own
    workers (:mod:`..aws.endpoint_capacity`), so together they may get more than it has."""
    sharing: dict[int, list[str]] = {}
    for destination, endpoint, _ in model.pools:
        sharing.setdefault(id(endpoint), []).append(destination)
    return [
        Finding(
            "capacity-not-shared",
            f"{', '.join(names)}: one scenario endpoint (match '{endpoint.match}') with "
            f"{endpoint.capacity.concurrency} workers serves them; the twin gives each "
            "destination its own workers, so together they may get more than the endpoint has",
        )
        for destination, endpoint, _ in model.pools
        if len(names := sharing.get(id(endpoint), [])) > 1 and names[0] == destination
    ]


def _target_findings(rule: Rule, destination: Callable[[Target], str | None]) -> list[Finding]:
    found = []
    for target in rule.targets:
        where = f"{rule.id}/{target.target_id}"
        if target.kind is TargetKind.EVENT_BUS and destination(target) is None:
            text = (
                f"{where}: event bus {target.arn} is not in the loaded templates; events sent "
                "there count as delivered once the PutEvents into it succeeds, and its rules "
                "do not run in this simulation (load its stack too)"
            )
            found.append(Finding("bus-target-not-followed", text))
        elif target.kind is TargetKind.EVENT_BUS and (
            target.input or target.input_path or target.input_transformer
        ):
            text = (
                f"{where}: the input transformation is not applied to the event routed on the "
                "next bus; its rules match the original event"
            )
            found.append(Finding("bus-target-input-ignored", text))
    return found


def _first_token(text: str) -> str:
    start = text.index("${")
    end = text.find("}", start)
    return text[start : end + 1] if end > 0 else text[start:]


def _unmatched_traffic(model: Model) -> list[Finding]:
    graph, found = model.graph, []
    custom = {bus.id for bus in graph.custom_buses}
    for number, traffic in enumerate(model.scenario.traffic):
        bus_ids = [traffic_bus(graph, model.scenario, number)]
        if traffic.via_endpoint:
            bus_ids = list(endpoint_of(graph, bus_ids[0], number).event_buses)
        for bus_id in bus_ids:
            bus = graph.get(bus_id)
            for k, template in enumerate(traffic.events):
                event = event_as_delivered(template.entry, bus.region, bus.account)
                owner = "rule" if bus_id not in custom else "subscriber (running or stopped)"
                if not model.matcher.owners_matching(bus_id, event):
                    raw = event.get(RAW_KEY)
                    kind = (
                        f"PutRawEvents, {raw['content_type']}"
                        if raw
                        else f"source {event['source']!r}, detail-type {event['detail-type']!r}"
                    )
                    found.append(
                        Finding(
                            "unmatched-traffic",
                            (
                                f"traffic.{number}.events.{k} ({kind}) matches no {owner} on bus "
                                f"{bus.name} in {bus.region}: EventBridge accepts these events and "
                                "delivers them nowhere"
                            ),
                        )
                    )
    return found


def _defaulted(fields: BaseModel, *path: str) -> bool:
    """Whether the scenario left ``path`` (e.g. eventbridge.retry_backoff) at its default."""
    for name in path:
        if name not in fields.model_fields_set:
            return True
        fields = getattr(fields, name)
    return False


def assumed_defaults(model: Model) -> list[str]:
    """The defaults this run relied on, each with the field that changes it."""
    scenario, out = model.scenario, []
    eventbridge = scenario.eventbridge
    if scenario.drain:
        out.append(
            f"drain: traffic, schedules and queue traffic stop at {scenario.duration:,g} s; the "
            f"run went on to {scenario.horizon:,g} s so that events could finish (what had not "
            "by then is still in flight)"
        )
    if model.states and _defaulted(scenario, "eventbridge", "retry_backoff"):
        b = eventbridge.retry_backoff
        out.append(
            f"retry backoff: {b.jitter} jitter, base {b.base:g} s, factor {b.factor:g}, cap "
            f"{b.cap:g} s (AWS publishes no numbers, UNCONFIRMED; eventbridge.retry_backoff)"
        )
    for key in sorted(model.regions):
        region = key.removesuffix(CUSTOM_BUS_SUFFIX)
        own = scenario.regions.get(region)
        if (own is None or own.processing_latency is None) and _defaulted(
            scenario, "eventbridge", "processing_latency"
        ):
            out.append(
                f"{key}: {eventbridge.processing_latency.value * 1e3:g} ms from ingestion to "
                "first invocation when nothing queues (AWS publishes none; "
                "eventbridge.processing_latency)"
            )
        if key != region:
            out.append(
                f"{key}: no publish quota and no delivery quota bind (AWS publishes neither "
                "for the Custom Event Bus, UNCONFIRMED); entries over a bus's 500,000 events/s "
                "or an event group's 1,500 events+KB/s, in the second before each, fail as "
                "ThrottlingException entries (what AWS answers over these limits is "
                "UNCONFIRMED) and are lost: producers that resend failed entries are not modeled"
            )
        elif eventbridge.put_events_quota is None:
            out.append(
                f"{region}: PutEvents quota {put_events_quota(region):,} requests/s and "
                f"invocation quota {invocation_quota(region):,}/s, AWS's defaults (set "
                "eventbridge.put_events_quota / invocation_quota if your account's were raised)"
            )
    crossings = [
        (rule, t)
        for rule in model.graph.rules
        for t in rule.targets
        if (bus := model.hops.destination(t)) and model.graph.get(bus).region != rule.region
    ]
    if crossings and _defaulted(scenario, "eventbridge", "cross_region_latency"):
        out.append(
            f"bus-to-bus hops across Regions take {eventbridge.cross_region_latency * 1e3:g} ms "
            "on top of the target's latency (AWS publishes none, UNCONFIRMED; "
            "eventbridge.cross_region_latency)"
        )
    if model.scheduled.uses_clock and "start_time" not in scenario.model_fields_set:
        out.append(
            f"schedules are evaluated from {scenario.start_time:%Y-%m-%dT%H:%M:%SZ}, the run's "
            "default start (a Monday; set start_time to the moment you mean)"
        )
    if model.scheduled.direct:
        out.append(
            f"Scheduler schedules invoking targets directly ({', '.join(model.scheduled.direct)})"
            ": their invocations start after the Region's processing latency and count against "
            "its invocation quota like rule deliveries; Scheduler's own invocation quota (1,000/s "
            "by default in the largest Regions) is not modeled; DLQ samples carry EventBridge "
            "rules' attribute names (Scheduler's dead-letter event has its own format)"
        )
    if model.pipes.models:
        names = ", ".join(sorted(m.pipe.id for m in model.pipes.models.values()))
        out.append(
            f"pipes ({names}): a batch forms among records that reach the source together; a "
            "failed record is received again alone (not with its batch) after the queue's "
            "visibility timeout, and one SQS moves to the redrive DLQ counts as the pipe "
            "target's DLQ (condition MaximumRetryAttempts); records pass the Region's "
            "processing latency and invocation quota like events"
        )
    for number, replay in enumerate(scenario.replays):
        if "pace" not in replay.model_fields_set:
            out.append(
                f"replays.{number} ({replay.name}): each archived minute is replayed over "
                f"{replay.pace:g} s (AWS replays minute by minute and publishes no speed, "
                f"UNCONFIRMED; replays.{number}.pace)"
            )
    if model.hops.feeds:
        out.append(
            "bus-to-bus hops: a hop's PutEvents does not count against the receiving Region's "
            "PutEvents quota, and a hop a disrupted Region rejects is offered again 1 s later "
            "rather than after the sending rule's backoff (AWS documents neither)"
        )
    if model.routers:
        out.append(
            f"global endpoints: Route 53 follows the health alarm after "
            f"{scenario.health_check.propagation:g} s (UNCONFIRMED; health_check.propagation), "
            f"producers re-resolve DNS every {scenario.dns.ttl:g} s (dns.ttl), replication "
            f"takes {scenario.replication.lag:g} s (replication.lag)"
        )
    return out
