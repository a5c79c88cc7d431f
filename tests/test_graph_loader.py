"""load_graph builds the deployment from templates, assemblies and apps."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgetwin.graph import TargetKind, load_graph

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def full():
    return load_graph(FIXTURES / "full.yaml")


def test_loader_reads_yaml_short_forms_and_every_modeled_type(full):
    assert [b.id for b in full.buses if not b.implicit] == ["Bus"]
    assert {r.id for r in full.rules} == {"OrderRule", "NightlyRule"}
    assert [c.id for c in full.connections] == ["Conn"]
    assert [d.id for d in full.api_destinations] == ["Destination", "UnlimitedDestination"]
    assert [a.id for a in full.archives] == ["Archive"]
    assert [e.id for e in full.endpoints] == ["Endpoint"]
    assert [a.id for a in full.alarms] == ["LatencyAlarm", "FailedAlarm"]
    assert [h.id for h in full.health_checks] == ["HealthCheck"]
    assert [q.id for q in full.queues] == ["Dlq", "FifoQueue"]
    assert [f.id for f in full.functions] == ["Function"]
    # nothing dropped silently: unmodeled resources stay as opaque nodes
    assert sorted(o.type for o in full.other) == [
        "AWS::SNS::Topic",
        "AWS::SecretsManager::Secret",
    ]


def test_loader_evaluates_parameters_mappings_and_string_functions(full):
    bus = full.get("Bus")
    assert bus.name == "orders-dev"  # Fn::Sub with a parameter default
    assert full.get("Dlq").name == "orders-dev-dlq"  # Fn::Join
    rule = full.get("OrderRule")
    assert rule.pattern.to_dict() == {
        "source": ["acme.orders"],
        "detail-type": ["OrderCreated"],
        "account": ["123456789012"],  # Ref AWS::AccountId
        "detail": {
            "zone": ["us-east-1b"],  # Fn::Select of Fn::GetAZs
            "subnet": ["c"],  # Fn::Select of a CommaDelimitedList parameter
            "part": ["first"],  # Fn::Select of Fn::Split
        },
    }
    api = rule.targets[0]
    assert (
        api.retry_policy.maximum_retry_attempts,
        api.retry_policy.maximum_event_age_seconds,
    ) == (
        3,
        600,
    )  # Fn::FindInMap keyed by a parameter
    assert api.role_arn == "arn:aws:iam::123456789012:role/invoke"  # pseudo parameters in Sub
    assert full.get("Destination").endpoint == "https://api.example.com/v1/*"  # Sub with variables
    assert full.get("Destination").rate_limit_per_second == 25  # Number parameter


def test_loader_links_targets_to_their_resources(full):
    kinds = {t.target_id: (t.kind, t.resource) for t in full.get("OrderRule").targets}
    assert kinds == {
        "Api": (TargetKind.API_DESTINATION, "Destination"),
        "Queue": (TargetKind.SQS, "Dlq"),  # literal ARN built with Sub, linked by queue name
        "Fn": (TargetKind.LAMBDA, None),  # outside the template
        "Forward": (TargetKind.EVENT_BUS, "Bus"),
        "Topic": (TargetKind.SNS, "Topic"),
    }
    api = full.get("OrderRule").targets[0]
    assert api.api_destination == "Destination"
    assert api.dead_letter_queue == "Dlq"
    assert api.http_parameters.header_parameters == (("X-Env", "dev"),)
    assert api.input_transformer.input_template == '{"order": <id>}'
    assert full.get("Destination").connection == "Conn"


def test_loader_applies_aws_defaults(full):
    queue_target = full.get("OrderRule").targets[1]
    assert queue_target.retry_policy.maximum_retry_attempts == 185
    assert queue_target.retry_policy.maximum_event_age_seconds == 86_400
    assert not queue_target.retry_policy.explicit
    unlimited = full.get("UnlimitedDestination")
    assert (unlimited.rate_limit_per_second, unlimited.rate_limit_is_default) == (300, True)
    nightly = full.get("NightlyRule")
    assert (nightly.bus, nightly.state, nightly.schedule_expression) == (
        "default",
        "DISABLED",
        "rate(1 day)",
    )
    assert full.get("FailedAlarm").treat_missing_data == "missing"


def test_loader_keeps_secrets_as_references(full):
    connection = full.get("Conn")
    assert connection.authorization_type == "OAUTH_CLIENT_CREDENTIALS"
    assert connection.oauth_http_method == "POST"
    assert connection.secret_references == (
        "{{resolve:secretsmanager:${Secret}:SecretString:client_secret}}",
    )
    assert connection.plaintext_secret_fields == ()


def test_loader_models_alarms_health_checks_and_endpoints(full):
    latency = full.get("LatencyAlarm")
    assert latency.name == "full-latency"  # AWS::StackName is the file's stem
    assert (latency.statistic, latency.period, latency.evaluation_periods) == ("Average", 60, 5)
    assert (latency.threshold, latency.treat_missing_data) == (30_000, "breaching")
    failed = full.get("FailedAlarm")
    assert failed.dimension_resources == ("OrderRule",)
    assert failed.datapoints_to_alarm == 2
    check = full.get("HealthCheck")
    assert (check.type, check.alarm, check.insufficient_data_health_status) == (
        "CLOUDWATCH_METRIC",
        "LatencyAlarm",
        "Unhealthy",
    )
    endpoint = full.get("Endpoint")
    assert endpoint.event_buses == ("Bus", "orders-dev@us-west-2")
    assert (endpoint.health_check, endpoint.secondary_region) == ("HealthCheck", "us-west-2")
    assert endpoint.replication_enabled is False
    fifo = full.get("FifoQueue")
    assert (fifo.fifo, fifo.encryption) == (True, "kms")


def test_loader_conditions_and_parameter_overrides():
    prod = load_graph(FIXTURES / "full.yaml", {"Env": "prod", "WithArchive": "no"})
    assert prod.get("Bus").name == "orders-prod"
    assert "ProdOnlyQueue" in {q.id for q in prod.queues}  # Condition IsProd now true
    assert prod.archives == ()  # Condition ArchiveOn now false
    assert prod.get("OrderRule").targets[2].arn.endswith("function:prod")  # Fn::If
    assert prod.get("OrderRule").targets[0].retry_policy.maximum_retry_attempts == 50


def test_loader_pseudo_parameter_overrides_set_the_environment():
    graph = load_graph(FIXTURES / "full.yaml", {"AWS::Region": "eu-west-1"})
    rule = graph.get("OrderRule")
    assert rule.region == "eu-west-1"
    assert rule.pattern.to_dict()["detail"]["zone"] == ["eu-west-1b"]


def test_loader_assembly_resolves_cross_stack_and_cross_region_references():
    graph = load_graph(FIXTURES / "assembly")
    assert [s.name for s in graph.stacks] == ["Producer", "Consumer", "Replica", "Stage-Audit"]
    consumer = graph.get("Consumer/Rule")
    assert consumer.bus == "Producer/Bus"  # Fn::ImportValue of an exported Ref
    assert consumer.targets[0].dead_letter_queue == "Producer/Dlq"  # Fn::ImportValue of GetAtt
    forward = graph.get("Replica/ToPrimary").targets[0]
    assert (forward.kind, forward.resource) == (TargetKind.EVENT_BUS, "Producer/Bus")
    assert graph.get("Replica/ToPrimary").region == "eu-west-1"
    audit = graph.get("Stage-Audit/Audit")  # nested stage assembly, environment-agnostic
    assert (audit.bus, audit.region) == ("default@us-east-1", "us-east-1")


def test_loader_sam_function_events_become_rules():
    graph = load_graph(FIXTURES / "sam.yaml")
    created = graph.get("OrdersCreated")
    assert created.bus == "orders"
    assert created.pattern.to_dict() == {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}
    (target,) = created.targets
    assert (target.kind, target.resource, target.dead_letter_queue) == (
        TargetKind.LAMBDA,
        "Orders",
        "OrdersCreatedQueue",
    )
    assert target.retry_policy.maximum_retry_attempts == 5
    nightly = graph.get("OrdersNightly")
    assert (nightly.schedule_expression, nightly.state) == ("cron(0 3 * * ? *)", "DISABLED")
    assert "OrdersApi" not in {r.id for r in graph.rules}  # API events are not EventBridge rules
    assert [f.id for f in graph.functions] == ["Orders"] and graph.other == ()


def test_loader_accepts_an_in_memory_dict():
    template = {
        "Resources": {
            "R": {
                "Type": "AWS::Events::Rule",
                "Properties": {"EventPattern": '{"source": ["a"]}', "Targets": []},
            }
        }
    }
    graph = load_graph(template)
    assert graph.get("R").pattern.matches({"source": "a"})  # EventPattern given as a JSON string


def test_loader_reads_json_template_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    assert [q.id for q in load_graph(path).queues] == ["Q"]
