"""Each rule of a stack: to subscribers when its bus moves, else left as it is, with a reason.

A rule on a migrated bus leaves the template; each of its targets becomes a subscriber (named
``<rule>-<target id>``, logical id ``<Rule><TargetId>Subscriber``) unless the pattern cannot be
a subscriber filter (wildcards; AWS service sources, which arrive through an event source with
their origin in ``SYSTEM_METADATA``; more than 4,096 characters) or the target cannot move
(:mod:`.subscriber_from_target`). What is lost is a finding with its reason; so is what changes
meaning: the on-failure queue receives a record per failed batch rather than the event, and a
subscriber retries 4xx responses that Classic dead-lettered at once (``RetryStrategy: ALL``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bridgetwin.graph import EventBus, Rule, StackSource, Target
from bridgetwin.migration.classic_alarms import MigratedTarget
from bridgetwin.migration.reference_repair import referenced
from bridgetwin.migration.subscriber_from_target import (
    DeliveryGrant,
    TargetNotMigratedError,
    check_place,
    family_of,
    subscriber_properties,
)
from bridgetwin.patterns import Severity, uses_wildcard

MAX_FILTER_CHARS = 4096
_NAME_CHARS = re.compile(r"[^.\-_A-Za-z0-9]")


def _aws_sources(pattern: dict[str, Any]) -> list[str]:
    values = pattern.get("source")
    texts = [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
    prefixes = [v.get("prefix") for v in values or [] if isinstance(v, dict)]
    return [v for v in (*texts, *prefixes) if isinstance(v, str) and v.startswith("aws.")]


def subscriber_name(rule: Rule, target_id: str) -> str:
    """``<rule name>-<target id>`` in the subscriber name grammar, at most 256 characters."""
    name = _NAME_CHARS.sub("-", f"{rule.name}-{target_id}").lstrip(".-_") or "subscriber"
    return name[:256]


class RuleTranslation:
    def __init__(self, migrator: Any, *, aws_defaults: bool) -> None:
        self.m = migrator
        self.aws_defaults = aws_defaults
        self.seen: set[str] = set()
        self.names: set[str] = set()

    def translate_stack(self, source: StackSource) -> None:
        stack = source.name
        grants: list[DeliveryGrant] = []
        pending: list[tuple[str, dict[str, Any]]] = []
        for lid, resource in list(self.m.resources(stack).items()):
            rule = self.m.graph.find(self.m.gid(stack, lid))
            if resource.get("Type") != "AWS::Events::Rule" or not isinstance(rule, Rule):
                continue
            self.seen.add(rule.id)
            if rule.bus not in self.m.buses:
                self._stays(stack, lid, rule)
                continue
            del self.m.resources(stack)[lid]
            self.m.gone[stack].add(lid)
            pattern = self._filter(stack, lid, rule, resource)
            if pattern is None:
                continue
            if not rule.enabled:
                self.m.report(Severity.INFO, "migrate-disabled-rule", stack, lid,
                              "disabled: its subscribers are written STOPPED; starting one later "
                              "with ResumePosition LAST_PROCESSED delivers the backlog kept "
                              "since its creation")  # fmt: skip
            moved = self.m.moved[stack].setdefault(lid, [])
            for raw in (resource.get("Properties") or {}).get("Targets") or []:
                made = self._subscriber(stack, lid, rule, resource, raw, pattern, grants)
                if made is not None:
                    pending.append(made)
                    moved.append(MigratedTarget(made[0], self.m.buses[rule.bus][2],
                                                "DeadLetterConfig" in raw))  # fmt: skip
            if len(rule.targets) > 1:
                self.m.report(Severity.INFO, "migrate-several-targets", stack, lid,
                              f"{len(rule.targets)} targets became {len(moved)} subscribers, "
                              "each with its own position, retries and metrics")  # fmt: skip
        if not pending:
            return
        role = self.m.add_role(stack, grants)
        for sub_lid, subscriber in pending:
            invoke = subscriber["Properties"]["InvokeConfiguration"]
            invoke["RoleArn"] = {"Fn::GetAtt": [role, "Arn"]}
            self.m.resources(stack)[sub_lid] = subscriber

    def _stays(self, stack: str, lid: str, rule: Rule) -> None:
        bus = self.m.graph.find(rule.bus)
        if rule.schedule_expression:
            self.m.report(Severity.INFO, "migrate-scheduled-rule", stack, lid,
                          "a scheduled rule stays on Classic (EventBridge Scheduler is its "
                          "successor); it is not a subscriber")  # fmt: skip
        elif isinstance(bus, EventBus) and bus.implicit and bus.name == "default":
            self.m.report(Severity.WARNING, "migrate-default-bus", stack, lid,
                          "on the default bus, which cannot become a Custom Event Bus: AWS "
                          "service events reach a new bus through an AWS::EventsV2::EventSource,"
                          " and custom events need their producers to name a new bus; the rule "
                          "stays Classic")  # fmt: skip
        elif isinstance(bus, EventBus) and bus.implicit:
            self.m.report(Severity.WARNING, "migrate-external-bus", stack, lid,
                          f"bus {bus.name} is not defined in the loaded templates; load the stack"
                          " that defines it to migrate this rule with it")  # fmt: skip

    def _filter(self, stack: str, lid: str, rule: Rule, resource: Any) -> str | None:
        """The rule's pattern as the subscribers' DATA filter text, or None (reported) when a
        filter cannot hold it."""
        pattern = rule.pattern.to_dict() if rule.pattern is not None else {}
        text, resolved = pattern_text((resource.get("Properties") or {}).get("EventPattern"),
                                      rule)  # fmt: skip
        refusal = None
        if uses_wildcard(pattern):
            refusal = (
                "migrate-wildcard",
                "its pattern uses wildcard matching, which subscriber "
                "filters refuse; rewrite it with prefix/suffix/equals-ignore-case",
            )
        elif _aws_sources(pattern):
            refusal = ("migrate-aws-source", f"it matches AWS service events "
                       f"({', '.join(_aws_sources(pattern))}), which reach the new bus through an "
                       "AWS::EventsV2::EventSource with their origin in SYSTEM_METADATA "
                       "(aws:Source): the DATA pattern would match nothing")  # fmt: skip
        elif len(text) > MAX_FILTER_CHARS:
            refusal = ("migrate-pattern-size", f"its pattern is {len(text):,} characters; a "
                       f"subscriber filter holds {MAX_FILTER_CHARS:,}")  # fmt: skip
        if refusal is not None:
            self.m.report(Severity.ERROR, refusal[0], stack, lid, f"not migrated: {refusal[1]}")
            return None
        if resolved:
            self.m.report(Severity.WARNING, "migrate-resolved-pattern", stack, lid,
                          "its pattern holds template references; the filter is written with "
                          "the values they had when migrated")  # fmt: skip
        return text

    def _subscriber(self, stack, lid, rule: Rule, resource, raw, pattern: str, grants):
        target = next((t for t in rule.targets if t.target_id == raw.get("Id")), None)
        if target is None:
            return None
        try:
            family = family_of(self.m.graph, target)
            check_place(target, rule.region, rule.account)
            props, grant = subscriber_properties(
                family, raw, self._common(stack, rule, raw, target, pattern),
                aws_defaults=self.aws_defaults)  # fmt: skip
        except TargetNotMigratedError as exc:
            self.m.report(Severity.ERROR, exc.code, stack, lid, f"not migrated: {exc.reason}")
            return None
        grants.append(grant)
        sub_lid = unique_id(f"{lid}{re.sub(r'[^A-Za-z0-9]', '', target.target_id)}Subscriber",
                              self.m.resources(stack))  # fmt: skip
        self.m.pair(rule, target.target_id, stack, sub_lid)
        self._meaning(stack, lid, target, family, raw)
        kept = {k: resource[k] for k in ("Condition",) if k in resource}
        metadata = {"bridgetwin:migrated-from": f"{lid}/{target.target_id}"}
        return sub_lid, {"Type": "AWS::EventsV2::Subscriber", "Properties": props,
                         "Metadata": metadata, **kept}  # fmt: skip

    def _common(self, stack, rule: Rule, raw, target: Target, pattern: str) -> dict[str, Any]:
        name = subscriber_name(rule, target.target_id)
        while name in self.names:
            name = f"{name[:250]}-{len(self.names)}"
        self.names.add(name)
        target_arn = raw.get("Arn")
        if target.resource in self.m.buses:
            target_arn = self.m.bus_arn(stack, target.resource)
        common = {"Name": name, "EventBusArn": self.m.bus_arn(stack, rule.bus),
                  "FilterConfiguration": {"Filters": [{"Scope": "DATA", "Pattern": pattern}]},
                  "TargetArn": target_arn, "RoleArn": "set with the stack's role"}  # fmt: skip
        if not rule.enabled:
            common["State"] = "STOPPED"
        return common

    def _meaning(self, stack: str, lid: str, target: Target, family: str, raw) -> None:
        where = f"target {target.target_id}"
        if raw.get("DeadLetterConfig"):
            self.m.report(Severity.WARNING, "migrate-dead-letter-record", stack, lid,
                          f"{where}: its DLQ now receives one record per failed batch (ids, "
                          "error, no payload), not the event; whoever reads the DLQ must change,"
                          " and redriving needs the event still in the bus's "
                          "retention")  # fmt: skip
        if family in ("api-destination", "execute-api"):
            self.m.report(Severity.WARNING, "migrate-client-errors-retried", stack, lid,
                          f"{where}: Classic sent 4xx responses (but 429) to the DLQ at once; a "
                          "subscriber retries them until its attempts or age run out "
                          "(RetryStrategy ALL), delaying the DLQ and adding calls")  # fmt: skip
        if family == "sqs" and (raw.get("SqsParameters") or {}).get("MessageGroupId"):
            self.m.report(Severity.INFO, "migrate-fifo-opportunity", stack, lid,
                          f"{where} is a FIFO queue: a FIFO subscriber with event groups would "
                          "keep publish order end to end (Classic did not)")  # fmt: skip


def unique_id(wanted: str, taken: Mapping[str, Any] | set[str]) -> str:
    """``wanted``, or ``wanted2``, ``wanted3``... : the first not in ``taken``."""
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}{number}", number + 1
    return name


def pattern_text(raw: Any, rule: Rule) -> tuple[str, bool]:
    """The rule's pattern as a filter's JSON text; True when it was resolved from references."""
    if isinstance(raw, str):
        return raw, False
    if referenced(raw) or "Fn::" in json.dumps(raw):
        return json.dumps(rule.pattern.to_dict() if rule.pattern else {}), True
    return json.dumps(raw), False
