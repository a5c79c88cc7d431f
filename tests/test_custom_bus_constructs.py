"""The Custom Event Bus constructs: exact template properties for each target and each prop that
matters, cfn-lint clean with its EventsV2 schemas, a delivery role that can write the on-failure
queue (KMS included), AWS's refusals refused at construction, and the subscriber in the twin under
a 10-minute outage losing exactly what the retry timeline says, its DLQ alarm firing and clearing
at the minutes the timeline gives."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

pytest.importorskip("aws_cdk.aws_eventsv2")

from bridgetwin.constructs import (
    CustomEventBus,
    Subscriber,
    SubscriberTarget,
    ValidationError,
)
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._migration import cfn_lint
from tests.test_custom_bus_twin import ARRIVALS, OUTAGE, outage_scenario, retry_timeline

ORDERS = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}
ENV = cdk.Environment(account="111122223333", region="us-east-1")
CDK_OWN = ("W3005",)
"""aws-cdk-lib's Lambda function depends on its role twice (DependsOn and GetAtt): not ours."""


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Orders", env=ENV)


def _targets(stack: cdk.Stack) -> dict:
    code = lambda_.Code.from_inline("def handler(event, context): pass")
    function = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12,
                                handler="index.handler", code=code)  # fmt: skip
    machine = sfn.StateMachine(stack, "Machine",
                               definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "P")))  # fmt: skip
    connection = events.Connection(stack, "Conn", authorization=events.Authorization.api_key(
        "x-api-key", cdk.SecretValue.secrets_manager("partner")))  # fmt: skip
    destination = events.ApiDestination(stack, "Partner", connection=connection,
                                        endpoint="https://partner.example.com/orders")  # fmt: skip
    other = CustomEventBus(stack, "Audit", bus_name="audit")
    return {
        "sqs": SubscriberTarget.sqs(sqs.Queue(stack, "Jobs")),
        "fifo-sqs": SubscriberTarget.sqs(sqs.Queue(stack, "Ordered", fifo=True),
                                         message_group_id="{% $events[0].detail.customer %}"),
        "sns": SubscriberTarget.sns(sns.Topic(stack, "Topic")),
        "lambda": SubscriberTarget.lambda_function(function),
        "lambda-sync": SubscriberTarget.lambda_function(function, invocation_type="REQUEST_RESPONSE"),
        "states": SubscriberTarget.state_machine(machine),
        "kinesis": SubscriberTarget.kinesis(kinesis.Stream(stack, "Stream"), partition_key="orders"),
        "http": SubscriberTarget.api_destination(destination),
        "bus": SubscriberTarget.event_bus(other),
    }  # fmt: skip


def _subscriber_props(stack: cdk.Stack, construct: Subscriber) -> dict:
    template = Template.from_stack(stack).to_json()
    return template["Resources"][stack.get_logical_id(construct.resource)]["Properties"]


def _arn(stack: cdk.Stack, construct) -> dict:
    return {"Fn::GetAtt": [stack.get_logical_id(construct), "Arn"]}


BLOCKS = {  # each target's parameter block and default batch size
    "sqs": (None, 10), "fifo-sqs": ({"SqsParameters": {"MessageGroupId": "{% $events[0].detail.customer %}"}}, 10),
    "sns": (None, 10), "lambda": ({"LambdaParameters": {"InvocationType": "EVENT"}}, 10),
    "lambda-sync": ({"LambdaParameters": {"InvocationType": "REQUEST_RESPONSE"}}, 10),
    "states": ({"StepFunctionsParameters": {"InvocationType": "EVENT"}}, 10),
    "kinesis": ({"KinesisParameters": {"PartitionKey": "orders"}}, 500), "http": (None, 1),
    "bus": (None, 100),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(BLOCKS))
