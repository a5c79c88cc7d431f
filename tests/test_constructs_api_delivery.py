"""ApiDelivery: what it creates, what it validates, and that the twin reads it back."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from bridgetwin.constructs import (
    AlarmSettings,
    ApiDelivery,
    DeliveryAuth,
    SecretParameter,
    ValidationError,
)
from bridgetwin.graph import load_graph
from tests._cdk import fixture_secret, new_stack, synth

pytestmark = pytest.mark.cdk
PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}


def delivery(stack: cdk.Stack | None = None, **overrides) -> tuple[cdk.Stack, ApiDelivery]:
    stack = stack or new_stack()
    secret = fixture_secret(stack, f"Key{len(stack.node.children)}")
    props = {
        "event_patterns": [PATTERN],
        "endpoint": "https://api.example.com/hook",
        "authorization": DeliveryAuth.api_key("x-api-key", secret, field="key"),
        "rate_limit_per_second": 10,
        **overrides,
    }
    return stack, ApiDelivery(stack, f"Delivery{len(stack.node.children)}", **props)


def test_api_delivery_creates_the_delivery_chain():
    # GIVEN a delivery with defaults WHEN synthesized
    stack, _ = delivery()
    template = synth(stack)
    # THEN connection, destination, rule, DLQ and six alarms exist
    template.resource_count_is("AWS::Events::Connection", 1)
    template.has_resource_properties(
        "AWS::Events::ApiDestination",
        {"InvocationRateLimitPerSecond": 10, "HttpMethod": "POST",
         "InvocationEndpoint": "https://api.example.com/hook"},
    )  # fmt: skip
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": PATTERN,
            "Targets": [
                Match.object_like(
                    {
                        "RetryPolicy": {
                            "MaximumRetryAttempts": 185,
                            "MaximumEventAgeInSeconds": 86400,
                        },
                        "DeadLetterConfig": {"Arn": Match.any_value()},
                    }
                )
            ],
        },
    )
    template.has_resource_properties(
        "AWS::SQS::Queue", {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 1209600}
    )
    template.resource_count_is("AWS::CloudWatch::Alarm", 6)


def test_api_delivery_dlq_policy_is_tls_only_and_scoped_to_the_rule():
    stack, created = delivery()
    template = synth(stack).to_json()
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    rule_id = stack.get_logical_id(created.rule.node.default_child)
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}


def test_api_delivery_accepts_every_pattern_operator():
    # $or at the top level cannot be written with CDK's EventPattern; ApiDelivery passes it through.
    pattern = {"source": ["acme.orders"], "detail-type": ["OrderCreated"],
               "$or": [{"detail": {"amount": [{"numeric": [">", 100]}]}},
                       {"detail": {"vip": [True]}}]}  # fmt: skip
    stack, _ = delivery(event_patterns=[pattern])
    synth(stack).has_resource_properties("AWS::Events::Rule", {"EventPattern": pattern})


def test_api_delivery_one_rule_per_pattern_with_alarms_each():
    stack, created = delivery(event_patterns=[PATTERN, {**PATTERN, "detail-type": ["OrderPaid"]}])
    template = synth(stack)
    template.resource_count_is("AWS::Events::Rule", 2)
    assert {"failed_invocations/0", "failed_invocations/1", "dlq_messages_visible"} <= set(
        created.alarms
    )
    with pytest.raises(ValidationError, match=r"has 2 rules; use \.rules"):
        _ = created.rule


def test_api_delivery_shares_api_destination_and_its_rate_limit():
    stack, first = delivery()
    _, second = delivery(stack, api_destination=first.api_destination, endpoint=None,
                         authorization=None, rate_limit_per_second=None, bus=first.bus)  # fmt: skip
    template = synth(stack)
    template.resource_count_is("AWS::Events::ApiDestination", 1)
    template.resource_count_is("AWS::Events::Connection", 1)
    graph = load_graph(template.to_json())
    (destination,) = graph.api_destinations
    assert len(graph.rules_targeting(destination.id)) == 2
    assert second.connection is None


def test_api_delivery_alarm_overrides_and_removal():
    stack, created = delivery(
        alarms={"start_latency": None, "failed_invocations": AlarmSettings(threshold=5)}
    )
    template = synth(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 5)
    assert "start_latency" not in created.alarms
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "FailedInvocations", "Threshold": 5}
    )


def test_api_delivery_oauth_and_basic_keep_secrets_out_of_the_template():
    stack = new_stack()
    secret = fixture_secret(stack, "Client")
    delivery(stack, authorization=DeliveryAuth.oauth_client_credentials(
        "https://auth.example.com/token", "client", secret, http_method="GET"))  # fmt: skip
    delivery(stack, authorization=DeliveryAuth.basic("user", secret, field="password"))
    graph = load_graph(synth(stack).to_json())
    by_type = {c.authorization_type: c for c in graph.connections}
    assert by_type["OAUTH_CLIENT_CREDENTIALS"].oauth_http_method == "GET"
    for connection in graph.connections:
        assert connection.plaintext_secret_fields == ()
        assert connection.secret_references[0].startswith("{{resolve:secretsmanager:")


def test_api_delivery_lint_findings_become_synth_warnings():
    stack, _ = delivery(event_patterns=[{"source": ["acme.orders"]}])
    Annotations.from_stack(stack).has_warning(
        "*",
        Match.string_like_regexp("event_patterns\\[0\\]: pattern does not filter on 'detail-type'"),
    )


def test_api_delivery_graph_round_trip():
    """The twin finds in the template exactly what the construct was told."""
    stack, _ = delivery(retry_attempts=7, max_event_age=cdk.Duration.minutes(30),
                        rate_limit_per_second=3)  # fmt: skip
    graph = load_graph(synth(stack).to_json())
    (rule,) = graph.rules
    (target,) = rule.targets
    assert (
        target.retry_policy.maximum_retry_attempts,
        target.retry_policy.maximum_event_age_seconds,
    ) == (7, 1800)
    assert graph.get(target.api_destination).rate_limit_per_second == 3
    assert graph.get(target.dead_letter_queue).fifo is False
    latency = [a for a in graph.alarms if a.metric_name == "IngestionToInvocationStartLatency"]
    assert [(a.statistic, a.period, a.evaluation_periods, a.threshold) for a in latency] == [
        ("Average", 60, 5, 30000)
    ]
    assert latency[0].dimension_resources[-1] == rule.id


ERRORS = [
    ({"rate_limit_per_second": 0}, "'rate_limit_per_second' must be between 1 and 300, got 0"),
    ({"rate_limit_per_second": 301}, "'rate_limit_per_second' must be between 1 and 300, got 301 (the per-destination quota); set rate_limit_quota_raised=True"),
    ({"rate_limit_per_second": 2.5}, "'rate_limit_per_second' must be an integer, got 2.5"),
    ({"rate_limit_per_second": float("nan")}, "'rate_limit_per_second' must be a finite number, got nan"),
    ({"rate_limit_per_second": True}, "'rate_limit_per_second' must be an integer, got bool True"),
    ({"retry_attempts": 3.0}, "'retry_attempts' must be an integer, got 3.0"),
    ({"retry_attempts": float("inf")}, "'retry_attempts' must be a finite number, got inf"),
    ({"endpoint": "http://api.example.com"}, "'endpoint' must be an HTTPS URL (https://...), got 'http://api.example.com'"),
    ({"endpoint": ""}, "'endpoint' must be an HTTPS URL (https://...), got ''"),
    ({"endpoint": "https://"}, "'endpoint' must name a host (https://host/...), got 'https://'"),
    ({"endpoint": "https:///path"}, "'endpoint' must name a host (https://host/...), got 'https:///path'"),
    ({"endpoint": "https://api.example.com/a b"}, "'endpoint' must not contain spaces or control characters"),
    ({"endpoint": "https://[::1/x"}, "'endpoint' is not a valid URL (Invalid IPv6 URL)"),
    ({"header_parameters": {"": "x"}}, "'header_parameters' keys must be strings of 1 to 512 characters, got ''"),
    ({"header_parameters": {"X-Evil\r\nHost": "x"}}, "'header_parameters' key 'X-Evil\\r\\nHost' is not a valid HTTP header name"),
    ({"header_parameters": {"X-Trace": "a\r\nb"}}, "'header_parameters['X-Trace']' must be at most 512 characters without CR, LF or NUL"),
    ({"header_parameters": {"Authorization": "Bearer abc123"}}, "'header_parameters['Authorization']' looks like a credential (its value has the shape of a credential); a literal would sit in the CloudFormation template in plain text: put it on the connection instead"),
    ({"header_parameters": {"X-Api-Key": "k-123"}}, "'header_parameters['X-Api-Key']' looks like a credential (its name says it carries a credential)"),
    ({"query_string_parameters": {"access_token": "abc"}}, "'query_string_parameters['access_token']' looks like a credential"),
    ({"header_parameters": {"X-Count": 3}}, "'header_parameters['X-Count']' must be a string, got 3"),
    ({"connection_header_parameters": {"x-signing-secret": "s3cr3t"}}, "'connection_header_parameters['x-signing-secret']' looks like a credential (its name says it carries a credential); a literal would sit in the CloudFormation template in plain text: pass it as SecretParameter.from_secret(secret, field=...)"),
    ({"connection_body_parameters": dict.fromkeys((f"k{i}" for i in range(101)), "v")}, "'connection_body_parameters' may hold at most 100 entries, got 101"),
    ({"path_parameter_values": "orders"}, "'path_parameter_values' must be a list of strings"),
    ({"path_parameter_values": [" "]}, "'path_parameter_values[0]' must be a non-blank string, got ' '"),
    ({"bus_name": "bad/name"}, "'bus_name' may only contain [.\\-_A-Za-z0-9], got 'bad/name'"),
    ({"bus_name": "x" * 257}, "'bus_name' must be between 1 and 256 characters, got 257"),
    ({"bus_name": "default"}, "'bus_name' names the bus to create and cannot be 'default'"),
    ({"event_patterns": PATTERN}, "'event_patterns' takes a list of patterns (one rule each); wrap a single pattern in [...], got dict"),
    ({"event_patterns": ["source"]}, "event_patterns[0] must be a dict, got str"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=float("nan"))}}, "'alarms.sent_to_dlq.threshold' must be a finite number, got nan"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=1, evaluation_periods=1.5)}}, "'alarms.sent_to_dlq.evaluation_periods' must be an integer, got 1.5"),
    ({"http_method": "TRACE"}, "'http_method' must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE, got 'TRACE'"),
    ({"retry_attempts": 186}, "'retry_attempts' must be between 0 and 185, got 186"),
    ({"max_event_age": cdk.Duration.seconds(59)}, "'max_event_age' must be between 60 and 86400, got 59"),
    ({"max_event_age": cdk.Duration.hours(25)}, "'max_event_age' must be between 60 and 86400, got 90000"),
    ({"name": "bad name!"}, "'name' may only contain [.\\-_A-Za-z0-9], got 'bad name!'"),
    ({"name": "x" * 60}, "'name' must be between 1 and 53 characters, got 60"),
    ({"event_patterns": []}, "'event_patterns' needs at least one pattern"),
    ({"event_patterns": [{"source": "acme"}]}, 'event_patterns[0]: Event pattern is not valid. Reason: source: "source" must be an object or an array'),
    ({"endpoint": None}, "'endpoint' is required without 'api_destination'"),
    ({"authorization": None}, "'authorization' is required without 'connection' or 'api_destination'"),
    ({"bus_name": "orders", "bus": "placeholder"}, "'bus' and 'bus_name' cannot both be provided"),
    ({"alarms": {"latency": None}}, "'alarms' has unknown key 'latency'; allowed: failed_invocations, sent_to_dlq"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=1, treat_missing_data="maybe")}}, "'alarms.sent_to_dlq.treat_missing_data' must be one of breaching, notBreaching, ignore, missing, got 'maybe'"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=1, period=cdk.Duration.seconds(45))}}, "'alarms.sent_to_dlq.period' must be 10 s, 30 s or a multiple of 60 s, got 45 s"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), ERRORS, ids=[e[1][:40] for e in ERRORS])
def test_api_delivery_validation_errors(overrides, message):
    stack = new_stack()
    if overrides.get("bus") == "placeholder":
        overrides = {**overrides, "bus": events.EventBus(stack, "B")}
    with pytest.raises(ValidationError) as info:
        delivery(stack, **overrides)
    assert message in str(info.value)


def test_api_delivery_pattern_error_names_the_construct_path():
    with pytest.raises(ValidationError, match=r"^TestStack/Delivery\d+: event_patterns\[0\]"):
        delivery(event_patterns=[{"detail": {"n": [{"numeric": [">", 5, "<", 1]}]}}])


def test_api_delivery_rejects_fifo_and_cross_region_dlq():
    stack = new_stack()
    fifo = sqs.Queue(stack, "Fifo", fifo=True)
    with pytest.raises(ValidationError, match="SQS FIFO is not supported by Dead Letter Queues"):
        delivery(stack, dead_letter_queue=fifo)
    other = cdk.Stack(
        stack.node.root, "Other", env=cdk.Environment(account="123456789012", region="eu-west-1")
    )
    with pytest.raises(
        ValidationError, match="must be in the rule's Region us-east-1, got eu-west-1"
    ):
        delivery(stack, dead_letter_queue=sqs.Queue(other, "Dlq"))


def test_api_delivery_quota_acknowledgement_allows_higher_rate():
    stack, _ = delivery(rate_limit_per_second=1000, rate_limit_quota_raised=True)
    synth(stack).has_resource_properties(
        "AWS::Events::ApiDestination", {"InvocationRateLimitPerSecond": 1000}
    )


def test_delivery_auth_validates_oauth_token_endpoint():
    stack = new_stack()
    secret = fixture_secret(stack, "S")
    with pytest.raises(
        ValidationError, match="'http_method' must be one of GET, POST, PUT, got 'PATCH'"
    ):
        DeliveryAuth.oauth_client_credentials(
            "https://a.example.com", "c", secret, http_method="PATCH"
        )
    with pytest.raises(ValidationError, match="'token_endpoint' must be an HTTPS URL"):
        DeliveryAuth.oauth_client_credentials("http://a.example.com", "c", secret)


def _resources(template, kind: str) -> list[dict]:
    return [r for r in template.to_json()["Resources"].values() if r["Type"] == kind]


def test_api_delivery_oauth_takes_extra_token_request_parameters():
    # GIVEN an OAuth connection with an audience, a scope, a header and a secret query parameter
    stack = new_stack()
    secret = fixture_secret(stack, "Client")
    assertion = fixture_secret(stack, "Assertion")
    auth = DeliveryAuth.oauth_client_credentials(
        "https://auth.example.com/token", "client", secret, field="client_secret",
        body_parameters={"audience": "https://api.example.com", "scope": "orders:write"},
        header_parameters={"x-tenant": "acme"},
        query_string_parameters={"client_assertion": SecretParameter.from_secret(assertion, field="jwt")},
    )  # fmt: skip
    # WHEN synthesized
    stack, _ = delivery(stack, authorization=auth)
    (connection,) = _resources(synth(stack), "AWS::Events::Connection")
    # THEN the token request carries them, the secret one as a Secrets Manager reference
    oauth = connection["Properties"]["AuthParameters"]["OAuthParameters"]["OAuthHttpParameters"]
    assert oauth["BodyParameters"] == [
        {"Key": "audience", "Value": "https://api.example.com", "IsValueSecret": False},
        {"Key": "scope", "Value": "orders:write", "IsValueSecret": False},
    ]
    assert oauth["HeaderParameters"] == [
        {"Key": "x-tenant", "Value": "acme", "IsValueSecret": False}
    ]
    (query,) = oauth["QueryStringParameters"]
    assert query["IsValueSecret"] is True
    assert "{{resolve:secretsmanager:" in json.dumps(query["Value"])
    assert ":SecretString:jwt::}}" in json.dumps(query["Value"])


def test_api_delivery_connection_invocation_parameters():
    stack = new_stack()
    signing = fixture_secret(stack, "Signing")
    stack, _ = delivery(
        stack,
        connection_header_parameters={"x-tenant": "acme", "x-signature-key": SecretParameter.from_secret(signing)},
        connection_query_string_parameters={"region": "eu"},
        connection_body_parameters={"source": "bridgetwin"},
    )  # fmt: skip
    (connection,) = _resources(synth(stack), "AWS::Events::Connection")
    invocation = connection["Properties"]["AuthParameters"]["InvocationHttpParameters"]
    headers = {h["Key"]: h for h in invocation["HeaderParameters"]}
    assert headers["x-tenant"] == {"Key": "x-tenant", "Value": "acme", "IsValueSecret": False}
    assert headers["x-signature-key"]["IsValueSecret"] is True
    assert invocation["QueryStringParameters"] == [
        {"Key": "region", "Value": "eu", "IsValueSecret": False}
    ]
    assert invocation["BodyParameters"] == [
        {"Key": "source", "Value": "bridgetwin", "IsValueSecret": False}
    ]


def test_api_delivery_uses_an_existing_connection_and_bus():
    # GIVEN a connection and a bus created elsewhere (imported by ARN / name)
    stack = new_stack()
    connection = events.Connection.from_connection_attributes(
        stack, "Existing", connection_name="partner",
        connection_arn="arn:aws:events:us-east-1:123456789012:connection/partner/abc",
        connection_secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/partner/x",
    )  # fmt: skip
    bus = events.EventBus.from_event_bus_name(stack, "Default", "default")
    # WHEN a delivery uses them
    stack, created = delivery(stack, connection=connection, authorization=None, bus=bus)
    template = synth(stack)
    # THEN only the API destination is new, on that connection, and the rule sits on that bus
    template.resource_count_is("AWS::Events::Connection", 0)
    template.resource_count_is("AWS::Events::EventBus", 0)
    template.has_resource_properties("AWS::Events::ApiDestination", {
        "ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/partner/abc"})  # fmt: skip
    template.has_resource_properties("AWS::Events::Rule", {"EventBusName": "default"})
    assert created.connection is connection


@pytest.mark.parametrize("prop", ["authorization", "connection_header_parameters"])
def test_api_delivery_existing_connection_excludes_its_own_props(prop):
    stack = new_stack()
    connection = events.Connection.from_event_bus_arn(
        stack, "C", "arn:aws:events:us-east-1:123456789012:connection/p/a",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")  # fmt: skip
    extra = {} if prop == "authorization" else {"authorization": None, prop: {"x-a": "b"}}
    with pytest.raises(ValidationError, match=f"'connection' and '{prop}' cannot both be provided"):
        delivery(stack, connection=connection, **extra)


def test_api_delivery_shared_destination_excludes_connection_parameters():
    stack, first = delivery()
    with pytest.raises(ValidationError, match="'api_destination' and 'connection_body_parameters'"):
        delivery(stack, api_destination=first.api_destination, endpoint=None, authorization=None,
                 rate_limit_per_second=None, connection_body_parameters={"a": "b"})  # fmt: skip


def test_api_delivery_alarms_notify_a_topic_and_any_action():
    stack = new_stack()
    topic = sns.Topic(stack, "Ops", enforce_ssl=True)
    pager = sns.Topic(stack, "Pager", enforce_ssl=True)
    stack, created = delivery(stack, alarm_topic=topic,
                              alarm_actions=[cloudwatch_actions.SnsAction(pager)])  # fmt: skip
    alarms = _resources(synth(stack), "AWS::CloudWatch::Alarm")
    assert len(alarms) == len(created.alarms) == 6
    topic_ref, pager_ref = (
        {"Ref": stack.get_logical_id(t.node.default_child)} for t in (topic, pager)
    )
    for alarm in alarms:
        assert alarm["Properties"]["AlarmActions"] == [pager_ref, topic_ref]
        assert alarm["Properties"]["OKActions"] == [topic_ref]


def test_api_delivery_dead_letter_queue_is_retained_unless_told_otherwise():
    stack, _ = delivery()
    (queue,) = _resources(synth(stack), "AWS::SQS::Queue")
    assert (queue["DeletionPolicy"], queue["UpdateReplacePolicy"]) == ("Retain", "Retain")
    stack, _ = delivery(dead_letter_queue_removal_policy=cdk.RemovalPolicy.DESTROY)
    (queue,) = _resources(synth(stack), "AWS::SQS::Queue")
    assert queue["DeletionPolicy"] == "Delete"


def test_api_delivery_grants():
    # GIVEN a producer role, a redrive role and an invoker role
    stack, created = delivery()
    roles = [iam.Role(stack, name, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
             for name in ("Producer", "Redrive", "Invoker")]  # fmt: skip
    # WHEN each is granted its action
    created.grant_put_events(roles[0])
    created.grant_redrive(roles[1])
    created.grant_invoke(roles[2])
    # THEN each role's policy names exactly that action on that resource
    policies = {p["Properties"]["Roles"][0]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"]
                for p in _resources(synth(stack), "AWS::IAM::Policy")}  # fmt: skip
    by_role = {name: policies[stack.get_logical_id(r.node.default_child)]
               for name, r in zip(("Producer", "Redrive", "Invoker"), roles, strict=True)}  # fmt: skip
    assert [s["Action"] for s in by_role["Producer"]] == ["events:PutEvents"]
    bus_id = stack.get_logical_id(created.bus.node.default_child)
    assert by_role["Producer"][0]["Resource"] == {"Fn::GetAtt": [bus_id, "Arn"]}
    assert "sqs:DeleteMessage" in by_role["Redrive"][0]["Action"]
    assert by_role["Invoker"][0]["Action"] == "events:InvokeApiDestination"
    assert "ApiDestination" in json.dumps(by_role["Invoker"][0]["Resource"])
