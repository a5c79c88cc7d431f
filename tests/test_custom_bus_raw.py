"""``PutRawEvents`` on the Custom Event Bus: which filters see what of a raw entry (DATA sees a JSON
payload itself and nothing of a Protobuf one, METADATA the entry's metadata, SYSTEM_METADATA its
content type), counted against the traffic that was sent; raw entries refused on a Classic bus;
and the 1 MB request limit of the new bus."""

from __future__ import annotations

import json

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from tests._custom_bus import classic_rule, custom_bus_template, subscriber

QUEUE = {"Fn::GetAtt": ["Jobs", "Arn"]}
PROTOBUF_V1 = {"content_type": "application/protobuf", "size": 420,
               "metadata": {"schema": "orders.v1", "tenant": "acme"}}  # fmt: skip
PROTOBUF_V2 = {**PROTOBUF_V1, "metadata": {"schema": "orders.v2", "tenant": "acme"}}
JSON_PAID = {"content_type": "application/json", "data": {"kind": "paid", "amount": 10}}
ENVELOPE = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"kind": "paid"}}


def reader(name: str, scope: str, pattern: dict) -> dict:
    return subscriber(QUEUE, Name=name, BatchConfiguration={"MaxBatchSize": 1},
                      FilterConfiguration={"Filters": [
                          {"Scope": scope, "Pattern": json.dumps(pattern)}]})  # fmt: skip


def deployment() -> dict:
    template = custom_bus_template(subscribers={
        "BySchema": reader("by-schema", "METADATA", {"schema": ["orders.v1"]}),
        "BySource": reader("by-source", "DATA", {"source": ["acme.orders"]}),
        "ByPayload": reader("by-payload", "DATA", {"kind": ["paid"]}),
        "CopiedClassic": reader("copied", "DATA", {"detail": {"kind": ["paid"]}}),
        "Protobuf": reader("protobuf", "SYSTEM_METADATA",
                           {"aws:ContentType": ["application/protobuf"]}),
    })  # fmt: skip
    template["Resources"]["Jobs"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    return template


def times(count: int, offset: float) -> list[float]:
    return [round(offset + 0.5 * k, 6) for k in range(count)]


SENT = {"v1": 300, "v2": 200, "json": 150, "envelope": 100}


def traffic(entry: dict, count: int, offset: float, **extra) -> dict:
    kind = "raw" if "content_type" in entry else "event"
    return {"bus": "orders", "rate": 1, "arrival": "trace", "trace": times(count, offset),
            "events": [{kind: entry}], **extra}  # fmt: skip


def test_each_scope_sees_what_aws_says_of_a_raw_entry():
    spec = {"duration": "10m", "seed": 1, "traffic": [
        traffic(PROTOBUF_V1, SENT["v1"], 0.1), traffic(PROTOBUF_V2, SENT["v2"], 0.2),
        traffic(JSON_PAID, SENT["json"], 0.3), traffic(ENVELOPE, SENT["envelope"], 0.4)]}  # fmt: skip
    result = simulate(load_graph(deployment()), load_scenario(spec))
    ingested = {t.rule: t.counts["ingested"] for t in result.targets}
    assert ingested == {
        "BySchema": SENT["v1"],  # METADATA: the entry's metadata
        "BySource": SENT["envelope"],  # DATA: a PutEvents envelope; nothing inside Protobuf
        "ByPayload": SENT["json"],  # DATA: the JSON payload itself
        "CopiedClassic": SENT["envelope"],  # a Classic pattern matches the envelope only
        "Protobuf": SENT["v1"] + SENT["v2"],  # SYSTEM_METADATA: the content type
    }


def test_raw_entries_are_refused_on_a_classic_bus():
    template = deployment()
    template["Resources"]["Legacy"] = {"Type": "AWS::Events::EventBus",
                                       "Properties": {"Name": "legacy"}}  # fmt: skip
    template["Resources"]["Rule"] = classic_rule(QUEUE)
    spec = {"duration": "1m", "traffic": [{"bus": "legacy", "rate": 1, "events": [
        {"raw": PROTOBUF_V1}]}]}  # fmt: skip
    with pytest.raises(ScenarioError, match=r"traffic\.0\.events\.0\.raw: PutRawEvents entries"):
        simulate(load_graph(template), load_scenario(spec))


@pytest.mark.parametrize(("batch", "lost"), [(3, False), (4, True)])
def test_a_request_to_the_new_bus_holds_1_mb(batch, lost):
    """300,000-byte entries (over Classic's 256 KB): three to a request fit in 1,048,576 bytes,
    four do not, and the whole request fails."""
    big = {"content_type": "application/octet-stream", "size": 300_000,
           "metadata": {"schema": "blob"}}  # fmt: skip
    calls = 40
    spec = {"duration": "2m", "seed": 1,
            "traffic": [traffic(big, calls, 0.1, batch=batch)]}  # fmt: skip
    result = simulate(load_graph(deployment()), load_scenario(spec))
    feed = result.regions[0]["feeds"][0]
    entry = 300_000 + len("schema") + len("blob")
    assert (batch * entry > 1_048_576) is lost
    assert feed.get("too_large_calls", 0) == (calls if lost else 0)
    assert feed["lost_at_producer"] == (calls * batch if lost else 0)


def test_the_schema_takes_exactly_one_kind_of_entry():
    base = {"duration": "1m", "traffic": [{"bus": "orders", "rate": 1, "events": []}]}
    for entry, message in (
        ({"raw": PROTOBUF_V1, "event": ENVELOPE}, "give the entry as 'event'"),
        ({"raw": {"content_type": "application/protobuf", "data": {"a": 1}}}, "'data' goes with"),
        ({"raw": {"content_type": "application/avro"}}, "give the payload's 'size'"),
        ({"raw": {**PROTOBUF_V1, "metadata": {"a/b": "x"}}}, "without '/'"),
    ):
        base["traffic"][0]["events"] = [entry]
        with pytest.raises(ScenarioError, match=message):
            load_scenario(base)


def test_envelope_filters_on_a_bus_fed_only_raw_entries_are_warned_about():
    """A copied Classic pattern (source, detail.*) on a bus that gets only raw entries matches
    none of them; on a bus that also gets PutEvents entries it is the envelope's filter."""
    raw_only = {"duration": "1m", "traffic": [traffic(JSON_PAID, 10, 0.3)]}
    mixed = {"duration": "1m", "traffic": [traffic(JSON_PAID, 10, 0.3),
                                           traffic(ENVELOPE, 10, 0.4)]}  # fmt: skip
    warned = {w["message"].split(":")[0] for w in simulate(
        load_graph(deployment()), load_scenario(raw_only)).warnings
        if w["code"] == "envelope-filter-on-raw-entries"}  # fmt: skip
    assert warned == {"BySource", "CopiedClassic"}  # not ByPayload, nor METADATA/SYSTEM ones
    assert not [w for w in simulate(load_graph(deployment()), load_scenario(mixed)).warnings
                if w["code"] == "envelope-filter-on-raw-entries"]  # fmt: skip