def test_each_target_writes_exactly_its_properties(kind):
    stack = _stack()
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    target = _targets(stack)[kind]
    made = Subscriber(stack, "Reader", bus=bus, target=target, filters={"DATA": ORDERS},
                      subscriber_name="reader")  # fmt: skip
    props = _subscriber_props(stack, made)
    block, batch = BLOCKS[kind]
    invoke = {"TargetArn": json.loads(json.dumps(stack.resolve(target.target_arn))),
              "RoleArn": _arn(stack, made.role.node.default_child)} | (block or {})  # fmt: skip
    assert props == {
        "Name": "reader",
        "EventBusArn": {"Fn::GetAtt": [stack.get_logical_id(bus.resource), "EventBusArn"]},
        "FilterConfiguration": {"Filters": [{"Scope": "DATA", "Pattern": json.dumps(ORDERS)}]},
        "InvokeConfiguration": invoke,
        "Type": "UNORDERED",
        "State": "RUNNING",
        "RetryPolicy": {"MaxRetryAttempts": 5, "MaxEventAgeInSeconds": 300},
        "OnFailureConfiguration": {"Arn": _arn(stack, made.on_failure_queue.node.default_child)},
        "BatchConfiguration": {"MaxBatchSize": batch},
        "LogConfiguration": {"Level": "OFF"},
    }
    assert cfn_lint(Template.from_stack(stack).to_json(), ignore=CDK_OWN) == []


def test_the_props_that_matter_are_written_as_given():
    stack = _stack()
    key = kms.Key(stack, "Key")
    bus = CustomEventBus(stack, "Bus", bus_name="orders", retention=cdk.Duration.days(30),
                         kms_key=key, description="orders, kept 30 days")  # fmt: skip
    function = _targets(stack)["lambda-sync"]
    made = Subscriber(stack, "Reader", bus=bus, target=function, filters={
        "DATA": ORDERS, "SYSTEM_METADATA": {"aws:EventGroupId": [{"prefix": "eu-"}]}},
        ordering="FIFO", classic_retries=True, batch_size=1, batch_window=cdk.Duration.seconds(5),
        log_level="ERROR", enabled=False, subscriber_name="ordered")  # fmt: skip
    props = _subscriber_props(stack, made)
    assert (props["Type"], props["State"], props["LogConfiguration"]) == (
        "FIFO",
        "STOPPED",
        {"Level": "ERROR"},
    )
    assert props["RetryPolicy"] == {"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86400}
    assert props["BatchConfiguration"] == {"MaxBatchSize": 1, "MaxBatchWindowInSeconds": 5}
    assert [f["Scope"] for f in props["FilterConfiguration"]["Filters"]] == [
        "DATA",
        "SYSTEM_METADATA",
    ]
    template = Template.from_stack(stack).to_json()
    assert template["Resources"][stack.get_logical_id(bus.resource)]["Properties"] == {
        "Name": "orders", "Description": "orders, kept 30 days",
        "StorageConfiguration": {"RetentionPeriodInDays": 30},
        "EncryptionConfiguration": {"KmsKeyIdentifier": _arn(stack, key.node.default_child)}}  # fmt: skip
    assert cfn_lint(template, ignore=CDK_OWN) == []
    graph = load_graph(template)
    (subscriber,) = [s for s in graph.subscribers if s.name == "ordered"]
    assert (subscriber.ordering, subscriber.state, subscriber.batch_size) == ("FIFO", "STOPPED", 1)
    assert subscriber.targets[0].retry_policy.maximum_retry_attempts == 185


def _role_writes(template: dict, role_lid: str, queue_lid: str, key_lid: str | None) -> bool:
    """Whether the role's policies allow sqs:SendMessage on the queue, and kms:GenerateDataKey
    on its key when it has one: what a subscriber needs to write a record."""
    allowed: list[tuple[str, object]] = []
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] != "AWS::IAM::Policy" or {"Ref": role_lid} not in props.get(
            "Roles", []
        ):
            continue
        for statement in props["PolicyDocument"]["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            resources = (
                statement["Resource"]
                if isinstance(statement["Resource"], list)
                else [statement["Resource"]]
            )
            allowed += [
                (a, r) for a in actions for r in resources if statement["Effect"] == "Allow"
            ]
    queue = {"Fn::GetAtt": [queue_lid, "Arn"]}
    writes = ("sqs:SendMessage", queue) in allowed
    if key_lid is not None:
        writes = writes and ("kms:GenerateDataKey*", {"Fn::GetAtt": [key_lid, "Arn"]}) in allowed
    return writes


