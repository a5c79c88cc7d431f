"""The resilient producer against a real EventBridge API on 127.0.0.1 (moto in server mode), with
faults injected between client and server (tests/_faults.py): every event is delivered at least
once, none is lost, duplicates are bounded by what a lost response can cause, and the spool
survives a ``kill -9``."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgetwin.producer import EntryTooLarge, EventPublisher, PublisherConfig, entry_size
from tests._faults import FaultProxy

REGION = "us-east-1"
_names = itertools.count()


def boto(service: str, port: int):
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=f"http://127.0.0.1:{port}")


@pytest.fixture
def bus(moto_port):
    """A fresh bus whose every event lands in a fresh queue; returns (bus name, read())."""
    name = f"orders-{next(_names)}"
    events, sqs = boto("events", moto_port), boto("sqs", moto_port)
    events.create_event_bus(Name=name)
    queue = sqs.create_queue(QueueName=f"{name}-q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="all", EventBusName=name, EventPattern=json.dumps({"source": ["acme.test"]})
    )
    events.put_targets(Rule="all", EventBusName=name, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[str]:
        keys = []
        while True:
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return keys
            keys += [json.loads(m["Body"])["detail"]["idempotency-key"] for m in got]
            sqs.delete_message_batch(QueueUrl=queue, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])  # fmt: skip

    return name, read


def events(count: int, size: int = 10) -> list[dict]:
    return [{"Source": "acme.test", "DetailType": "Test", "Detail": {"n": n, "pad": "x" * size}}
            for n in range(count)]  # fmt: skip


def publisher(name: str, proxy: FaultProxy, **config) -> EventPublisher:
    defaults = {"backoff_base": 0.001, "backoff_cap": 0.01}
    return EventPublisher(name, config=PublisherConfig(**{**defaults, **config}),
                          endpoint_url=proxy.url, region=REGION, seed=1)  # fmt: skip


def test_batches_respect_ten_entries_and_256_kb(bus, moto_port):
    name, read = bus
    proxy = FaultProxy(moto_port)
    with publisher(name, proxy) as out:
        out.publish_many(events(25))
    assert proxy.calls == [10, 10, 5]
    with publisher(name, proxy) as out:
        out.publish_many(events(5, size=100_000))  # 100 KB each: two fit in a request
    assert proxy.calls[3:] == [2, 2, 1]
    assert len(set(read())) == 30
    with pytest.raises(EntryTooLarge, match="over the 262,144-byte limit"):
        publisher(name, proxy).publish(events(1, size=300_000)[0])
    assert entry_size({"Source": "a", "DetailType": "bc", "Detail": "{}", "Time": "x",
                       "Resources": ["é"]}) == 1 + 2 + 2 + 14 + 2  # fmt: skip


def test_only_failed_entries_are_retried_and_validation_errors_are_not(bus, moto_port):
    name, read = bus
    plan = {0: ("partial", (1, 3)), 1: "pass", 2: ("invalid", (0,))}
    proxy = FaultProxy(moto_port, lambda n, entries: plan.get(n, "pass"))
    with publisher(name, proxy) as out:
        out.publish_many(events(10))
        out.publish_many(events(3))
    assert proxy.calls == [10, 2, 3]  # the two throttled entries, alone, then the next batch
    snapshot = out.snapshot()
    assert (snapshot["delivered"], snapshot["retried"], snapshot["failed"]) == (12, 2, 1)
    assert len(read()) == 12  # exactly once each: nothing was delivered twice


@pytest.mark.parametrize("fault", ["throttle", "error", "reset"])
def test_whole_call_faults_are_retried(bus, moto_port, fault):
    name, read = bus
    proxy = FaultProxy(moto_port, lambda n, entries: fault if n < 3 else "pass")
    with publisher(name, proxy) as out:
        out.publish_many(events(10))
    assert proxy.calls == [10, 10, 10, 10]
    assert out.snapshot()["delivered"] == 10 and len(set(read())) == 10


def test_an_outage_longer_than_the_retries_spools_and_drains(bus, moto_port, tmp_path):
    name, read = bus
    down = {"on": True}
    proxy = FaultProxy(moto_port, lambda n, entries: "error" if down["on"] else "pass")
    out = publisher(name, proxy, spool=str(tmp_path), max_attempts=3)
    out.publish_many(events(25))
    out.flush()
    assert out.snapshot()["spooled"] == 25 and out.snapshot()["spool_depth"] == 25
    down["on"] = False
    out.flush()
    snapshot = out.snapshot()
    assert (snapshot["drained"], snapshot["spool_depth"], snapshot["delivered"]) == (25, 0, 25)
    out.close()
    assert len(set(read())) == 25


def test_without_a_spool_what_cannot_be_delivered_is_counted_lost(bus, moto_port):
    name, _ = bus
    proxy = FaultProxy(moto_port, lambda n, entries: "error")
    with publisher(name, proxy, max_attempts=2) as out:
        out.publish_many(events(4))
    assert out.snapshot()["failed"] == 4 and out.snapshot()["delivered"] == 0


CHILD = """
import sys
from bridgetwin.producer import EventPublisher, PublisherConfig
out = EventPublisher(sys.argv[1], config=PublisherConfig(spool=sys.argv[2]),
                     endpoint_url=sys.argv[3], region="us-east-1")
