"""Targets whose own write limits matter: Kinesis streams (shards) and Step Functions state
machines (STANDARD or EXPRESS), kept so the twin can apply the service's quota to them."""

from __future__ import annotations

from bridgetwin.graph._build import Build
from bridgetwin.graph.service_nodes import StateMachine, Stream


def build_stream(b: Build) -> Stream:
    mode = b.section(b.props, "StreamModeDetails", "").get("StreamMode", "PROVISIONED")
    shards = b.number(b.props, "ShardCount", 1, low=1, integer=True)
    return Stream(
        id=b.gid,
        name=b.name(b.props, "Name"),
        region=b.region,
        shards=None if mode == "ON_DEMAND" else shards,
    )


def build_state_machine(b: Build) -> StateMachine:
    kind = b.props.get("StateMachineType", b.props.get("Type", "STANDARD"))
    return StateMachine(
        id=b.gid,
        name=b.name(b.props, "StateMachineName"),
        region=b.region,
        express=kind == "EXPRESS",
    )