def test_the_delivery_role_can_write_the_on_failure_queue_and_its_key():
    stack = _stack()
    key = kms.Key(stack, "QueueKey")
    queue = sqs.Queue(
        stack, "Failures", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key
    )
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    made = Subscriber(stack, "Reader", bus=bus, target=_targets(stack)["sqs"],
                      filters={"DATA": ORDERS}, on_failure_queue=queue)  # fmt: skip
    template = Template.from_stack(stack).to_json()
    role = stack.get_logical_id(made.role.node.default_child)
    ids = (
        role,
        stack.get_logical_id(queue.node.default_child),
        stack.get_logical_id(key.node.default_child),
    )
    assert _role_writes(template, *ids)
    for policy in [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]:
        policy["Properties"]["PolicyDocument"]["Statement"] = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if "kms:GenerateDataKey*" not in s["Action"]
        ]
    assert not _role_writes(template, *ids)  # the check sees a copy without the KMS grant


@pytest.mark.parametrize(
    ("props", "words"),
    [({"filters": {"DATA": {"id": [{"wildcard": "a*"}]}}}, "refuse wildcard"),
     ({"filters": {"HEADERS": ORDERS}}, "'filters (scope)' must be one of DATA, METADATA"),
     ({"filters": {}}, "at least one"),
     ({"filters": {"DATA": {"source": "acme"}}}, "filters[DATA]"),
     ({"batch_size": 11}, "'batch_size (for a sqs target)' must be between 1 and 10"),
     ({"classic_retries": True, "retry_attempts": 3}, "not both"),
     ({"retry_attempts": 186}, "'retry_attempts' must be between 0 and 185"),
     ({"max_event_age": cdk.Duration.seconds(30)}, "between 60 and 86400"),
     ({"ordering": "ORDERED"}, "'ordering' must be one of UNORDERED, FIFO"),
     ({"subscriber_name": "bad name"}, "'subscriber_name' may only contain"),
     ({"alarms": {"latency": None}}, "unknown keys ['latency']")],
)  # fmt: skip
def test_what_aws_refuses_is_refused_naming_the_prop(props, words):
    stack = _stack()
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    kwargs = {"bus": bus, "target": _targets(stack)["sqs"], "filters": {"DATA": ORDERS}} | props
    with pytest.raises(ValidationError) as caught:
        Subscriber(stack, "Reader", **kwargs)
    assert words in str(caught.value)


def test_a_fifo_subscriber_refuses_an_asynchronous_function():
    stack = _stack()
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    with pytest.raises(ValidationError, match="REQUEST_RESPONSE"):
        Subscriber(stack, "Reader", bus=bus, target=_targets(stack)["lambda"],
                   filters={"DATA": ORDERS}, ordering="FIFO")  # fmt: skip


@pytest.mark.parametrize(
    ("props", "words"),
    [({"retention": cdk.Duration.days(400)}, "between 1 and 365"),
     ({"retention": cdk.Duration.hours(36)}, "whole days"),
     ({"bus_name": "-orders"}, "start with a letter or a digit")],
)  # fmt: skip
def test_the_bus_refuses_what_aws_refuses(props, words):
    with pytest.raises(ValidationError, match=words):
        CustomEventBus(_stack(), "Bus", **({"bus_name": "orders"} | props))


def test_a_region_without_the_type_is_refused_naming_those_with_it():
    from bridgetwin.constructs._regions import regions_offering

    offered = set(regions_offering("AWS::EventsV2::EventBus"))
    missing = next(r for r in ("us-gov-west-1", "cn-north-1", "af-south-1", "eu-south-2")
                   if r not in offered)  # fmt: skip
    stack = cdk.Stack(cdk.App(), "Far", env=cdk.Environment(account="111122223333", region=missing))
    with pytest.raises(ValidationError, match=f"in {missing}, where CloudFormation does not offer"):
        CustomEventBus(stack, "Bus", bus_name="orders")


