"""Identity and YAML without surprises: Regions and accounts are checked where people write them
(manifests, --stack, scenarios), a YAML key written twice is an error, and an unquoted account
id with a leading zero stays the account it is (YAML 1.1 would read it as an octal number)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import TemplateError, load_graph
from bridgetwin.graph.identity import account_problem, region_problem
from bridgetwin.simulator import ScenarioError, load_scenario
from tests._templates import webhook_template


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "ap-southeast-5", "cn-north-1",
                                    "us-gov-west-1", "us-isob-east-1", "eusc-de-east-1",
                                    "il-central-1", "mx-central-1"])  # fmt: skip
def test_regions_of_every_partition_are_accepted(region):
    assert region_problem(region) is None


@pytest.mark.parametrize("region", ["mars-north-9", "us-east1", "US-EAST-1", "useast-1", ""])
def test_names_no_partition_can_have_are_refused(region):
    assert "is not an AWS Region" in (region_problem(region) or "")


@pytest.mark.parametrize(("account", "ok"), [("011122223333", True), ("111122223333", True),
                                             ("abcdefghijkl", False), ("1234", False),
                                             ("1229530843", False)])  # fmt: skip
def test_accounts_are_twelve_digits(account, ok):
    assert (account_problem(account) is None) == ok


def test_a_manifest_keeps_an_unquoted_account_as_written(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    (tmp_path / "deployment.yaml").write_text(
        "stacks:\n  - template: t.json\n    region: eu-west-1\n    account: 011122223333\n"
    )
    graph = load_graph(tmp_path / "deployment.yaml")
    assert (graph.stacks[0].region, graph.stacks[0].account) == ("eu-west-1", "011122223333")


@pytest.mark.parametrize(("entry", "message"), [
    ("    region: mars-north-9\n", "stacks[0].region: 'mars-north-9' is not an AWS Region"),
    ("    account: abcdefghijkl\n", "stacks[0].account: 'abcdefghijkl' is not an account id"),
    ("    region: eu-west-1\n    region: us-east-1\n", "Duplicate found 'region' (line 3)"),
])  # fmt: skip
def test_a_manifest_with_a_bad_identity_or_a_repeated_key_is_refused(tmp_path, entry, message):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    (tmp_path / "deployment.yaml").write_text(f"stacks:\n  - template: t.json\n{entry}")
    with pytest.raises(TemplateError, match=None) as info:
        load_graph(tmp_path / "deployment.yaml")
    assert message in str(info.value)


def test_stack_specs_are_checked_too(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    out = CliRunner().invoke(
        app, ["graph", "--stack", f"{tmp_path / 't.json'} region=mars-north-9"]
    )
    assert out.exit_code == 2
    assert "region: 'mars-north-9' is not an AWS Region" in out.output


@pytest.mark.parametrize(("param", "message"), [
    ("AWS::Region=mars-north-9", "parameter AWS::Region: 'mars-north-9' is not an AWS Region"),
    ("AWS::AccountId=abc", "parameter AWS::AccountId: 'abc' is not an account id"),
])  # fmt: skip
def test_the_environment_given_as_parameters_is_checked_too(tmp_path, param, message):
    (tmp_path / "t.json").write_text(json.dumps(webhook_template()))
    out = CliRunner().invoke(app, ["graph", str(tmp_path / "t.json"), "--param", param])
    assert out.exit_code == 2
    assert message in out.output
    good = CliRunner().invoke(app, ["graph", str(tmp_path / "t.json"), "--param",
                                    "AWS::Region=eu-west-1", "--param", "AWS::AccountId=011122223333"])  # fmt: skip
    assert good.exit_code == 0 and "eu-west-1, account 011122223333" in good.output


def test_a_scenario_key_written_twice_is_an_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("duration: 1m\nslo:\n  - {metric: counts.dlq, max: 0}\n"
                    "slo:\n  - {metric: counts.retries, max: 5}\n")  # fmt: skip
    with pytest.raises(ScenarioError, match="key 'slo' appears twice"):
        load_scenario(path)


def test_two_stacks_creating_one_named_bus_in_one_place_are_refused(tmp_path):
    """Names are unique per account and Region: the second stack would fail with
    AlreadyExists. The same name in two Regions is two buses."""
    import json

    import yaml

    from bridgetwin.graph import TemplateError, load_graph

    bus = {
        "Resources": {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}}}
    }
    for name in ("a", "b"):
        (tmp_path / f"{name}.json").write_text(json.dumps(bus))
    same = {"stacks": [{"template": "a.json"}, {"template": "b.json"}]}
    (tmp_path / "same.yaml").write_text(yaml.safe_dump(same))
    with pytest.raises(TemplateError, match="'orders' is also created by a/Bus in us-east-1"):
        load_graph(str(tmp_path / "same.yaml"))
    apart = {"stacks": [{"template": "a.json", "region": "us-east-1"},
                        {"template": "b.json", "region": "eu-west-1"}]}  # fmt: skip
    (tmp_path / "apart.yaml").write_text(yaml.safe_dump(apart))
    assert len(load_graph(str(tmp_path / "apart.yaml")).buses) == 2
