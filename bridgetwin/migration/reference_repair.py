"""After the Classic resources leave a template, what pointed at them.

Two kinds of reference need repair. A *replaced* bus gets a new logical id (CloudFormation
cannot change a resource's type in place) and other attributes: a Classic bus's ``Ref`` is its
name and ``Fn::GetAtt .Arn`` its ARN, a Custom Event Bus's ``Ref`` is its ARN and the attribute is
``EventBusArn``; so ``Ref`` becomes the bus's name and ``.Arn`` the new bus's ``EventBusArn``
wherever they appear (``Fn::Sub`` included). A *removed* rule, archive or
bus policy leaves dependents: the Lambda permissions and the queue and topic policy statements
that let the rule in are dropped (the subscribers' role replaces them), a ``DependsOn`` loses the
name, alarms are handed to :mod:`.classic_alarms`, and anything else that still needs the removed
resource is removed too, repeatedly, each with a finding so nothing leaves silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")
_STATEMENT_POLICIES = {"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"}


def referenced(value: Any) -> set[str]:
    """Logical ids ``value`` refers to through ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(target, str):
                    found.add(target.split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    found |= {m.group(1) for m in _SUB_NAME.finditer(text)}
                if isinstance(inner, list) and len(inner) > 1:
                    found |= referenced(inner[1])
            else:
                found |= referenced(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= referenced(inner)
    return found


def rewrite_bus_references(value: Any, buses: Mapping[str, tuple[str, Any]]) -> Any:
    """``value`` with references to the replaced buses (old logical id -> (new logical id,
    Name value)) rewritten for the Custom Event Bus that replaces each."""
    if isinstance(value, list):
        return [rewrite_bus_references(v, buses) for v in value]
    if not isinstance(value, Mapping):
        return value
    if set(value) == {"Ref"} and isinstance(value["Ref"], str) and value["Ref"] in buses:
        return buses[value["Ref"]][1]
    if set(value) == {"Fn::GetAtt"}:
        inner = value["Fn::GetAtt"]
        parts = inner.split(".", 1) if isinstance(inner, str) else (
            list(inner) if isinstance(inner, list) else [])  # fmt: skip
        if len(parts) == 2 and isinstance(parts[0], str) and parts[0] in buses:
            new, name = buses[parts[0]]
            return name if parts[1] == "Name" else {"Fn::GetAtt": [new, "EventBusArn"]}
    if set(value) == {"Fn::Sub"}:
        inner = value["Fn::Sub"]
        text = inner[0] if isinstance(inner, list) else inner
        if isinstance(text, str):
            text = _SUB_NAME.sub(lambda m: _sub_part(m, buses), text)
            if not isinstance(inner, list):
                return {"Fn::Sub": text}
            return {"Fn::Sub": [text, *rewrite_bus_references(inner[1:], buses)]}
    return {k: rewrite_bus_references(v, buses) for k, v in value.items()}


def _sub_part(match: re.Match[str], buses: Mapping[str, tuple[str, Any]]) -> str:
    lid, attribute = match.group(1), match.group(2)
    if lid not in buses:
        return match.group(0)
    new, name = buses[lid]
    if attribute in (None, "Name") and isinstance(name, str):
        return name
    return f"${{{new}.EventBusArn}}" if attribute == "Arn" else f"${{{new}.{attribute}}}"


Report = Callable[[str, str, str], None]
"""(code, logical id, message): how repairs are reported."""
AlarmRepair = Callable[[str, dict[str, Any]], dict[str, Any] | None]
"""(logical id, alarm resource) -> the translated alarm, or None to remove it."""


def _without_statements(resource: dict[str, Any], gone: set[str]) -> dict[str, Any] | None:
    """A queue or topic policy without the statements that name removed resources."""
    document = (resource.get("Properties") or {}).get("PolicyDocument") or {}
    statements = document.get("Statement")
    if not isinstance(statements, list):
        return None
    kept = [s for s in statements if not referenced(s) & gone]
    if not kept:
        return None
    properties = {**resource["Properties"], "PolicyDocument": {**document, "Statement": kept}}
    return {**resource, "Properties": properties}


def repair(
    resources: dict[str, Any], gone: set[str], alarms: AlarmRepair, report: Report
) -> set[str]:
    """Repair or remove every resource of ``resources`` that refers to one in ``gone``
    (changed in place); returns every logical id removed, ``gone`` included."""
    gone = set(gone)
    changed = True
    while changed:
        changed = False
        for lid in sorted(resources):
            resource = resources[lid]
            depends = resource.get("DependsOn")
            if depends is not None:
                names = [depends] if isinstance(depends, str) else list(depends)
                if set(names) & gone:
                    kept = [n for n in names if n not in gone]
                    resource = {k: v for k, v in resource.items() if k != "DependsOn"}
                    resources[lid] = resource | ({"DependsOn": kept} if kept else {})
            hits = referenced({k: v for k, v in resource.items() if k != "DependsOn"}) & gone
            if not hits:
                continue
            replacement = _replacement(lid, resource, gone, hits, alarms, report)
            if replacement is None or referenced(replacement) & gone:
                del resources[lid]
                gone.add(lid)
            else:
                resources[lid] = replacement
            changed = True
    return gone


def _replacement(lid, resource, gone, hits, alarms: AlarmRepair, report: Report):
    rtype = resource.get("Type")
    names = ", ".join(sorted(hits))
    if rtype == "AWS::Lambda::Permission":
        report("migrate-permission", lid, f"Lambda permission for {names} removed: the "
               "subscribers' delivery role invokes the function "
               "(lambda:InvokeFunction)")  # fmt: skip
        return None
    if rtype in _STATEMENT_POLICIES:
        kept = _without_statements(resource, gone)
        report("migrate-permission", lid, f"statements letting {names} in removed"
               + ("" if kept else "; no statement was left, so the policy is removed")
               + ": the subscribers' delivery role sends with its own permission")  # fmt: skip
        return kept
    if rtype == "AWS::CloudWatch::Alarm":
        return alarms(lid, resource)
    report("migrate-dropped-resource", lid, f"{rtype} removed: it refers to {names}, which the "
           "migration removed; rebuild it on the Custom Event Bus (AWS/EventsV2 metrics, "
           "subscriber ARNs)")  # fmt: skip
    return None
