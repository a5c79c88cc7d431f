"""A deployment manifest: several sources, each with its Region, account, name and parameters,
loaded as one graph with Fn::ImportValue answered within each Region and account."""

from __future__ import annotations

import json

import pytest
import yaml

from bridgetwin.graph import TemplateError, load_graph

BUS = {
    "Parameters": {"BusName": {"Type": "String"}},
    "Resources": {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Ref": "BusName"}}}},
    "Outputs": {"BusArn": {"Value": {"Fn::GetAtt": ["Bus", "Arn"]}, "Export": {"Name": "orders-bus-arn"}}},
}  # fmt: skip
QUEUE = {
    "Resources": {"Ledger": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ledger"}}},
    "Outputs": {"LedgerArn": {"Value": {"Fn::GetAtt": ["Ledger", "Arn"]},
                              "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-arn"}}}},
}  # fmt: skip
CONSUMER = {
    "Resources": {"Rule": {"Type": "AWS::Events::Rule", "Properties": {
        "EventBusName": {"Fn::ImportValue": "orders-bus-arn"},
        "EventPattern": {"source": ["acme.orders"]},
        "Targets": [{"Id": "Ledger", "Arn": {"Fn::ImportValue": "ledger-arn"}}]}}},
}  # fmt: skip


def write(directory, **files):
    for name, content in files.items():
        (directory / name).write_text(json.dumps(content) if name.endswith(".json") else content)


@pytest.fixture
def deployment(tmp_path):
    write(tmp_path, **{"bus.json": BUS, "queue.json": QUEUE, "consumer.json": CONSUMER})
    manifest = {"stacks": [
        {"template": "bus.json", "region": "us-east-1", "name": "bus-us", "parameters": {"BusName": "orders-us"}},
        {"template": "bus.json", "region": "eu-west-1", "name": "bus-eu", "parameters": {"BusName": "orders-eu"}},
        {"template": "queue.json", "region": "eu-west-1", "name": "ledger"},
        {"template": "consumer.json", "region": "eu-west-1"},
    ]}  # fmt: skip
    (tmp_path / "deployment.yaml").write_text(yaml.safe_dump(manifest))
    return tmp_path


def test_imports_resolve_within_the_importers_region(deployment):
    graph = load_graph(deployment / "deployment.yaml")
    assert sorted((s.name, s.region) for s in graph.stacks) == [
        ("bus-eu", "eu-west-1"), ("bus-us", "us-east-1"), ("consumer", "eu-west-1"),
        ("ledger", "eu-west-1")]  # fmt: skip
    (rule,) = graph.rules
    bus = graph.get(rule.bus)
    assert (bus.name, bus.region) == ("orders-eu", "eu-west-1")  # not the us-east-1 export
    (target,) = rule.targets
    assert graph.get(target.resource).name == "ledger"  # AWS::StackName from the manifest's name
    assert sorted(b.name for b in graph.buses) == ["orders-eu", "orders-us"]


def test_the_python_api_takes_the_same_manifest_as_a_mapping(deployment, monkeypatch):
    monkeypatch.chdir(deployment)
    manifest = yaml.safe_load((deployment / "deployment.yaml").read_text())
    assert len(load_graph(manifest).stacks) == 4


def test_an_import_from_another_region_is_an_external_reference(deployment):
    """Moved to ap-south-1, the consumer finds neither export there (the us-east-1 and eu-west-1
    ones do not cross Regions): both stay external references, and the warnings say so."""
    manifest = yaml.safe_load((deployment / "deployment.yaml").read_text())
    manifest["stacks"][3]["region"] = "ap-south-1"
    (deployment / "deployment.yaml").write_text(yaml.safe_dump(manifest))
    graph = load_graph(deployment / "deployment.yaml")
    (rule,) = graph.rules
    prefix = "arn:aws:cloudformation:ap-south-1:123456789012:export/"
    assert graph.get(rule.bus).name == prefix + "orders-bus-arn"
    assert rule.targets[0].arn == prefix + "ledger-arn" and rule.targets[0].resource is None
    assert [w.message.split(";")[0] for w in graph.warnings] == [
        "stack consumer: Fn::ImportValue 'ledger-arn' is exported by no loaded stack in "
        "ap-south-1, account 123456789012",
        "stack consumer: Fn::ImportValue 'orders-bus-arn' is exported by no loaded stack in "
        "ap-south-1, account 123456789012",
    ]


