"""A target's request byte limit closes a subscriber's batch too.

AWS closes a Custom Event Bus subscriber's batch at the first of three limits: ``MaxBatchSize``,
``MaxBatchWindowInSeconds``, and the bytes the target's API takes in one request, "for example
256 KB for an Amazon SQS request", so that large events arrive in smaller batches (custom-bus
facts §2.7). The twin knows each event template's size once the model is built, so it caps each
batching subscriber's batch at the number of its largest events one request holds. Where all
the events a subscriber reads have one size (each template of a scenario's traffic is one size)
the cap is AWS's exactly; where sizes differ it is the cap for the largest, so batches of the
smaller ones are smaller than AWS would make them, and the assumptions say so.

The limits are each target API's own, from its documentation: SQS ``SendMessageBatch`` 256 KB
(the user guide's example), SNS ``PublishBatch`` 256 KB, Step Functions input 256 KB, Lambda
``Invoke`` 6 MB synchronous (``REQUEST_RESPONSE``) and 1 MB asynchronous (``EVENT``), Kinesis
``PutRecords`` 5 MiB, Firehose ``PutRecordBatch`` 4 MiB, a Custom Event Bus's ``PutEvents``
1 MB, and a Classic bus's the scenario's ``eventbridge.max_request_bytes``. An event is as large
as the JSON EventBridge delivers (the envelope with its detail), or a ``PutRawEvents`` payload
with its metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bridgetwin.graph import Subscriber
from bridgetwin.simulator.engine.feeds import Feed
from bridgetwin.simulator.engine.lane import Lane
from bridgetwin.simulator.engine.matching import without_group
from bridgetwin.simulator.scenario.raw_events import MAX_REQUEST_BYTES, RAW_KEY, raw_bytes

KB = 1024
REQUEST_BYTES: dict[str, int] = {
    "sqs": 256 * KB,
    "sns": 256 * KB,
    "states": 256 * KB,
    "kinesis": 5 * KB * KB,
    "firehose": 4 * KB * KB,
    "event-busv2": MAX_REQUEST_BYTES,
}
"""Per target family (:data:`bridgetwin.graph.custom_bus_nodes.BATCH_LIMITS`), the bytes one
request of the target's API takes (Lambda and a Classic bus: :func:`request_bytes`)."""
LAMBDA_REQUEST_BYTES = {"REQUEST_RESPONSE": 6 * KB * KB, "EVENT": KB * KB}


def request_bytes(subscriber: Subscriber, classic_request_bytes: int) -> int | None:
    """The bytes one request to ``subscriber``'s target takes (None: no limit the twin knows,
    e.g. an API destination, which takes one event a request anyway)."""
    family = subscriber.target_family
    if family == "lambda":
        return LAMBDA_REQUEST_BYTES[subscriber.invocation_type or "EVENT"]
    if family == "event-bus":
        return classic_request_bytes
    return REQUEST_BYTES.get(family)


def delivered_bytes(event: dict[str, Any]) -> int:
    """An event's size as its target receives it."""
    raw = event.get(RAW_KEY)
    if raw is not None:
        return raw_bytes(raw)
    return len(json.dumps(without_group(event), separators=(",", ":")).encode())


def cap_batches(feeds: Iterable[Feed], lanes: Iterable[Lane]) -> list[str]:
    """Cap each batching subscriber's batch at what one request of its target holds of the
    largest event that reaches it; returns a note per subscriber whose batches it caps."""
    largest: dict[int, int] = {}  # by id of the subscriber's target state
    sizes: dict[int, set[int]] = {}
    for feed in feeds:
        for event, routes in zip(feed.events, feed.routes, strict=False):
            for lane, key, _ in routes:
                state = lane.targets[key]
                if key in lane.batching and state.request_bytes is not None:
                    size = delivered_bytes(event)
                    largest[id(state)] = max(largest.get(id(state), 0), size)
                    sizes.setdefault(id(state), set()).add(size)
    notes: dict[int, str] = {}
    for lane in lanes:
        for key, (size, window) in list(lane.batching.items()):
            state = lane.targets[key]
            biggest = largest.get(id(state))
            if biggest is None or state.request_bytes is None:
                continue
            fits = max(1, state.request_bytes // biggest)
            if fits >= size:
                continue
            lane.batching[key] = (fits, window)
            mixed = len(sizes[id(state)]) > 1
            notes[id(state)] = (
                f"{state.rule_id}: its target takes {state.request_bytes:,} bytes a request, "
                f"so a batch holds at most {fits} of its {biggest:,}-byte events, not its "
                f"MaxBatchSize of {size}"
                + (" (sized for its largest events: AWS fits more of the smaller ones)"
                   if mixed else "")
                + (f"; an event over {state.request_bytes:,} bytes alone fails at the target "
                   "in AWS (REQUEST_TOO_LARGE), the twin delivers it" if fits == 1 and
                   biggest > state.request_bytes else "")
            )  # fmt: skip
    return list(notes.values())