def test_in_the_twin_an_outage_loses_what_the_retry_timeline_says():
    """The subscriber to an API destination on its defaults (5 attempts / 300 s, written out)
    under the 10-minute outage of tests/test_custom_bus_twin.py: the on-failure queue gets the
    events whose attempts all met the outage; its alarm (OnFailureDestinationDelivered >= 1 in
    5 minutes) goes to ALARM at the end of the first 5-minute period with a record and back to
    OK at the end of the first period without one."""
    stack = _stack()
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    made = Subscriber(stack, "Webhook", bus=bus, target=_targets(stack)["http"],
                      filters={"DATA": ORDERS}, subscriber_name="webhook")  # fmt: skip
    template = Template.from_stack(stack).to_json()
    result = simulate(load_graph(template), load_scenario(outage_scenario()))
    expected = retry_timeline(5, 300)
    target = result.target(stack.get_logical_id(made.resource))
    assert target.counts["dlq"] == expected["MaximumRetryAttempts"] > 0
    assert target.counts["delivered"] == expected["delivered"]
    written = sorted(t + 31 for t in ARRIVALS if all(
        OUTAGE[0] <= t + d < OUTAGE[1] for d in (0, 1, 3, 7, 15, 31)))  # fmt: skip
    periods = sorted({int(w // 300) for w in written})
    alarm = stack.get_logical_id(made.alarms["on_failure_delivered"].node.default_child)
    transitions = [(a["at_s"], a["state"]) for a in result.alarms if a["alarm"] == alarm]
    assert transitions[-2:] == [((periods[0] + 1) * 300, "ALARM"), ((periods[-1] + 2) * 300, "OK")]


@pytest.mark.parametrize(("construct", "bus"), [("CustomEventBus(", "orders"),
                                               ("CustomBusDelivery(", "partner-orders")])  # fmt: skip
def test_the_readme_examples_synthesize_clean_and_simulate(construct, bus):
    """The README's Custom Event Bus examples, run as written in an app that runs cdk-nag's
    AwsSolutions pack: each synthesizes, passes cfn-lint and bridgetwin lint, and the twin
    delivers its events."""
    import re
    from pathlib import Path

    from aws_cdk import aws_iam as iam

    from bridgetwin.graph.lint import lint_graph
    from tests._cdk import new_stack
    from tests._docs import section

    readme = section(Path(__file__).resolve().parent.parent / "README.md", "Constructs")
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
               if construct in b]  # fmt: skip
    stack = new_stack()
    namespace = {"stack": stack, "ops_topic": sns.Topic(stack, "Ops", enforce_ssl=True),
                 "producer_role": iam.Role(stack, "Producer",
                                           assumed_by=iam.AccountRootPrincipal())}  # fmt: skip
    exec(code, namespace)  # the documented example, as a reader would run it
    template = Template.from_stack(stack).to_json()  # cdk-nag runs here
    assert cfn_lint(template) == []
    graph = load_graph(template)
    assert lint_graph(graph) == []
    spec = {"duration": "5m", "traffic": [{"bus": bus, "rate": 2, "events": [
        {"event": {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {}}}]}]}  # fmt: skip
    result = simulate(graph, load_scenario(spec))
    (target,) = result.targets
    assert target.counts["delivered"] + target.counts["in_flight"] == target.counts["ingested"] > 0
    assert target.counts["dlq"] == target.counts["dropped"] == 0


def test_the_dashboard_draws_a_subscribers_metrics():
    from bridgetwin.constructs import EventBridgeDashboard

    stack = _stack()
    bus = CustomEventBus(stack, "Bus", bus_name="orders")
    made = Subscriber(
        stack, "Reader", bus=bus, target=_targets(stack)["sqs"], filters={"DATA": ORDERS}
    )
    EventBridgeDashboard(stack, "Board", subscribers=[made])
    template = Template.from_stack(stack).to_json()
    (board,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    body = json.dumps(board["Properties"]["DashboardBody"])
    for metric in (
        "EventsDelivered",
        "EventsDropped",
        "OnFailureDestinationFailed",
        "ApproximateBacklogAge",
        "IngestionToInvocationStartTime",
        "RetryInvocationAttempts",
    ):
        assert f'\\"AWS/EventsV2\\",\\"{metric}\\"' in body, metric
    assert cfn_lint(template, ignore=CDK_OWN) == []
