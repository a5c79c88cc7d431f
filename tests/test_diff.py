"""bridgetwin diff on examples/ci's shop: the same outage scenario on a base and a head
deployment, paired seeds. Lowering the partner's rate limit from 20/s to 5/s under 3 orders/s
with a 20-minute outage makes the retried backlog queue behind the limit: start p99 and retries
grow with intervals that exclude zero. A change that does not touch delivery (a tag) leaves every
metric unchanged at 10 seeds. The Markdown is a table per section, as GitHub renders it."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.planning.behaviour_diff import Threshold, behaviour_diff
from tests.test_testing import EXAMPLE

pytestmark = pytest.mark.cdk


@pytest.fixture(scope="module")
def shop_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The shop synthesized once; its rate limit set to 20/s and 5/s, and a tagged copy."""
    import sys

    import aws_cdk as cdk

    sys.path.insert(0, str(EXAMPLE))
    from shop import ShopStack

    app_ = cdk.App(outdir=str(tmp_path_factory.mktemp("shop")))
    stack = ShopStack(app_, "Shop")
    template = app_.synth().get_stack_by_name(stack.stack_name).template
    here = tmp_path_factory.mktemp("diff")
    out = {}
    for name, rate in (("base", 20), ("head", 5)):
        variant = copy.deepcopy(template)
        for resource in variant["Resources"].values():
            if resource["Type"] == "AWS::Events::ApiDestination":
                resource["Properties"]["InvocationRateLimitPerSecond"] = rate
        (here / f"{name}.json").write_text(json.dumps(variant))
        out[name] = str(here / f"{name}.json")
    tagged = json.loads((here / "base.json").read_text())
    for resource in tagged["Resources"].values():
        if resource["Type"] == "AWS::SQS::Queue":
            resource.setdefault("Properties", {})["Tags"] = [{"Key": "team", "Value": "shop"}]
    (here / "tagged.json").write_text(json.dumps(tagged))
    out["tagged"] = str(here / "tagged.json")
    out["scenario"] = str(EXAMPLE / "outage.yaml")
    return out


def _spec(path: str) -> dict:
    import yaml

    return yaml.safe_load(open(path))


def test_a_lower_rate_limit_shows_as_changed_with_intervals_that_exclude_zero(shop_templates):
    base, head = (load_graph(shop_templates[k]) for k in ("base", "head"))
    report = behaviour_diff(base, head, _spec(shop_templates["scenario"]), runs=5,
                            fail_on=(Threshold.parse("latency.start.p99 > 10s"),))  # fmt: skip
    by = {(c.metric): c for c in report.changes}
    assert any("rate limit 20/s -> 5/s" in line for line in report.structural)
    grew, fell = by["latency.start.p99"], by["counts.retries"]  # fewer attempts fit in
    assert grew.verdict == "changed" and grew.low > 0, grew
    assert fell.verdict == "changed" and fell.high < 0, fell
    assert report.failed and "breaking --fail-on 'latency.start.p99 > 10'" in report.failed[0]


def test_an_unrelated_change_leaves_every_metric_unchanged(shop_templates):
    base, tagged = (load_graph(shop_templates[k]) for k in ("base", "tagged"))
    report = behaviour_diff(base, tagged, _spec(shop_templates["scenario"]), runs=10)
    assert report.structural == ()
    assert {c.verdict for c in report.changes} <= {"unchanged", "no data"}
    assert report.failed == ()


def test_the_command_writes_markdown_a_table_per_section(shop_templates, tmp_path):
    summary = tmp_path / "summary.md"
    args = ["diff", shop_templates["base"], shop_templates["head"], "--scenario",
            shop_templates["scenario"], "--seeds", "3", "--format", "markdown",
            "--summary", str(summary), "--fail-on", "latency.start.p99 > 60s"]  # fmt: skip
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 1, out.output  # the threshold is broken
    text = summary.read_text()
    assert text == out.stdout
    lines = text.splitlines()
    assert lines[0].startswith("## bridgetwin diff: ")
    sections = [line for line in lines if line.startswith("### ")]
    assert sections == ["### Structural changes", "### Delivery", "### Thresholds broken"]
    table = [line for line in lines if line.startswith("|")]
    widths = {line.count("|") for line in table}
    assert table[1] == "|---|---|---|---|---|---|---|" and widths == {8}  # one column count
    json_out = CliRunner().invoke(app, [*args[:-4], "--format", "json"])
    assert json.loads(json_out.stdout)["seeds"] == 3


