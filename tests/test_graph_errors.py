"""Bad templates fail with TemplateError naming the stack, the resource and the property."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import TemplateError, load_graph


def _deep(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def rule(**properties):
    base = {"EventPattern": {"source": ["a"]}, "Targets": []}
    return {"Resources": {"R": {"Type": "AWS::Events::Rule", "Properties": {**base, **properties}}}}


BAD = [
    # (id, template, message fragments)
    ("no-resources", {"Parameters": {}}, ["no Resources section"]),
    ("resource-without-type", {"Resources": {"X": {"Properties": {}}}}, ["resource X", "Type"]),
    ("properties-not-object", {"Resources": {"X": {"Type": "AWS::SQS::Queue", "Properties": []}}},
     ["resource X", "property Properties"]),
    ("unknown-intrinsic", rule(Name={"Fn::Frobnicate": "x"}),
     ["stack Template, resource R, property Name", "unknown intrinsic function 'Fn::Frobnicate'"]),
    ("dangling-ref", rule(EventBusName={"Ref": "Missing"}),
     ["resource R", "Ref to unknown resource or parameter 'Missing'"]),
    ("dangling-getatt", rule(Targets=[{"Id": "t", "Arn": {"Fn::GetAtt": ["Nope", "Arn"]}}]),
     ["resource R", "Fn::GetAtt to unknown resource or parameter 'Nope'"]),
    ("dangling-sub", rule(Name={"Fn::Sub": "${Ghost}-rule"}),
     ["resource R", "Fn::Sub to unknown resource or parameter 'Ghost'"]),
    ("circular-sub", rule(Name={"Fn::Sub": "${R.Arn}"}),
     ["circular dependency between resources: R -> R"]),
    ("circular-pair", {"Resources": {
        "A": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${B.QueueName}"}}},
        "B": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["A", "QueueName"]}}},
    }}, ["circular dependency between resources"]),
    ("depends-on-missing", {"Resources": {"A": {"Type": "AWS::SQS::Queue", "DependsOn": "Z"}}},
     ["resource A, property DependsOn", "unknown resource 'Z'"]),
    ("retry-not-number", rule(Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q",
                                        "RetryPolicy": {"MaximumRetryAttempts": "many"}}]),
     ["resource R, property Targets[0].RetryPolicy.MaximumRetryAttempts", "needs a number"]),
    ("retry-symbolic", {"Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "R": {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": {"source": ["a"]}, "Targets": [
            {"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q",
             "RetryPolicy": {"MaximumEventAgeInSeconds": {"Fn::GetAtt": ["Q", "MessageRetentionPeriod"]}}}]}},
    }}, ["property Targets[0].RetryPolicy.MaximumEventAgeInSeconds",
         "needs a number, got '${Q.MessageRetentionPeriod}'"]),
    ("targets-not-list", rule(Targets={"Id": "t"}), ["property Targets", "must be a list"]),
    ("target-without-arn", rule(Targets=[{"Id": "t"}]), ["property Targets[0]", "needs Arn and Id"]),
    ("bad-state", rule(State="ON"), ["property State", "ENABLED, DISABLED"]),
    ("bad-pattern", rule(EventPattern={"detail": {"n": [{"numeric": [">", 5, "<", 1]}]}}),
     ["property EventPattern.detail.n[0].numeric", "Bottom must be less than top"]),
    ("no-pattern-no-schedule", rule(EventPattern=None), ["needs an EventPattern or a ScheduleExpression"]),
    ("unknown-condition", {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Condition": "Ghost"}}},
     ["unknown condition 'Ghost'"]),
    ("mapping-miss", rule(Name={"Fn::FindInMap": ["M", "a", "b"]}), ["Fn::FindInMap: no value for [M, a, b]"]),
    ("select-out-of-range", rule(Name={"Fn::Select": [5, ["a"]]}), ["outside a list of 1"]),
    ("select-null-index", rule(Name={"Fn::Select": [None, ["a"]]}),
     ["resource R, property Name.Fn::Select", "Fn::Select needs a whole-number index, got None"]),
    ("getatt-number", rule(Name={"Fn::GetAtt": 5}),
     ["resource R, property Name.Fn::GetAtt", "Fn::GetAtt takes [LogicalId, Attribute]"]),
    ("retry-policy-string", rule(Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q", "RetryPolicy": "x"}]),
     ["resource R, property Targets[0].RetryPolicy", "needs an object with MaximumRetryAttempts"]),
    ("deeply-nested",
     {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Metadata": _deep(300)},
     ["Template: Metadata nests more than 200 levels"]),
    ("bus-is-not-a-bus", {"Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "R": {"Type": "AWS::Events::Rule", "Properties": {"EventBusName": {"Fn::GetAtt": ["Q", "Arn"]},
                                                          "EventPattern": {"source": ["a"]}}},
    }}, ["property EventBusName", "not refer to an event bus"]),
]  # fmt: skip


@pytest.mark.parametrize(("template", "fragments"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_template_raises_template_error(template, fragments):
    with pytest.raises(TemplateError) as info:
        load_graph(template)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_a_parameter_the_twin_does_not_need_stands_as_a_placeholder_with_a_warning():
    template = {"Parameters": {"Env": {"Type": "String"}}, **rule(Name={"Ref": "Env"})}
    graph = load_graph(template)
    assert graph.get("R").name == "R"  # an unknown name: the logical id, as for a generated one
    assert tuple(w.message for w in graph.warnings) == (
        "stack Template: parameter 'Env' has no value and no Default; it stands as '${Env}' "
        "where the twin does not need it (pass --param Env=VALUE)",
    )
    given = load_graph(template, {"Env": "dev"})
    assert given.get("R").name == "dev" and given.warnings == ()


def test_an_import_no_loaded_stack_exports_is_an_external_reference_with_a_warning():
    graph = load_graph(rule(EventBusName={"Fn::ImportValue": "Nowhere"}))
    reference = "arn:aws:cloudformation:us-east-1:123456789012:export/Nowhere"
    assert graph.get(graph.get("R").bus).name == reference
    assert tuple(w.message for w in graph.warnings) == (
        "stack Template: Fn::ImportValue 'Nowhere' is exported by no loaded stack in us-east-1, "
        f"account 123456789012; it stands as the external reference '{reference}' (load the "
        "exporting stack to follow it)",
    )


def test_an_import_the_twin_needs_asks_for_its_stack():
    template = rule(Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:1:q",
                              "RetryPolicy": {"MaximumRetryAttempts": {"Fn::ImportValue": "Retries"}}}])  # fmt: skip
    with pytest.raises(TemplateError) as info:
        load_graph(template)
    assert str(info.value).endswith(
        "needs a number, got 'arn:aws:cloudformation:us-east-1:123456789012:export/Retries' "
        "(Fn::ImportValue 'Retries': load the stack that exports it)"
    )


def test_a_parameter_the_twin_needs_is_asked_for():
    template = {
        "Parameters": {"Rate": {"Type": "Number"}},
        "Resources": {
            "C": {"Type": "AWS::Events::Connection", "Properties": {"AuthorizationType": "API_KEY"}},
            "D": {"Type": "AWS::Events::ApiDestination", "Properties": {
                "ConnectionArn": {"Fn::GetAtt": ["C", "Arn"]}, "HttpMethod": "POST",
                "InvocationEndpoint": "https://x.example.com", "InvocationRateLimitPerSecond": {"Ref": "Rate"}}},
        },
    }  # fmt: skip
    with pytest.raises(TemplateError) as info:
        load_graph(template)
    assert str(info.value) == (
        "stack Template, resource D, property InvocationRateLimitPerSecond: needs a number, got "
        "'${Rate}' (the parameter has no value and no Default: --param Rate=VALUE)"
    )


def _connection(key: object, **parameters: dict) -> dict:
    return {
        "Parameters": parameters,
        "Resources": {"C": {"Type": "AWS::Events::Connection", "Properties": {
            "AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": key}}}}},
    }  # fmt: skip


def test_no_echo_parameters_are_secrets_never_shown_and_never_literals():
    from bridgetwin.graph._render import graph_to_dict, graph_to_text
    from bridgetwin.graph.lint import lint_graph

    template = _connection({"Ref": "Key"}, Key={"Type": "String", "NoEcho": True})
    for graph in (load_graph(template), load_graph(template, {"Key": "s3cr3t-value"})):
        assert tuple(w.message for w in graph.warnings) == ()  # never required
        assert "s3cr3t-value" not in graph_to_text(graph) + json.dumps(graph_to_dict(graph))
        assert graph.get("C").secret_references == ("parameter Key (NoEcho)",)
        assert not [f for f in lint_graph(graph) if f.code == "plaintext-secret"]


@pytest.mark.parametrize(
    ("key", "parameters", "flagged"),
    [("literal-key", {}, True),
     ({"Ref": "Key"}, {"Key": {"Type": "String", "Default": "d"}}, False),
     ("{{resolve:secretsmanager:api-key}}", {}, False)],
)  # fmt: skip
def test_plaintext_secret_fires_only_on_literals_in_the_template(key, parameters, flagged):
    from bridgetwin.graph.lint import lint_graph

    findings = lint_graph(load_graph(_connection(key, **parameters)))
    assert bool([f for f in findings if f.code == "plaintext-secret"]) is flagged


def test_unknown_or_disallowed_parameter_override():
    template = {
        "Parameters": {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}},
        **rule(),
    }
    with pytest.raises(TemplateError, match="unknown parameter 'Nope'; the template declares: Env"):
        load_graph(template, {"Nope": "1"})
    with pytest.raises(TemplateError, match="must be one of dev, prod, got 'qa'"):
        load_graph(template, {"Env": "qa"})


def test_malformed_files(tmp_path):
    (tmp_path / "bad.json").write_text('{"Resources": ')
    (tmp_path / "bad.yaml").write_text("Resources: [\n")
    with pytest.raises(TemplateError, match=r"bad\.json: malformed JSON"):
        load_graph(tmp_path / "bad.json")
    with pytest.raises(TemplateError, match=r"bad\.yaml: malformed YAML"):
        load_graph(tmp_path / "bad.yaml")
    with pytest.raises(TemplateError, match="no such file"):
        load_graph(tmp_path / "absent.yaml")
    with pytest.raises(TemplateError, match=r"bad\.json: malformed JSON"):
        load_graph(tmp_path)  # a folder of templates: a malformed one is an error, not skipped


@pytest.mark.parametrize(
    ("files", "message"),
    [({"t.json": b'{"Resources": {"\xff": 1}}'}, "t.json: not UTF-8 text (byte 16)"),
     ({"t.json": b'{"Resources": ' + b"[" * 100_000}, "t.json: nests more than 200 levels"),
     ({"t.yaml": b"Resources: " + b"[" * 100_000},
      "t.yaml: malformed YAML: while increasing flow level exceeded maximum nesting depth"),
     ({"asm/manifest.json": b'["x"]'}, "asm/manifest.json: a manifest must be a JSON object"),
     ({"asm/manifest.json": b'{"artifacts": []}'}, "asm/manifest.json: 'artifacts' must be an object"),
     ({"asm/manifest.json": b'{"artifacts": {"n": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "."}}}}'},
      "asm: the cloud assembly nests itself"),
     ({"asm/manifest.json": b'{"artifacts": {"n": {"type": "cdk:cloud-assembly"}}}'},
      "asm/manifest.json: artifact n: a nested assembly needs a 'directoryName'"),
     ({"asm/manifest.json": b'{"artifacts": {"S": {"type": "aws:cloudformation:stack"}}}',
       "asm/S.template.json": b"\xfe"}, "asm/S.template.json: not UTF-8 text (byte 0)")],
)  # fmt: skip
def test_unreadable_files_and_assemblies_are_template_errors(tmp_path, files, message):
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    source = tmp_path / next(iter(files)).split("/")[0]
    with pytest.raises(TemplateError) as info:
        load_graph(source)
    assert message in str(info.value)


def test_cross_region_reference_without_writer_is_reported(tmp_path):
    template = {"Resources": {
        "Reader": {"Type": "Custom::CrossRegionExportReader", "Properties": {}},
        "R": {"Type": "AWS::Events::Rule", "Properties": {
            "EventPattern": {"source": ["a"]},
            "Targets": [{"Id": "t", "Arn": {"Fn::GetAtt": ["Reader", "/cdk/exports/X/Arn"]}}]}},
    }}  # fmt: skip
    with pytest.raises(
        TemplateError, match="cross-region reference '/cdk/exports/X/Arn' is written"
    ):
        load_graph(template)


def test_cli_reports_template_errors_in_one_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("Resources:\n  R:\n    Type: AWS::Events::Rule\n"
                                       "    Properties: {EventBusName: !Ref Missing}\n")  # fmt: skip
    for command in ("graph", "lint"):
        result = CliRunner().invoke(app, [command, str(tmp_path / "bad.yaml")])
        assert result.exit_code == 2
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.stderr.strip().count("\n") == 0
        assert "stack bad, resource R" in result.stderr


def _with(resource: str, prop: str, value, *, target: bool = False) -> dict:
    from tests._templates import webhook_template

    template = webhook_template()
    props = template["Resources"][resource]["Properties"]
    if target:
        props["Targets"][0]["RetryPolicy"] = value
    else:
        props[prop] = value
    return template


NONSENSE = [
    (_with("Dest", "InvocationRateLimitPerSecond", 0), "InvocationRateLimitPerSecond: must be at least 1, got 0"),
    (_with("Dest", "InvocationRateLimitPerSecond", -5), "InvocationRateLimitPerSecond: must be at least 1, got -5"),
    (_with("Dest", "InvocationRateLimitPerSecond", float("inf")), "InvocationRateLimitPerSecond: needs a finite number, got inf"),
    (_with("Dest", "InvocationRateLimitPerSecond", 2.5), "InvocationRateLimitPerSecond: needs an integer, got 2.5"),
    (_with("Rule", "", {"MaximumRetryAttempts": -1}, target=True), "Targets[0].RetryPolicy.MaximumRetryAttempts: must be between 0 and 185, got -1"),
    (_with("Rule", "", {"MaximumRetryAttempts": float("nan")}, target=True), "Targets[0].RetryPolicy.MaximumRetryAttempts: needs a finite number, got nan"),
    (_with("Rule", "", {"MaximumEventAgeInSeconds": 0}, target=True), "Targets[0].RetryPolicy.MaximumEventAgeInSeconds: must be between 60 and 86400, got 0"),
    (_with("Rule", "", "x", target=True), "Targets[0].RetryPolicy: needs an object with MaximumRetryAttempts and/or MaximumEventAgeInSeconds, got 'x'"),
]  # fmt: skip


@pytest.mark.parametrize(("template", "message"), NONSENSE, ids=[m[:60] for _, m in NONSENSE])
def test_template_values_aws_would_reject_are_template_errors(template, message):
    """What CloudFormation would reject at deploy time (a zero or negative rate limit, a retry
    count or event age out of range, a non-finite number, a policy that is not an object) is
    a TemplateError naming the stack, resource and property, never a silent run or a crash."""
    with pytest.raises(TemplateError) as info:
        load_graph(template)
    assert message in str(info.value)


SAM_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        paths:
          /orders:
            post:
              x-amazon-apigateway-integration:
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${OrderFn.Arn}/invocations
  OrderFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Events:
        Api: {Type: Api, Properties: {RestApiId: !Ref MyApi, Path: /orders, Method: post}}
        Orders: {Type: EventBridgeRule, Properties: {Pattern: {source: [acme.orders]}}}
"""


