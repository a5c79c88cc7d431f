"""Terraform plans as ``terraform show -json`` writes them (format 1.x), built for the tests from
a list of resource instances: ``planned_values`` (root and child modules), ``resource_changes``
with ``after_unknown`` for values known after apply, and ``configuration`` with each unknown
value's ``references`` (relative to its module), as Terraform records them. The deployments are
shaped after public Terraform EventBridge samples (a bus, a rule with ``jsonencode``d pattern, its
targets as separate ``aws_cloudwatch_event_target`` resources, an API destination with a
connection whose key is sensitive, a DLQ in a module)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Res:
    type: str
    name: str
    values: dict[str, Any]
    module: str = ""
    index: Any = None
    unknown: dict[str, Any] = field(default_factory=dict)
    """Attribute -> True (or nested lists/dicts of it) for values known after apply."""
    refs: dict[str, Any] = field(default_factory=dict)
    """Attribute -> references (or nested lists/dicts of them) for the unknown ones."""
    sensitive: dict[str, Any] = field(default_factory=dict)
    provider: str = "aws"
    """Its provider configuration's key (``aws.secondary`` for an aliased one)."""

    @property
    def address(self) -> str:
        base = f"{self.type}.{self.name}"
        if self.index is not None:
            base += f"[{json.dumps(self.index)}]"
        return f"{self.module}.{base}" if self.module else base


def _expressions(refs: Any) -> Any:
    if isinstance(refs, list) and refs and all(isinstance(r, str) for r in refs):
        return {"references": refs}
    if isinstance(refs, list):
        return [_expressions(r) for r in refs]
    if isinstance(refs, dict):
        return {k: _expressions(v) for k, v in refs.items()}
    return refs


def _parent(module: str) -> str:
    """``module.a.module.b`` -> ``module.a``; ``module.a`` -> the root (``""``)."""
    cut = module.rfind(".module.")
    return module[:cut] if cut >= 0 else ""


