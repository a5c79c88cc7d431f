"""A Classic deployment, rewritten for the Custom Event Bus, with everything that did not move.

AWS's migration guide maps each Classic bus to a Custom Event Bus and each rule target to one
subscriber (custom-bus facts §5). :func:`migrate` does that to the templates of a deployment:

1. Each ``AWS::Events::EventBus`` becomes an ``AWS::EventsV2::EventBus`` of the same name under
   a new logical id (``<Id>V2``: CloudFormation cannot change a resource's type in place), keeping
   its KMS key, description and tags; its archives become its retention (the longest, at most
   365 days). A partner bus and a bus behind a global endpoint stay Classic, with a finding.
2. Each rule target on a migrated bus becomes a subscriber (:mod:`.subscriber_from_target`); the
   rule, its archives and bus policies leave. Rules on the default bus, scheduled rules and rules
   on buses the templates do not define stay as they are, with a finding.
3. Each stack with subscribers gets their delivery role (:mod:`.delivery_role`); a rule in one
   stack on a bus in another reads the new bus's ARN through an export the bus's stack gains.
4. References are repaired (:mod:`.reference_repair`, :mod:`.classic_alarms`); outputs that
   needed a removed resource are removed.

It runs twice: faithfully, and with AWS's defaults (no retry policy, no batch size), which is
what a team gets that copies only the routing.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Archive, Graph, Rule, StackSource
from bridgetwin.graph.custom_bus_nodes import SUBSCRIBER_TARGET_ID
from bridgetwin.migration.classic_alarms import MigratedTarget, translated_alarm
from bridgetwin.migration.delivery_role import delivery_role
from bridgetwin.migration.migration_report import MigrationFinding
from bridgetwin.migration.reference_repair import referenced, repair, rewrite_bus_references
from bridgetwin.migration.rule_translation import RuleTranslation, unique_id
from bridgetwin.patterns import Severity

MAX_RETENTION_DAYS = 365
_KEPT_KEYS = ("Condition", "DependsOn", "Metadata", "DeletionPolicy", "UpdateReplacePolicy")


@dataclass(frozen=True)
class Migration:
    faithful: tuple[StackSource, ...]
    """The migrated stacks, retry policies and single-event delivery written out."""
    aws_defaults: tuple[StackSource, ...]
    """The same routing relying on the new bus's defaults (5 attempts / 300 s, batches)."""
    findings: tuple[MigrationFinding, ...]
    pairs: Mapping[str, str]
    """Each migrated Classic ``rule/target`` result key -> its subscriber's (for the diff)."""


def migrate(sources: Sequence[StackSource], graph: Graph) -> Migration:
    """Migrate the deployment of ``sources`` (loaded as ``graph``) to the Custom Event Bus."""
    faithful = _Migrator(sources, graph, aws_defaults=False)
    defaults = _Migrator(sources, graph, aws_defaults=True)
    return Migration(faithful.stacks(), defaults.stacks(), tuple(faithful.findings),
                     faithful.pairs)  # fmt: skip