def test_sam_function_events_do_not_make_false_circular_dependencies(tmp_path):
    """The API's definition references the function and the function's Api event references
    the API: SAM makes the event's resources separately, so this is no cycle."""
    (tmp_path / "sam.yaml").write_text(SAM_API)
    graph = load_graph(tmp_path / "sam.yaml")
    assert [r.id for r in graph.rules] == ["OrderFnOrders"]
    (tmp_path / "bad.yaml").write_text(SAM_API.replace("!Ref MyApi", "!Ref NoSuchApi"))
    with pytest.raises(TemplateError, match="Ref to unknown resource or parameter 'NoSuchApi'"):
        load_graph(tmp_path / "bad.yaml")


def test_a_needed_parameter_names_every_parameter_still_without_a_value():
    """The twin needs Rate (a rate limit); Env has no value either, the NoEcho Key is never
    asked for: one message lists Env and Rate, so one command can give both."""
    from bridgetwin.graph import TemplateError, load_graph

    template = {
        "Parameters": {"Rate": {"Type": "Number"}, "Env": {"Type": "String"},
                       "Key": {"Type": "String", "NoEcho": True}},
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Fn::Sub": "o-${Env}"}}},
            "Conn": {"Type": "AWS::Events::Connection", "Properties": {
                "AuthorizationType": "API_KEY", "AuthParameters": {"ApiKeyAuthParameters": {
                    "ApiKeyName": "k", "ApiKeyValue": {"Ref": "Key"}}}}},
            "Dest": {"Type": "AWS::Events::ApiDestination", "Properties": {
                "ConnectionArn": {"Fn::GetAtt": ["Conn", "Arn"]}, "HttpMethod": "POST",
                "InvocationEndpoint": "https://x.example.com", "InvocationRateLimitPerSecond": {"Ref": "Rate"}}},
        },
    }  # fmt: skip
    with pytest.raises(TemplateError) as info:
        load_graph(template)
    assert str(info.value).endswith(
        "the loaded stacks have 2 parameters without a value (Env, Rate): give them at once "
        "with --param Env=VALUE --param Rate=VALUE"
    )
    graph = load_graph(template, {"Rate": 5})  # Env is not needed: a placeholder, a warning
    assert graph.api_destinations[0].rate_limit_per_second == 5
