"""``bridgetwin migrate --out`` also writes the migrated buses and subscribers as Python with
bridgetwin's constructs: run here in a CDK app (with cdk-nag), it synthesizes subscribers whose
every migrated property equals the faithful template's."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

pytest.importorskip("aws_cdk.aws_eventsv2")

from bridgetwin.constructs import SubscriberTarget
from bridgetwin.graph import load_graph, read_sources
from bridgetwin.migration import migrate, snippet
from tests._cdk import new_stack
from tests._migration import transformer_template

ARN = "arn:aws:{}:us-east-1:123456789012:{}"
WRITTEN_BY_BOTH = ("Name", "FilterConfiguration", "RetryPolicy", "Type", "Transformer")


def _targets(stack: cdk.Stack, template: dict) -> tuple[dict, dict]:
    """A SubscriberTarget per target the migrated template names, and the on-failure queues."""
    targets, queues = {}, {}
    for lid, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind == "AWS::Events::ApiDestination":
            destination = events.ApiDestination.from_api_destination_attributes(
                stack, f"Imported{lid}", api_destination_arn=ARN.format("events", f"api-destination/{lid}"),
                connection=events.Connection.from_connection_attributes(
                    stack, f"Conn{lid}", connection_arn=ARN.format("events", f"connection/{lid}"),
                    connection_name=lid, connection_secret_arn=ARN.format("secretsmanager", f"secret:{lid}")))  # fmt: skip
            targets[lid] = SubscriberTarget.api_destination(destination)
        elif kind == "AWS::SQS::Queue":
            queue = sqs.Queue.from_queue_arn(stack, f"Imported{lid}", ARN.format("sqs", lid))
            targets[lid], queues[lid] = SubscriberTarget.sqs(queue), queue
        elif kind == "AWS::Lambda::Function":
            function = lambda_.Function.from_function_arn(
                stack, f"Imported{lid}", ARN.format("lambda", f"function:{lid}")
            )
            targets[lid] = SubscriberTarget.lambda_function(function)
    return targets, queues


@pytest.mark.parametrize("shape", ["bundled", "transformers"])
def test_the_snippet_builds_what_the_migrated_template_holds(shape, webhook_template):
    source = copy.deepcopy(webhook_template if shape == "bundled" else transformer_template())
    sources = read_sources(source)
    migrated = migrate(sources, load_graph(sources)).faithful[0].template
    code = snippet("Orders", migrated)
    assert code is not None and "def add_migrated_subscribers" in code
    stack = new_stack()
    targets, queues = _targets(stack, migrated)
    namespace: dict = {}
    exec(code, namespace)  # the generated module, as an app would import it
    namespace["add_migrated_subscribers"](stack, targets, queues)
    built = Template.from_stack(stack).to_json()["Resources"]  # cdk-nag runs here
    wanted = {r["Properties"]["Name"]: r["Properties"] for r in migrated["Resources"].values()
              if r["Type"] == "AWS::EventsV2::Subscriber"}  # fmt: skip
    made = {r["Properties"]["Name"]: r["Properties"] for r in built.values()
            if r["Type"] == "AWS::EventsV2::Subscriber"}  # fmt: skip
    assert set(made) == set(wanted) and made
    for name, props in wanted.items():
        for key in WRITTEN_BY_BOTH:
            assert made[name].get(key) == props.get(key), (name, key)
        expected_batch = (props.get("BatchConfiguration") or {}).get("MaxBatchSize")
        if expected_batch is not None:
            assert made[name]["BatchConfiguration"] == {"MaxBatchSize": expected_batch}
        blocks = {k: v for k, v in props["InvokeConfiguration"].items()
                  if k not in ("TargetArn", "RoleArn")}  # fmt: skip
        assert {k: v for k, v in made[name]["InvokeConfiguration"].items()
                if k not in ("TargetArn", "RoleArn")} == blocks  # fmt: skip
