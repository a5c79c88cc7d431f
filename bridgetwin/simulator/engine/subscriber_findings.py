"""What a run says about the Custom Event Bus subscribers it met: what it assumed where AWS
publishes nothing, and what of a subscriber it does not model yet, so that no prediction about
the new bus passes for more than it is.

The twin delivers a running subscriber's events like a Classic rule's: the subscriber's filters
(every scope), its target's lane (shared with the rules, pipes and schedules that target the same
resource), its retry limits with every failure retried (``RetryStrategy: ALL``), its on-failure
queue, or ``EventsDropped`` without one; a FIFO subscriber delivers each event group's events one
at a time, in publish order, a failing event holding its group for its whole retry window; a
stopped subscriber (``STOPPED``, or paused in the scenario) leaves its events on the bus until it
resumes, losing those older than the bus's retention; a subscriber with ``MaxBatchSize`` above 1
hands its target batches (:mod:`.batches`); one created during the run, or starting at a point
in its bus's past, reads from there (:mod:`.subscriber_position`). Not yet: transformers.
Each subscriber that relies on one of these gets a warning naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bridgetwin.graph import FilterScope, Subscriber, TargetKind
from bridgetwin.simulator.engine.binding import traffic_bus
from bridgetwin.simulator.engine.subscriber_position import settings_of
from bridgetwin.simulator.results.records import Finding

if TYPE_CHECKING:
    from bridgetwin.simulator.engine.model import Model
    from bridgetwin.simulator.scenario import Scenario


def _warnings_of(
    subscriber: Subscriber, known_buses: set[str], scenario: Scenario
) -> list[Finding]:
    where, found = subscriber.id, []
    settings = settings_of(subscriber, scenario)

    def warn(code: str, text: str) -> None:
        found.append(Finding(code, f"{where}: {text}"))

    if subscriber.bus not in known_buses:
        warn("subscriber-bus-not-loaded", f"its bus {subscriber.bus} is not in the loaded "
             "templates; nothing reaches it in this simulation (load that stack too)")  # fmt: skip
    if not subscriber.enabled:
        warn("subscriber-stopped", "STOPPED for the whole run: the events it matches wait on "
             "the bus (in flight at the end), lost once older than its retention")  # fmt: skip
    if subscriber.starting_position == "POINT_IN_TIME":
        point = subscriber.point_in_time
        if (
            point is not None
            and point.point_type == "TIMESTAMP"
            and not any(s.starting_point is not None for s in settings)
        ):
            warn("starting-point-not-placed", f"its StartingPoint ({point.starting_point}, "
                 "epoch seconds) cannot be placed in the run: read from the HORIZON instead "
                 "(subscribers[].starting_point gives it in run time)")  # fmt: skip
        if (
            point is not None
            and point.end_point is not None
            and not any(s.end_point is not None for s in settings)
        ):
            warn("end-point-not-placed", f"its EndPoint ({point.end_point}, epoch seconds) "
                 "cannot be placed in the run: it reads to the run's end "
                 "(subscribers[].end_point gives it in run time)")  # fmt: skip
        if not any(s.created for s in settings):
            warn("point-in-time-at-run-start", "starts at a point in time but is created with "
                 "the run, whose bus holds nothing older: there is no past to replay "
                 "(subscribers[].created creates it later in the run)")  # fmt: skip
    if subscriber.target_family in ("universal", "other"):
        warn("target-semantics-not-simulated", f"its target {subscriber.target.arn} is "
             "simulated with the scenario's targets[] settings for it; what the AWS API it "
             "calls does with the events is not")  # fmt: skip
    return found


def subscriber_warnings(model: Model) -> list[Finding]:
    """One warning per aspect of a subscriber the twin does not model, and per DATA filter
    written for the envelope on a bus the scenario feeds only raw entries."""
    known = {bus.id for bus in model.graph.custom_buses}
    found = [f for s in model.graph.subscribers for f in _warnings_of(s, known, model.scenario)]
    found += [Finding("transformation-failed", f"{sid}: its JSONata transformer fails on events "
                      "it forwards (AWS retries them with INPUT_TRANSFORMATION_FAILURE, then "
                      "gives them up); the twin forwards those unshaped")
              for sid in sorted(model.hops.transform_failures)]  # fmt: skip
    return found + _envelope_filters_on_raw_buses(model)


def _envelope_filters_on_raw_buses(model: Model) -> list[Finding]:
    """A DATA filter on envelope fields (``source``, ``detail-type``, ``detail.*``) never sees
    a raw entry's payload that way (custom-bus facts §8, candidate 4): a copied Classic pattern
    matches none of them."""
    graph, scenario = model.graph, model.scenario
    kinds: dict[str, set[bool]] = {}  # bus -> whether its entries are raw
    for number, traffic in enumerate(scenario.traffic):
        bus = traffic_bus(graph, scenario, number)
        kinds.setdefault(bus, set()).update(e.raw is not None for e in traffic.events)
    found = []
    for subscriber in graph.subscribers:
        if kinds.get(subscriber.bus) != {True}:  # only raw entries reach its bus
            continue
        for flt in subscriber.filters:
            envelope = sorted(f for f in flt.pattern.fields if f.split(".")[0] in _ENVELOPE)
            if flt.scope is FilterScope.DATA and envelope:
                found.append(Finding("envelope-filter-on-raw-entries", (
                    f"{subscriber.id}: its DATA filter tests {', '.join(envelope)}, fields of "
                    "a PutEvents envelope, but the scenario puts only raw entries on its bus, "
                    "whose payload DATA sees unwrapped (no source, no detail): it matches "
                    "none of them (filter on the payload's fields, or on METADATA)")))  # fmt: skip
    return found


_ENVELOPE = ("source", "detail-type", "detail")


def subscriber_assumptions(model: Model) -> list[str]:
    """The defaults the run relied on for subscribers, where AWS publishes no number."""
    subscribers = [s for s in model.graph.subscribers if s.enabled]
    if not subscribers:
        return []
    out = [
        "subscribers retry with the same backoff as Classic rules (eventbridge.retry_backoff; "
        "AWS publishes neither, UNCONFIRMED), every failure retried (RetryStrategy ALL) until "
        "MaxRetryAttempts or MaxEventAgeInSeconds from ingestion, whichever comes first; a "
        "target's throttling spends the budget like any failure; the on-failure record "
        "carries the twin's error codes (Classic's names)",
        "subscribers deliver with no limit of their own on concurrency (AWS publishes none, "
        "UNCONFIRMED): only their target's rate limit, quota and capacity bind",
    ]
    stopping = [s for s in model.graph.subscribers if not s.enabled] or model.scenario.subscribers
    if stopping:
        out.append(
            "stopped subscribers: the events they read at their resumption start their retry "
            "window (MaxEventAgeInSeconds) then, not at ingestion, and those older than the "
            "bus's retention by then are lost without a record (AWS says neither, UNCONFIRMED)"
        )
    fifo = sorted(s.id for s in subscribers if s.ordering == "FIFO")
    if fifo:
        out.append(
            f"{', '.join(fifo)}: FIFO: one request in flight per event group (AWS documents "
            "none, UNCONFIRMED), a group's next event starting when the one before is delivered "
            "or given up; events published without a group are delivered as if UNORDERED"
        )
    replaying = sorted(s.id for s in subscribers if s.starting_position == "POINT_IN_TIME")
    if replaying:
        delay = model.scenario.eventbridge.replay_startup_delay
        out.append(
            f"{', '.join(replaying)}: a subscriber that starts at a point in time reads its "
            f"bus's past {delay:g} s after it is created (eventbridge.replay_startup_delay; AWS "
            "documents a startup delay, no figure, UNCONFIRMED), then as fast as its target "
            "takes it, oldest first; its retry window counts from that read"
        )
    batching = sorted(s.id for s in subscribers if s.batch_size > 1)
    if batching:
        out.append(
            f"{', '.join(batching)}: batches close at MaxBatchSize or at the end of "
            "MaxBatchWindowInSeconds and take every event waiting when the target can take "
            "them (with window 0, only what waits), or at what one request of the target "
            "holds of the largest events that reach it; a batch is one invocation with one "
            "outcome, retried whole (AWS retries only the failed entries of a partial "
            "failure); a FIFO subscriber batches each event group apart (AWS may mix groups; "
            "UNCONFIRMED)"
        )
    forwarding = sorted(s.id for s in subscribers if s.transformer != "RAW"
                        and s.target.kind is TargetKind.EVENT_BUS)  # fmt: skip
    if forwarding:
        out.append(
            f"{', '.join(forwarding)}: what its transformer makes of an event (evaluated per "
            "event template) reaches the next bus as a JSON event without metadata (AWS "
            "documents the payload, not how it is published onward; UNCONFIRMED)"
        )
    unstated = sorted(s.id for s in subscribers if not s.ordering_explicit)
    if unstated:
        out.append(f"{', '.join(unstated)}: no Type, taken as UNORDERED (AWS states no default)")
    lambdas = sorted(
        s.id
        for s in subscribers
        if s.target.kind is TargetKind.LAMBDA and s.invocation_type is None
    )
    if lambdas:
        out.append(
            f"{', '.join(lambdas)}: no LambdaParameters.InvocationType, taken as EVENT "
            "(asynchronous: delivered when Lambda accepts it; AWS states no default)"
        )
    return out