@pytest.mark.parametrize(
    ("stacks", "message"),
    [([{"template": "bus.json", "region": "eu-west-1", "colour": "red"}],
      "stacks[0]: unknown field(s) colour; allowed: template, region, account, name, parameters"),
     ([{"region": "eu-west-1"}], "stacks[0].template: required"),
     ([{"template": "queue.json"}, {"template": "queue.json"}],
      "deployment: stack name(s) queue appear more than once; give each source its own 'name'"),
     ([{"template": "bus.json", "parameters": {"BusName": "x", "Nope": 1}}],
      "stack bus: unknown parameter 'Nope'; the template declares: BusName"),
     ([{"template": "missing.json"}], "missing.json: no such file or directory"),
     ([], "deployment: 'stacks' must be a non-empty list of sources")],
)  # fmt: skip
def test_manifest_mistakes_are_one_clear_error(deployment, stacks, message):
    (deployment / "bad.yaml").write_text(yaml.safe_dump({"stacks": stacks}))
    with pytest.raises(TemplateError) as info:
        load_graph(deployment / "bad.yaml")
    assert message in str(info.value)


def test_the_cli_reads_a_manifest(deployment):
    from typer.testing import CliRunner

    from bridgetwin.cli import app

    result = CliRunner().invoke(app, ["graph", str(deployment / "deployment.yaml")])
    assert result.exit_code == 0, result.output
    assert "stack consumer (eu-west-1, account 123456789012)" in result.output
    assert "bus orders-eu [bus-eu/Bus] eu-west-1" in result.output


def test_a_folder_of_templates_is_one_deployment(tmp_path):
    """A folder of SAM/CloudFormation templates loads as it is: each file with Resources is a
    stack named after the file; other YAML/JSON is skipped; no manifest needed."""
    write(tmp_path, **{"bus.json": BUS, "queue.json": QUEUE, "buildspec.yml": "version: 0.2"})
    (tmp_path / "config.json").write_text('{"setting": true}')
    graph = load_graph(tmp_path, {"BusName": "orders"})
    assert sorted(s.name for s in graph.stacks) == ["bus", "queue"]


def test_a_folder_with_a_deployment_manifest_uses_it(deployment):
    graph = load_graph(deployment)  # deployment.yaml beside the templates
    assert len(graph.stacks) == 4


def test_a_folder_without_templates_says_what_it_looked_for(tmp_path):
    (tmp_path / "README.md").write_text("hello")
    with pytest.raises(TemplateError) as info:
        load_graph(tmp_path)
    assert "a deployment.yaml or any template (.yaml, .yml, .json, .template files with a " in str(
        info.value
    )


STACK_SPECS = [
    "bus.json region=us-east-1 name=bus-us param.BusName=orders-us",
    "bus.json region=eu-west-1 name=bus-eu param.BusName=orders-eu",
    "queue.json region=eu-west-1 name=ledger",
    "consumer.json region=eu-west-1",
]


def _cli(*args):
    from typer.testing import CliRunner

    from bridgetwin.cli import app

    return CliRunner().invoke(app, list(args))


def test_stack_options_describe_the_same_deployment_as_the_manifest(deployment, monkeypatch):
    monkeypatch.chdir(deployment)
    by_manifest = _cli("graph", "deployment.yaml", "--format", "json")
    by_options = _cli(
        "graph", *[a for s in STACK_SPECS for a in ("--stack", s)], "--format", "json"
    )
    assert by_options.exit_code == 0, by_options.output
    assert json.loads(by_options.output) == json.loads(by_manifest.output)
    # SOURCE is the first stack when --stack is given too; each stack keeps its own settings.
    mixed = _cli("graph", "bus.json", "--stack", "queue.json region=eu-west-1",
                 "--param", "BusName=solo", "--format", "json")  # fmt: skip
    assert mixed.exit_code == 0, mixed.output
    stacks = {s["name"]: s["region"] for s in json.loads(mixed.output)["stacks"]}
    assert stacks == {"bus": "us-east-1", "queue": "eu-west-1"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bus.json Region=eu-west-1", "'Region=eu-west-1' is not a setting; allowed: region=R"),
        ("bus.json region=a region=b", "region is given twice"),
        ("bus.json param.=x", "'param.=x' is not a setting"),
        ("region=eu-west-1", "must start with the template"),
        ("'bus.json", "No closing quotation"),
        ("missing.json", "missing.json: no such file or directory"),
        ("bus.json region=", "stacks[0].region: must be a non-empty string"),
    ],
)
def test_stack_option_mistakes_name_the_spec_and_what_is_allowed(deployment, monkeypatch, spec,
                                                                 message):  # fmt: skip
    monkeypatch.chdir(deployment)
    result = _cli("graph", "--stack", spec, "--param", "BusName=x")
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_command_without_source_or_stack_says_what_it_needs():
    result = _cli("lint")
    assert result.exit_code == 2
    assert "give a SOURCE, or one --stack per stack of the deployment" in result.output