out.publish_many({"Source": "acme.test", "DetailType": "Test", "Detail": {"n": n}}
                 for n in range(200))  # journaled at once, then sent batch by batch
out.close()
"""


def test_a_kill_9_mid_batch_loses_nothing(bus, moto_port, tmp_path):
    """A publisher killed (SIGKILL) while it is still sending the 200 events it journaled; a new
    one on the same spool finishes the job."""
    name, read = bus
    proxy = FaultProxy(moto_port, lambda n, entries: "slow")
    child = subprocess.Popen([sys.executable, "-c", CHILD, name, str(tmp_path), proxy.url],
                             env={**os.environ, "PYTHONPATH": os.getcwd()})  # fmt: skip
    deadline = time.monotonic() + 60
    while len(proxy.calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = len(read())
    assert 0 < before < 200  # it died mid-way
    with publisher(name, FaultProxy(moto_port), spool=str(tmp_path)) as out:
        pass  # closing flushes: the spool is drained
    keys = read()
    delivered = before + len(keys)
    assert out.snapshot()["spool_depth"] == 0
    assert delivered >= 200  # every published event, at least once...
    assert delivered - 200 <= out.snapshot()["possible_duplicates"]  # ...duplicates accounted


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(["pass", "throttle", "error", "reset", "lost", "partial"]),
                min_size=1, max_size=12))  # fmt: skip
def test_random_fault_schedules_lose_nothing(bus, moto_port, tmp_path_factory, schedule):
    name, read = bus
    read()  # earlier examples' messages

    def plan(n: int, entries: list):
        action = schedule[n] if n < len(schedule) else "pass"
        return ("partial", tuple(range(0, len(entries), 2))) if action == "partial" else action

    proxy = FaultProxy(moto_port, plan)
    spool = tmp_path_factory.mktemp("spool")
    with publisher(name, proxy, spool=str(spool), max_attempts=3) as out:
        out.publish_many(events(23))
    keys = read()
    assert out.snapshot()["spool_depth"] == 0
    assert len(set(keys)) == 23  # none lost
    assert len(keys) - 23 <= proxy.lost_entries  # duplicates only from lost responses


def twin_counts(spool: bool) -> tuple[int, int]:
    """The twin's producer model, configured by the same PublisherConfig: five calls of 10
    entries into a Region that refuses every call for a minute. Returns (delivered, lost)."""
    from bridgetwin.graph import load_graph
    from bridgetwin.simulator import load_scenario, simulate
    from tests._templates import EVENT, PATTERN

    template = {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN,
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}}}  # fmt: skip
    config = {"max_attempts": 2, "backoff_base": 0.001, "backoff_cap": 0.01,
              **({"spool": "/unused"} if spool else {})}  # fmt: skip
    spec = {"duration": "10m", "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace",
            "trace": [0, 1, 2, 3, 4], "events": [{"event": EVENT}], "producer": config}],
            "regions": {"us-east-1": {"disruptions": [{"start": 0, "end": "1m", "outage": True}]}}}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    (feed,) = result.regions[0]["feeds"]
    return result.target("Rule").counts["ingested"], feed["lost_at_producer"]


@pytest.mark.parametrize("spool", [False, True])
def test_the_twin_predicts_what_the_client_does_in_an_outage(bus, moto_port, tmp_path, spool):
    """50 events in calls of 10 while the Region refuses every call, then recovers: the real
    client through the fault proxy and the twin's model of the same configuration agree on
    what is delivered and what is lost (exactly: nothing here depends on jitter)."""
    name, read = bus
    down = {"on": True}
    proxy = FaultProxy(moto_port, lambda n, entries: "error" if down["on"] else "pass")
    out = publisher(name, proxy, max_attempts=2, **({"spool": str(tmp_path)} if spool else {}))
    out.publish_many(events(50))
    out.flush()
    down["on"] = False  # the Region recovers; a spooling client drains on its next flush
    out.close()
    snapshot = out.snapshot()
    client = (len(set(read())), snapshot["failed"])
    assert client == twin_counts(spool) == ((50, 0) if spool else (0, 50))


def test_the_publish_command_sends_a_file_and_reports_counts(bus, moto_port, tmp_path):
    from typer.testing import CliRunner

    from bridgetwin.cli import app

    name, read = bus
    lines = [json.dumps({"source": "acme.test", "detail-type": "Test", "detail": {"n": n}})
             for n in range(12)]  # fmt: skip
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    out = CliRunner().invoke(app, ["publish", str(tmp_path / "events.jsonl"), "--bus", name,
                                   "--region", REGION, "--endpoint-url",
                                   f"http://127.0.0.1:{moto_port}"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.output.startswith("published 12, delivered 12, retried 0, spooled 0")
    assert len(set(read())) == 12
    (tmp_path / "bad.jsonl").write_text('{"source": "x"}\n')
    bad = CliRunner().invoke(app, ["publish", str(tmp_path / "bad.jsonl"), "--bus", name])
    assert bad.exit_code == 2 and "bad.jsonl:1: needs a string DetailType" in bad.output


@pytest.mark.parametrize(("setup", "options", "words"), [
    (lambda d: d.joinpath("e.jsonl").write_bytes(b"\xff\xfe{}\n"), [], "not UTF-8 text"),
    (lambda d: d.joinpath("e.jsonl").write_text("[" * 100_000 + "\n"), [],
     "nested too deeply"),
    (lambda d: d.joinpath("spool").write_text(""), ["--spool", "{d}/spool"], "not a directory"),
    (lambda d: d.joinpath("spool").symlink_to(d / "nowhere"), ["--spool", "{d}/spool"],
     "a link to nothing"),
    (None, ["--spool", "/dev/null"], "not a directory"),
    (None, ["--region", "mars-north-9"], "--region: 'mars-north-9' is not an AWS Region"),
    (None, ["--endpoint-url", "notaurl"], "--endpoint-url: 'notaurl' is not an http(s) URL"),
])  # fmt: skip
def test_publish_refuses_bad_inputs_before_any_call(setup, options, words, tmp_path):
    """Each exits 2 naming the input, before a client is made (no call leaves the machine)."""
    from typer.testing import CliRunner

    from bridgetwin.cli import app

    (tmp_path / "e.jsonl").write_text('{"source": "a", "detail-type": "b"}\n')
    if setup is not None:
        setup(tmp_path)
    args = [o.replace("{d}", str(tmp_path)) for o in options]
    out = CliRunner().invoke(app, ["publish", str(tmp_path / "e.jsonl"), "--bus", "orders", *args])
    assert out.exit_code == 2, out.output
    assert words in out.output


class RecordingClient:
    """A stand-in for boto3's client that accepts everything and records each call's kwargs."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def put_events(self, **kwargs):
        self.calls.append(kwargs)
        return {"FailedEntryCount": 0,
                "Entries": [{"EventId": str(i)} for i, _ in enumerate(kwargs["Entries"])]}  # fmt: skip


def test_a_global_endpoints_id_goes_with_every_call():
    client = RecordingClient()
    with EventPublisher("orders", client=client, endpoint_id="abcde.veo") as out:
        out.publish_many(events(12))
    assert [c.get("EndpointId") for c in client.calls] == ["abcde.veo", "abcde.veo"]
    assert {e["EventBusName"] for c in client.calls for e in c["Entries"]} == {"orders"}


def test_publishing_from_many_threads_loses_and_duplicates_nothing():
    import threading

    client = RecordingClient()
    out = EventPublisher("orders", client=client)
    workers = [threading.Thread(target=lambda: [out.publish(e) for e in events(250)])
               for _ in range(8)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.close()
    keys = [json.loads(e["Detail"])["idempotency-key"] for c in client.calls for e in c["Entries"]]
    assert len(keys) == len(set(keys)) == 2000
    assert all(len(c["Entries"]) <= 10 for c in client.calls)
    assert out.snapshot()["delivered"] == 2000