class _Migrator:
    def __init__(self, sources: Sequence[StackSource], graph: Graph, *, aws_defaults: bool):
        self.sources = list(sources)
        self.graph = graph
        self.multi = len(self.sources) > 1
        self.templates = {s.name: copy.deepcopy(dict(s.template)) for s in self.sources}
        self.findings: list[MigrationFinding] = []
        self.pairs: dict[str, str] = {}
        self.buses: dict[str, tuple[str, str, str, Any]] = {}
        """Classic bus graph id -> (stack, old logical id, new logical id, Name value)."""
        self.gone: dict[str, set[str]] = {s.name: set() for s in self.sources}
        self.moved: dict[str, dict[str, list[MigratedTarget]]] = {s.name: {} for s in sources}
        rules = RuleTranslation(self, aws_defaults=aws_defaults)
        for source in self.sources:
            self._buses(source)
        for source in self.sources:
            self._archives_and_policies(source)
        for source in self.sources:
            rules.translate_stack(source)
        self._generated_rules(rules.seen)
        for source in self.sources:
            self._repair(source)

    def gid(self, stack: str, lid: str) -> str:
        return f"{stack}/{lid}" if self.multi else lid

    def resources(self, stack: str) -> dict[str, Any]:
        return self.templates[stack].setdefault("Resources", {})

    def report(self, severity: Severity, code: str, stack: str, lid: str, message: str) -> None:
        self.findings.append(MigrationFinding(code, severity, f"{stack}/{lid}", message))

    def stacks(self) -> tuple[StackSource, ...]:
        return tuple(dataclasses.replace(s, template=self.templates[s.name], path=None)
                     for s in self.sources)  # fmt: skip

    def _of_type(self, stack: str, rtype: str) -> list[tuple[str, dict[str, Any], Any]]:
        """(logical id, resource, node) of each active resource of ``rtype`` in ``stack``."""
        out = []
        for lid, resource in list(self.resources(stack).items()):
            node = self.graph.find(self.gid(stack, lid))
            if isinstance(resource, Mapping) and resource.get("Type") == rtype and node:
                out.append((lid, resource, node))
        return out

    def _buses(self, source: StackSource) -> None:
        stack, resources = source.name, self.resources(source.name)
        for lid, resource, node in self._of_type(stack, "AWS::Events::EventBus"):
            props = resource.get("Properties") or {}
            if props.get("EventSourceName") is not None:
                self.report(Severity.ERROR, "migrate-partner-bus", stack, lid,
                            "a partner event bus: on the new bus, partner events arrive through "
                            "an AWS::EventsV2::EventSource (PartnerEventsConfiguration); not "
                            "migrated")  # fmt: skip
                continue
            endpoints = [e.id for e in self.graph.endpoints if node.id in e.event_buses]
            if endpoints:
                self.report(Severity.ERROR, "migrate-global-endpoint", stack, lid,
                            f"behind global endpoint {', '.join(endpoints)}: the Custom Event "
                            "Bus has no global endpoints; the bus stays Classic")  # fmt: skip
                continue
            new = unique_id(f"{lid}V2", resources)
            bus_props = {"Name": props.get("Name", node.name)}
            for old, key, wrap in (("Description", "Description", None),
                                   ("KmsKeyIdentifier", "EncryptionConfiguration",
                                    "KmsKeyIdentifier"), ("Tags", "Tags", None)):  # fmt: skip
                if props.get(old) is not None:
                    bus_props[key] = {wrap: props[old]} if wrap else props[old]
            for key, code, why in (
                ("Policy", "migrate-bus-policy", "its resource policy (who may publish) is not "
                 "carried over: write an AWS::EventsV2::ResourcePolicy (the new bus's ARN "
                 "differs)"),
                ("DeadLetterConfig", "migrate-bus-dead-letter", "its dead-letter queue has no "
                 "counterpart: a subscriber's on-failure queue covers delivery only"),
            ):  # fmt: skip
                if props.get(key) is not None:
                    self.report(Severity.WARNING, code, stack, lid, why)
            kept = {k: resource[k] for k in _KEPT_KEYS if k in resource and k != "Metadata"}
            resources[new] = {"Type": "AWS::EventsV2::EventBus", "Properties": bus_props, **kept}
            del resources[lid]
            self.buses[node.id] = (stack, lid, new, bus_props["Name"])
            self.report(Severity.INFO, "migrate-bus", stack, lid,
                        f"now the Custom Event Bus {new} (same name {node.name}; producers keep "
                        "PutEvents, which needs events:PutEvents on the new bus's "
                        "ARN)")  # fmt: skip

    def _archives_and_policies(self, source: StackSource) -> None:
        stack, resources = source.name, self.resources(source.name)
        days: dict[str, int] = {}
        for lid, _, node in self._of_type(stack, "AWS::Events::Archive"):
            assert isinstance(node, Archive)
            if node.source_bus not in self.buses:
                continue
            kept = node.retention_days or MAX_RETENTION_DAYS
            days[node.source_bus] = max(days.get(node.source_bus, 1), min(kept, 365))
            del resources[lid]
            self.gone[stack].add(lid)
            forever = "kept events indefinitely; retention is at most 365 days, and " if (
                not node.retention_days or node.retention_days > 365) else ""  # fmt: skip
            self.report(Severity.WARNING if forever else Severity.INFO, "migrate-archive", stack,
                        lid, f"{forever}the bus now keeps every event (the archive's pattern no "
                        "longer selects) for its retention; replay is a POINT_IN_TIME "
                        "subscriber")  # fmt: skip
        for bus_id, kept_days in days.items():
            bus_stack, _, new, _ = self.buses[bus_id]
            props = self.resources(bus_stack)[new]["Properties"]
            props["StorageConfiguration"] = {"RetentionPeriodInDays": kept_days}
        bus_lids = {old for s, old, _, _ in self.buses.values() if s == stack}
        for lid, resource in list(resources.items()):
            if resource.get("Type") == "AWS::Events::EventBusPolicy" and referenced(
                    resource.get("Properties")) & bus_lids:  # fmt: skip
                del resources[lid]
                self.gone[stack].add(lid)
                self.report(Severity.WARNING, "migrate-bus-policy", stack, lid,
                            "bus policy removed: write an AWS::EventsV2::ResourcePolicy for the "
                            "new bus (its ARN differs)")  # fmt: skip

    def bus_arn(self, stack: str, bus_id: str) -> Any:
        """The new bus's ARN as ``stack`` reads it (an export when the bus is elsewhere)."""
        bus_stack, _, new, _ = self.buses[bus_id]
        if bus_stack == stack:
            return {"Fn::GetAtt": [new, "EventBusArn"]}
        export = re.sub(r"[^A-Za-z0-9:-]", "-", f"{bus_stack}:{new}:EventBusArn")
        outputs = self.templates[bus_stack].setdefault("Outputs", {})
        outputs[f"{new}EventBusArn"] = {"Value": {"Fn::GetAtt": [new, "EventBusArn"]},
                                        "Export": {"Name": export}}  # fmt: skip
        return {"Fn::ImportValue": export}

    def add_role(self, stack: str, grants: list[Any]) -> str:
        lid = unique_id("MigratedSubscriberRole", self.resources(stack))
        self.resources(stack)[lid] = delivery_role(grants)
        return lid

    def pair(self, rule: Rule, target_id: str, stack: str, subscriber_lid: str) -> None:
        self.pairs[f"{rule.id}/{target_id}"] = (
            f"{self.gid(stack, subscriber_lid)}/{SUBSCRIBER_TARGET_ID}"
        )

    def _generated_rules(self, seen: set[str]) -> None:
        for rule in self.graph.rules:
            if rule.bus in self.buses and rule.id not in seen:
                stack, _, lid = rule.id.rpartition("/")
                self.report(Severity.ERROR, "migrate-generated-rule", stack or
                            self.sources[0].name, lid, "this rule is generated by a transform "
                            "(a SAM function's event): move that event to a subscriber by "
                            "hand")  # fmt: skip

    def _repair(self, source: StackSource) -> None:
        stack = source.name
        template = self.templates[stack]
        names = {old: (new, name) for s, old, new, name in self.buses.values() if s == stack}
        if names:
            for key in ("Resources", "Outputs"):
                if key in template:
                    template[key] = rewrite_bus_references(template[key], names)
        moved = self.moved[stack]

        def alarm(lid: str, resource: dict[str, Any]) -> dict[str, Any] | None:
            return translated_alarm(lid, resource, moved, report)

        def report(code: str, lid: str, message: str) -> None:
            severity = Severity.INFO if code == "migrate-permission" else Severity.WARNING
            self.report(severity, code, stack, lid, message)

        gone = repair(self.resources(stack), self.gone[stack], alarm, report)
        outputs = template.get("Outputs")
        if not isinstance(outputs, dict):
            return  # no outputs (a template that says otherwise did not load)
        for name in sorted(outputs):
            needed = sorted(referenced(outputs[name]) & gone)
            if needed:
                del outputs[name]
                report("migrate-output", name, f"output removed: it needed {', '.join(needed)}")