def plan(
    resources: list[Res],
    region: str | None = "us-east-1",
    outputs: dict[str, dict] | None = None,
    providers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The plan JSON; ``outputs``: module path -> output name -> references; ``providers``:
    aliased configurations, key (``aws.secondary``) -> its Region, or ``var.NAME`` when a root
    variable gives it."""
    modules: dict[str, list[Res]] = {}
    for r in resources:
        modules.setdefault(r.module, []).append(r)

    def planned(module: str) -> dict[str, Any]:
        body: dict[str, Any] = {"resources": [
            {"address": r.address, "mode": "managed", "type": r.type, "name": r.name,
             **({"index": r.index} if r.index is not None else {}),
             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
             "values": r.values, "sensitive_values": r.sensitive} for r in modules.get(module, [])]}  # fmt: skip
        children = [m for m in modules if m and _parent(m) == module]
        if children:
            body["child_modules"] = [{"address": m, **planned(m)} for m in children]
        return body

    def configured(module: str) -> dict[str, Any]:
        seen: dict[str, Res] = {}
        for r in modules.get(module, []):
            seen.setdefault(f"{r.type}.{r.name}", r)
        body: dict[str, Any] = {"resources": [
            {"address": key, "mode": "managed", "type": r.type, "name": r.name,
             "provider_config_key": r.provider, "expressions": _expressions(r.refs),
             "schema_version": 0}
            for key, r in seen.items()]}  # fmt: skip
        calls = {m.rsplit("module.", 1)[1]: {"source": "./modules/x", "module": configured(m)}
                 for m in modules if m and _parent(m) == module}  # fmt: skip
        if calls:
            body["module_calls"] = calls
        if module in (outputs or {}):
            body["outputs"] = {name: {"expression": {"references": refs}}
                               for name, refs in outputs[module].items()}  # fmt: skip
        return body

    provider = {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws"}}
    if region:
        provider["aws"]["expressions"] = {"region": {"constant_value": region}}
    for key, where in (providers or {}).items():
        expression = ({"references": [where]} if where.startswith("var.") else
                      {"constant_value": where})  # fmt: skip
        provider[key] = {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                         "alias": key.split(".", 1)[1], "expressions": {"region": expression}}  # fmt: skip
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": planned("")},
        "resource_changes": [
            {
                "address": r.address,
                "module_address": r.module or None,
                "mode": "managed",
                "type": r.type,
                "name": r.name,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": r.values,
                    "after_unknown": r.unknown,
                    "before_sensitive": False,
                    "after_sensitive": r.sensitive,
                },
            }
            for r in resources
        ],
        "configuration": {"provider_config": provider, "root_module": configured("")},
    }


PATTERN = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}
BUS_NAME = ["aws_cloudwatch_event_bus.orders.name", "aws_cloudwatch_event_bus.orders"]
"""How a plan records ``event_bus_name = aws_cloudwatch_event_bus.orders.name`` (a known value
written as a reference)."""


def webhook_plan(*, rate: int = 100, retries: int | None = None, age: int | None = None) -> dict:
    """The Terraform form of ``tests._templates.webhook_template``: bus ``orders``, a connection
    (API key, sensitive), an API destination at ``rate``/s, rule ``to-webhook`` with one target
    ``Api`` and a DLQ created in ``module.dlq``."""
    retry = {k: v for k, v in (("maximum_retry_attempts", retries),
                               ("maximum_event_age_in_seconds", age)) if v is not None}  # fmt: skip
    target = {"target_id": "Api", "rule": "to-webhook", "event_bus_name": "orders",
              "input": None, "input_path": None, "input_transformer": [],
              "retry_policy": [retry] if retry else [], "dead_letter_config": [{}],
              "http_target": [], "sqs_target": [], "kinesis_target": []}  # fmt: skip
    return plan([
        Res("aws_cloudwatch_event_bus", "orders", {"name": "orders"}, unknown={"arn": True}),
        Res("aws_cloudwatch_event_connection", "partner", {
            "name": "partner", "authorization_type": "API_KEY",
            "auth_parameters": [{"api_key": [{"key": "x-api-key", "value": "s3cr3t"}],
                                 "basic": [], "oauth": []}]},
            unknown={"arn": True},
            sensitive={"auth_parameters": [{"api_key": [{"value": True}]}]}),
        Res("aws_cloudwatch_event_api_destination", "dest", {
            "name": "dest", "invocation_endpoint": "https://api.example.com/hook",
            "http_method": "POST", "invocation_rate_limit_per_second": rate},
            unknown={"arn": True, "connection_arn": True},
            refs={"connection_arn": ["aws_cloudwatch_event_connection.partner.arn",
                                     "aws_cloudwatch_event_connection.partner"]}),
        Res("aws_cloudwatch_event_rule", "to_webhook", {
            "name": "to-webhook", "event_bus_name": "orders", "event_pattern": json.dumps(PATTERN),
            "state": "ENABLED", "schedule_expression": None}, unknown={"arn": True},
            refs={"event_bus_name": BUS_NAME}),
        Res("aws_cloudwatch_event_target", "api", target,
            unknown={"arn": True, "dead_letter_config": [{"arn": True}]},
            refs={"arn": ["aws_cloudwatch_event_api_destination.dest.arn",
                          "aws_cloudwatch_event_api_destination.dest"],
                  "rule": ["aws_cloudwatch_event_rule.to_webhook.name",
                           "aws_cloudwatch_event_rule.to_webhook"],
                  "event_bus_name": BUS_NAME,
                  "dead_letter_config": [{"arn": ["module.dlq.queue_arn", "module.dlq"]}]}),
        Res("aws_sqs_queue", "this", {"name": "webhook-dlq", "fifo_queue": False,
                                      "sqs_managed_sse_enabled": True}, module="module.dlq",
            unknown={"arn": True, "url": True}),
    ], outputs={"module.dlq": {"queue_arn": ["aws_sqs_queue.this.arn", "aws_sqs_queue.this"]}})  # fmt: skip
