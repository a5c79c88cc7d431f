"""ApiDelivery: what it creates, what it validates, and that the twin reads it back."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from bridgetwin.constructs import AlarmSettings, ApiDelivery, DeliveryAuth, ValidationError
from bridgetwin.graph import load_graph
from tests._cdk import new_stack, synth

pytestmark = pytest.mark.cdk
PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}


def delivery(stack: cdk.Stack | None = None, **overrides) -> tuple[cdk.Stack, ApiDelivery]:
    stack = stack or new_stack()
    secret = secretsmanager.Secret(stack, f"Key{len(stack.node.children)}")
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
    secret = secretsmanager.Secret(stack, "Client")
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
    ({"endpoint": "http://api.example.com"}, "'endpoint' must be an HTTPS URL (https://...), got 'http://api.example.com'"),
    ({"http_method": "TRACE"}, "'http_method' must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE, got 'TRACE'"),
    ({"retry_attempts": 186}, "'retry_attempts' must be between 0 and 185, got 186"),
    ({"max_event_age": cdk.Duration.seconds(59)}, "'max_event_age' must be between 60 and 86400, got 59"),
    ({"max_event_age": cdk.Duration.hours(25)}, "'max_event_age' must be between 60 and 86400, got 90000"),
    ({"name": "bad name!"}, "'name' may only contain [.\\-_A-Za-z0-9], got 'bad name!'"),
    ({"name": "x" * 60}, "'name' must be between 1 and 53 characters, got 60"),
    ({"event_patterns": []}, "'event_patterns' needs at least one pattern"),
    ({"event_patterns": [{"source": "acme"}]}, 'event_patterns[0]: Event pattern is not valid. Reason: source: "source" must be an object or an array'),
    ({"endpoint": None}, "'endpoint' and 'authorization' are required without 'api_destination'"),
    ({"bus_name": "orders", "bus": "placeholder"}, "'bus' and 'bus_name' cannot both be provided"),
    ({"alarms": {"latency": None}}, "'alarms' has unknown key 'latency'; allowed: failed_invocations, sent_to_dlq"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=1, treat_missing_data="maybe")}}, "'alarms.sent_to_dlq.treat_missing_data' must be one of breaching, notBreaching, ignore, missing, got 'maybe'"),
    ({"alarms": {"sent_to_dlq": AlarmSettings(threshold=1, period=cdk.Duration.seconds(45))}}, "'alarms.sent_to_dlq.period' must be 10 s, 30 s or a multiple of 60 s, got 45 s"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "message"), ERRORS, ids=[e[1][:40] for e in ERRORS])
def test_api_delivery_validation_errors(overrides, message):
    stack = new_stack()
    if overrides.get("bus") == "placeholder":
        from aws_cdk import aws_events as events

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
    secret = secretsmanager.Secret(stack, "S")
    with pytest.raises(
        ValidationError, match="'http_method' must be one of GET, POST, PUT, got 'PATCH'"
    ):
        DeliveryAuth.oauth_client_credentials(
            "https://a.example.com", "c", secret, http_method="PATCH"
        )
    with pytest.raises(ValidationError, match="'token_endpoint' must be an HTTPS URL"):
        DeliveryAuth.oauth_client_credentials("http://a.example.com", "c", secret)