def test_bad_thresholds_are_refused():
    from bridgetwin.planning import PlanningError

    for text in ("counts.dlq >> 0", "nope > 1", "counts.dlq > nan", "latency.start.p99 > x"):
        with pytest.raises(PlanningError, match="--fail-on"):
            Threshold.parse(text)


def test_a_create_only_change_of_a_subscriber_is_named_as_a_replacement():
    """A subscriber's Type, target, name, bus or starting position is create-only: the diff says
    the change replaces it (delete, then create); a retry-policy change does not."""
    from bridgetwin.graph import load_graph
    from bridgetwin.planning.behaviour_diff import structural_changes
    from tests._custom_bus import custom_bus_template, subscriber

    partner = {"Fn::GetAtt": ["Partner", "Arn"]}
    base = load_graph(custom_bus_template())
    fifo = load_graph(
        custom_bus_template(subscribers={"Webhook": subscriber(partner, Type="FIFO")})
    )
    retries = load_graph(custom_bus_template(subscribers={"Webhook": subscriber(
        partner, RetryPolicy={"MaxRetryAttempts": 20, "MaxEventAgeInSeconds": 3600})}))  # fmt: skip
    replaced = [line for line in structural_changes(base, fifo) if "REPLACED" in line]
    assert replaced == ["subscriber Webhook: REPLACED (delete, then create: a delivery gap) "
                        "because Type changed; create a new subscriber beside it, then remove "
                        "the old one"]  # fmt: skip
    assert not [line for line in structural_changes(base, retries) if "REPLACED" in line]


def test_a_side_can_be_a_commit_of_the_repository(tmp_path, monkeypatch):
    """``REF:PATH``: the template as committed at REF, checked out in a temporary worktree that is
    gone afterwards; a bad ref or path exits 2 naming it."""
    import json
    import subprocess

    from typer.testing import CliRunner

    from bridgetwin.cli import app
    from tests._templates import EVENT, webhook_template

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "ci@example.com")
    git("config", "user.name", "CI")
    (tmp_path / "infra").mkdir()
    for rate, message in ((20, "first"), (5, "slower")):
        (tmp_path / "infra" / "template.json").write_text(json.dumps(webhook_template(rate=rate)))
        git("add", ".")
        git("commit", "-q", "-m", message)
    (tmp_path / "s.json").write_text(json.dumps({"duration": "5m", "traffic": [
        {"bus": "orders", "rate": 8, "events": [{"event": EVENT}]}]}))  # fmt: skip
    monkeypatch.chdir(tmp_path)
    args = ["--scenario", "s.json", "--seeds", "2"]
    out = CliRunner().invoke(
        app, ["diff", "HEAD~1:infra/template.json", "HEAD:infra/template.json", *args]
    )
    assert out.exit_code == 0, out.output
    assert "structural: API destination Dest: rate limit 20/s -> 5/s" in out.output
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert len(worktrees.stdout.strip().splitlines()) == 1  # the temporary ones are gone
    bad = CliRunner().invoke(
        app, ["diff", "nosuchref:infra/template.json", "infra/template.json", *args]
    )
    assert bad.exit_code == 2 and "git knows no commit 'nosuchref'" in bad.output
    missing = CliRunner().invoke(
        app, ["diff", "HEAD:infra/nope.json", "infra/template.json", *args]
    )
    assert missing.exit_code == 2 and "commit 'HEAD' has no 'infra/nope.json'" in missing.output
