"""Terraform configurations (``.tf`` files) read without a plan: the bundled example gives the graph,
lint and result its own plan gives, and a configuration shaped after public EventBridge modules
(variables from tfvars and the environment, locals, ``for_each`` over a map of objects, ``count``,
``dynamic`` blocks, ``try``, a data source, a registry module) loads as the hand-computed
expectations below say."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgetwin.cli import main
from bridgetwin.graph import TemplateError, load_graph
from bridgetwin.graph.lint import lint_graph
from bridgetwin.graph.nodes import TargetKind
from bridgetwin.simulator import load_scenario, simulate
from tests.test_terraform import EXACT

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples/terraform"


def _graph_json(graph) -> dict:
    """The graph as data, without its stack's name and file; patterns by their canonical JSON
    (Terraform's jsonencode sorts keys, so conditions may come in another order)."""
    from dataclasses import asdict

    document = {k: v for k, v in asdict(graph).items() if not k.startswith("_")}  # indexes
    document.pop("stacks"), document.pop("source_lines")
    for rule in document["rules"]:
        rule["pattern"] = rule["pattern"]["canonical"]
    return document


def test_the_example_configuration_gives_its_plans_graph_lint_and_result():
    configured, planned = load_graph(str(EXAMPLE)), load_graph(str(EXAMPLE / "plan.json"))
    assert _graph_json(configured) == _graph_json(planned)
    assert configured.stacks[0].region == planned.stacks[0].region == "us-east-1"
    assert [(f.code, f.resource) for f in lint_graph(configured)] == [
        (f.code, f.resource) for f in lint_graph(planned)
    ]
    spec = load_scenario(EXACT)
    (a,), (b,) = simulate(configured, spec).targets, simulate(planned, spec).targets
    assert a.counts == b.counts and a.counts["retries"] > 0 and a.latency_ms == b.latency_ms


SHOP = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.0" }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  default = "eu-west-1"
}

variable "env" {}

variable "rules" {
  type = map(object({ source = string, detail_type = string, retries = optional(number) }))
  default = {
    orders   = { source = "acme.orders", detail_type = "OrderCreated", retries = 5 }
    payments = { source = "acme.payments", detail_type = "PaymentSettled" }
  }
}

locals {
  bus  = "shop-${var.env}"
  tags = { env = var.env }
}

data "aws_caller_identity" "me" {}

resource "aws_cloudwatch_event_bus" "shop" {
  name = local.bus
  tags = local.tags
}

resource "aws_sqs_queue" "dlq" {
  for_each = var.rules
  name     = "${each.key}-dlq"
}

resource "aws_sqs_queue" "work" {
  count = 2
  name  = "work-${count.index}"
}

resource "aws_cloudwatch_event_rule" "r" {
  for_each       = var.rules
  name           = "${local.bus}-${each.key}"
  event_bus_name = aws_cloudwatch_event_bus.shop.name
  event_pattern = jsonencode({
    source        = [each.value.source]
    "detail-type" = [each.value.detail_type]
  })
  state = var.env == "prod" ? "ENABLED" : "DISABLED"
}

