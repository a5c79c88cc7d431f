"""The text graph lists everything the JSON graph has."""

from __future__ import annotations

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.graph._render import graph_to_dict, graph_to_text
from tests._templates import fanout_graph, webhook_template

UNATTACHED = {"Resources": {
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
    "Arch": {"Type": "AWS::Events::Archive", "Properties": {
        "SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]}, "RetentionDays": 7,
        "EventPattern": {"source": ["a"]}}},
    "Forever": {"Type": "AWS::Events::Archive", "Properties": {"SourceArn": {"Fn::GetAtt": ["Bus", "Arn"]}}},
    "Conn": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": "API_KEY"}},
    "Dest": {"Type": "AWS::Events::ApiDestination", "Properties": {
        "ConnectionArn": {"Fn::GetAtt": ["Conn", "Arn"]}, "InvocationEndpoint": "https://x.example.com",
        "HttpMethod": "POST", "InvocationRateLimitPerSecond": 5}},
    "Lonely": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": "BASIC"}},
    "Q": {"Type": "AWS::SQS::Queue"},
    "Pipe": {"Type": "AWS::Pipes::Pipe", "Properties": {"Source": "x", "Target": "y", "RoleArn": "r"}},
    "Schedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": "arn:aws:sqs:us-east-1:1:q", "RoleArn": "r"}}},
}}  # fmt: skip


@pytest.mark.parametrize(
    "graph",
    [load_graph(UNATTACHED), load_graph(webhook_template()), fanout_graph()],
    ids=["unattached", "webhook", "fanout"],
)
def test_every_node_of_the_json_graph_is_in_the_text(graph):
    text = graph_to_text(graph)
    data = graph_to_dict(graph)
    for section, nodes in data.items():
        for node in nodes:
            if section == "stacks":
                assert f"stack {node['name']}" in text
            elif section == "other":
                assert f"{node['type']} x" in text
            else:
                assert node["id"] in text, (section, node["id"])


def test_unattached_resources_say_so():
    text = graph_to_text(load_graph(UNATTACHED))
    assert 'archive Arch [Arch] of Bus: {"source":["a"]}, 7 days' in text
    assert "archive Forever [Forever] of Bus: every event, kept indefinitely" in text
    assert (
        "api destination Dest: POST https://x.example.com at 5/s (nothing targets it, no rule)"
        in text
    )
    assert "connection Lonely: BASIC (no API destination uses it)" in text
    assert "connection Conn:" not in text  # Dest uses it
    assert "queue Q: neither a target nor a DLQ of any rule" in text
    assert "pipe Pipe: x (batches of 1) -> y" in text
    assert "schedule Schedule: rate(1 hour) -> arn:aws:sqs:us-east-1:1:q" in text


def test_pipes_schedules_and_redrive_policies_give_resources_their_roles():
    """examples/pipes: the queue a pipe reads, its redrive DLQ, the destination only the pipe
    targets: each line says what uses it, not 'unused'."""
    from pathlib import Path

    example = Path(__file__).parent.parent / "examples" / "pipes" / "template.yaml"
    text = graph_to_text(load_graph(example))
    assert ("queue Jobs: source of pipe PaidJobs; redrive to JobsDeadLetters after 15 receives "
            "(60 s apart)") in text  # fmt: skip
    assert "queue JobsDeadLetters: redrive DLQ of Jobs" in text
    assert "api destination PartnerJobs: POST https://partner.example.com/jobs at 10/s (target " \
           "of pipe PaidJobs, no rule)" in text  # fmt: skip