resource "aws_cloudwatch_event_target" "t" {
  for_each       = var.rules
  rule           = aws_cloudwatch_event_rule.r[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.shop.name
  target_id      = try(each.value.target_id, "${each.key}-work")
  arn            = aws_sqs_queue.work[0].arn

  dynamic "retry_policy" {
    for_each = each.value.retries != null ? [each.value.retries] : []
    content {
      maximum_retry_attempts       = retry_policy.value
      maximum_event_age_in_seconds = 3600
    }
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq[each.key].arn
  }
}

resource "aws_cloudwatch_event_target" "audit" {
  rule           = aws_cloudwatch_event_rule.r["orders"].name
  event_bus_name = aws_cloudwatch_event_bus.shop.name
  arn            = "arn:aws:lambda:${var.region}:${data.aws_caller_identity.me.account_id}:function:audit"
}

module "alerts" {
  source  = "terraform-aws-modules/sns/aws"
  version = "~> 6.0"
}
"""


@pytest.fixture
def shop(tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(SHOP)
    monkeypatch.delenv("TF_VAR_env", raising=False)
    return tmp_path


def test_a_configuration_shaped_like_public_modules_loads_as_written(shop, monkeypatch):
    (shop / "terraform.tfvars").write_text('env = "prod"\n')
    monkeypatch.setenv("TF_VAR_env", "dev")  # tfvars come after the environment
    graph = load_graph(str(shop))
    assert graph.stacks[0].region == "eu-west-1"
    rules = {r.id: r for r in graph.rules}
    orders, payments = rules['aws_cloudwatch_event_rule.r["orders"]'], rules[
        'aws_cloudwatch_event_rule.r["payments"]']  # fmt: skip
    assert (orders.name, payments.name) == ("shop-prod-orders", "shop-prod-payments")
    assert orders.pattern.to_dict() == {"detail-type": ["OrderCreated"], "source": ["acme.orders"]}
    assert payments.pattern.to_dict() == {"detail-type": ["PaymentSettled"],
                                          "source": ["acme.payments"]}  # fmt: skip
    assert orders.enabled and graph.get(orders.bus).name == "shop-prod"
    work, audit = sorted(orders.targets, key=lambda t: t.target_id != "orders-work")
    assert (work.kind, work.resource) == (TargetKind.SQS, "aws_sqs_queue.work[0]")
    assert work.dead_letter_queue == 'aws_sqs_queue.dlq["orders"]'
    retry = work.retry_policy
    assert (retry.maximum_retry_attempts, retry.maximum_event_age_seconds, retry.explicit) == (
        5, 3600, True)  # fmt: skip
    (paid,) = payments.targets
    assert not paid.retry_policy.explicit  # no retries given: the dynamic block made none
    assert paid.dead_letter_queue == 'aws_sqs_queue.dlq["payments"]'
    assert audit.resource is None  # its ARN needs the account: a data source
    messages = " ".join(w.message for w in graph.warnings)
    assert "data.aws_caller_identity.me.account_id" in messages
    assert "module.alerts: source 'terraform-aws-modules/sns/aws' is not a local path" in messages


def test_variables_come_from_the_environment_without_tfvars(shop, monkeypatch):
    monkeypatch.setenv("TF_VAR_env", "dev")
    graph = load_graph(str(shop))
    assert {r.name for r in graph.rules} == {"shop-dev-orders", "shop-dev-payments"}
    assert not any(r.enabled for r in graph.rules)  # state = DISABLED outside prod


def test_a_variable_without_a_value_is_a_placeholder_named_in_a_warning(shop):
    graph = load_graph(str(shop))
    messages = [w.message for w in graph.warnings if w.code == "parameter-placeholder"]
    assert any("var.env (no default, tfvars or TF_VAR_env)" in m for m in messages), messages
    assert all(r.enabled for r in graph.rules)  # a state not known offline: the default


CONNECTION = """
variable "key" {
  sensitive = true
}
resource "aws_cloudwatch_event_connection" "billing" {
  authorization_type = "BASIC"
  name               = "billing"
  auth_parameters {
    basic {
      username = "bridgetwin"
      password = %s
    }
  }
}
"""


def test_a_sensitive_variable_is_never_shown_and_a_literal_key_is_flagged(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_VAR_key", "s3cr3t-from-env")
    (tmp_path / "main.tf").write_text(CONNECTION % "var.key")
    graph = load_graph(str(tmp_path))
    assert "s3cr3t" not in repr(graph)
    assert "plaintext-secret" not in {f.code for f in lint_graph(graph)}
    (tmp_path / "main.tf").write_text(CONNECTION % '"s3cr3t-literal"')
    graph = load_graph(str(tmp_path))
    assert "s3cr3t" not in repr(graph)
    assert "plaintext-secret" in {f.code for f in lint_graph(graph)}


def test_what_terraform_would_refuse_is_an_error_naming_the_file(tmp_path, capsys):
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = \n}\n')
    with pytest.raises(TemplateError, match=r"main\.tf:\d+: not HCL Terraform can read"):
        load_graph(str(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", str(tmp_path)])
    assert exit_info.value.code == 2 and "Traceback" not in capsys.readouterr().err
    (tmp_path / "main.tf").write_text('module "m" {\n  source = "./nowhere"\n}\n')
    with pytest.raises(TemplateError, match="no such folder"):
        load_graph(str(tmp_path))


@pytest.mark.parametrize("command", [["graph", str(EXAMPLE)], ["lint", str(EXAMPLE)],
                                     ["simulate", str(EXAMPLE / "main.tf"), "--scenario",
                                      str(EXAMPLE / "scenario.yaml")]])  # fmt: skip
def test_the_commands_read_the_configuration(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(command)
    assert exit_info.value.code in (0, 1), capsys.readouterr().err
    assert "aws_cloudwatch_event_rule.to_webhook" in capsys.readouterr().out
