"""Terraform plans (``terraform show -json PLANFILE``) read as the CloudFormation the loader knows.

A plan's ``planned_values`` holds every resource instance of the root module and its child
modules, with the values Terraform will create, by address (``module.orders.aws_sqs_queue.dlq``,
``aws_cloudwatch_event_rule.r["b"]``). Values known only after apply (an ARN of a resource the
same apply creates) are absent there and marked in ``resource_changes[].change.after_unknown``;
the ``configuration`` section says what each one refers to (``aws_sqs_queue.dlq.arn``), so such a
value becomes the ``Fn::GetAtt``/``Ref`` CloudFormation would have written
(:data:`~._terraform_types.ATTRIBUTES`), and the graph links it as it links a template. What
refers to nothing the plan creates becomes a template parameter without a value, so the loader
names it in a warning as it does any parameter (and ``--param`` can give it one); values the plan
marks sensitive are replaced, never shown (``SENSITIVE_LITERAL`` when the configuration writes
the value as a constant, which lint flags as a plaintext secret, else ``SENSITIVE_REFERENCE``).

Each instance becomes a resource whose logical id is its Terraform address, typed as
:data:`~._terraform_types.TYPES` says; ``aws_cloudwatch_event_target`` instances join their rule's
``Targets``; any other type is kept as an opaque ``Terraform::<type>`` resource. Each resource's
Region comes from its provider (:mod:`._terraform_regions`, which splits a plan across Regions
into a stack per Region).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._terraform_types import ATTRIBUTES, TYPES, target_properties

SENSITIVE_LITERAL = "(sensitive literal in the configuration)"
SENSITIVE_REFERENCE = "{{resolve:terraform:sensitive}}"
"""What a sensitive value becomes: lint's plaintext-secret rule flags the first (the .tf file
holds the secret), and treats the second (a variable or a data source) as a reference."""
_INDEX = re.compile(r"\[[^\]]*\]$")
_INDEXED = re.compile(r"^(\w+\.\w+\[[^\]]*\])\.(\w+)$")


def is_terraform_plan(document: Any) -> bool:
    return (
        isinstance(document, Mapping)
        and "planned_values" in document
        and ("format_version" in document)
    )


@dataclass(frozen=True)
class _Instance:
    address: str
    module: str
    """``module.a.module.b`` or empty for the root module."""
    type: str
    name: str
    index: Any
    values: Mapping[str, Any]
    sensitive: Any


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list the format says holds objects (anything else is skipped: the
    resulting gaps are named when something needs them)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _instances(module: Mapping[str, Any], path: str = "") -> Iterator[_Instance]:
    for resource in _dicts(module.get("resources")):
        if resource.get("mode", "managed") != "managed":
            continue  # data sources read, they do not create
        fields = [resource.get(k) for k in ("address", "type", "name")]
        if not all(isinstance(f, str) and f for f in fields):
            raise TemplateError(f"planned_values: a resource of {path or 'the root module'} "
                                "lacks a string address, type or name")  # fmt: skip
        values = _mapping(resource.get("values"))
        sensitive = resource.get("sensitive_values") or {}
        yield _Instance(fields[0], path, fields[1], fields[2], resource.get("index"), values,
                        sensitive)  # fmt: skip
    for child in _dicts(module.get("child_modules")):
        address = child.get("address")
        yield from _instances(child, address if isinstance(address, str) else path)


def _expressions(module: Mapping[str, Any], path: str = "") -> Iterator[tuple[tuple, Any]]:
    """((module path, ``type.name``), expressions) of every configured resource, and
    ((module path, ``output:NAME``), expression) of every module output."""
    for resource in _dicts(module.get("resources")):
        yield (path, resource.get("address")), _mapping(resource.get("expressions"))
    for name, output in _mapping(module.get("outputs")).items():
        yield (path, f"output:{name}"), _mapping(output).get("expression")
    for name, call in _mapping(module.get("module_calls")).items():
        inner = f"{path}.module.{name}" if path else f"module.{name}"
        yield from _expressions(_mapping(_mapping(call).get("module")), inner)


class _PlanReader:
    def __init__(self, document: Mapping[str, Any], name: str) -> None:
        version = str(document.get("format_version", ""))
        if version.split(".", maxsplit=1)[0] != "1":
            raise TemplateError(
                f"{name}: Terraform plan format_version {version!r}; bridgetwin "
                "reads format 1.x (terraform show -json, Terraform 0.12 and "
                "later)"
            )
        self.name = name
        root = _mapping(_mapping(document.get("planned_values")).get("root_module"))
        self.instances = list(_instances(root))
        self.by_address = {instance.address: instance for instance in self.instances}
        self.by_base: dict[str, list[_Instance]] = {}
        for instance in self.instances:
            self.by_base.setdefault(_INDEX.sub("", instance.address), []).append(instance)
        self.unknown = {
            c["address"]: _mapping(c.get("change")).get("after_unknown") or {}
            for c in _dicts(document.get("resource_changes"))
            if isinstance(c.get("address"), str)
        }
        configuration = _mapping(document.get("configuration"))
        self.expressions = dict(_expressions(_mapping(configuration.get("root_module"))))
        self.outputs = {
            (m, key[7:]): e
            for (m, key), e in self.expressions.items()
            if isinstance(key, str) and key.startswith("output:")
        }
        self.placeholders: list[tuple[str, str]] = []
        """(parameter, what it stands for): values known only after apply that refer to nothing
        the plan creates; the loader warns of them as of parameters without a value."""

    def _reference(self, module: str, index: Any, expression: Any, field: str = "") -> Any:
        """What an unknown value refers to, as CloudFormation would write it, or None: a
        resource's attribute in the same module, or a child module's output (followed into it)."""
        references = expression.get("references") if isinstance(expression, Mapping) else None
        for reference in references or []:
            indexed = _INDEXED.match(reference)
            if indexed is not None:  # type.name[i].attribute: that instance exactly
                address = ".".join(filter(None, [module, indexed.group(1)]))
                form = ATTRIBUTES.get(indexed.group(1).split(".")[0], {}).get(indexed.group(2))
                if form is not None and address in self.by_address:
                    return _cloudformation(address, form)
                continue
            parts = _INDEX.sub("", reference).split(".")
            if len(parts) >= 3 and parts[0] == "module":
                inner = ".".join(filter(None, [module, "module", parts[1]]))
                found = self._reference(inner, None, self.outputs.get((inner, parts[2])), field)
                if found is not None:
                    return found
                continue
            if len(parts) == 2 and "_" in parts[0]:  # r[each.key]: the attribute goes unrecorded
                parts.append(_implied_attribute(field))
            if len(parts) < 3 or parts[0] in ("var", "local", "each", "count", "data"):
                continue
            base = ".".join(filter(None, [module, parts[0], parts[1]]))
            candidates = self.by_base.get(base) or []
            chosen = [c for c in candidates if c.index == index] or candidates
            form = ATTRIBUTES.get(parts[0], {}).get(parts[2])
            if len(chosen) == 1 and form is not None:
                address = chosen[0].address
                return _cloudformation(address, form)
        return None

    def _named(self, instance: _Instance, value: str, expression: Mapping[str, Any]) -> Any:
        """A known value that is another instance's name, written in the configuration as a
        reference to it (``event_bus_name = aws_cloudwatch_event_bus.orders.name``): its
        ``Ref``, as CloudFormation links them, or None."""
        found = self._reference(instance.module, instance.index, expression, "name")
        if not (isinstance(found, Mapping) and "Ref" in found):
            return None
        target = self.by_address.get(found["Ref"])
        named = target is not None and any(v == value for v in target.values.values())
        return found if named else None

    def _values(
        self,
        instance: _Instance,
        values: Any,
        unknown: Any,
        sensitive: Any,
        expressions: Any,
        path: str,
    ) -> Any:
        if sensitive is True:  # never shown; a literal in the configuration is still one
            constant = isinstance(expressions, Mapping) and "constant_value" in expressions
            return SENSITIVE_LITERAL if constant else SENSITIVE_REFERENCE
        if unknown is True:
            if expressions is None:
                return None  # computed by the provider (an ARN, a URL): not configuration
            field = re.sub(r"\[\d+\]", "", path).rpartition(".")[2]
            found = self._reference(instance.module, instance.index, expressions, field)
            if found is None:
                parameter = f"TerraformUnknown{len(self.placeholders) + 1}"
                self.placeholders.append((parameter, f"{instance.address}.{path}"))
                return {"Ref": parameter}
            return found
        if isinstance(values, str) and isinstance(expressions, Mapping):
            linked = self._named(instance, values, expressions)
            if linked is not None:
                return linked
        if isinstance(values, list) or isinstance(unknown, list):
            values = values if isinstance(values, list) else []
            length = max(len(values), len(unknown) if isinstance(unknown, list) else 0)
            return [
                self._values(
                    instance,
                    _at(values, i),
                    _at(unknown, i),
                    _at(sensitive, i),
                    _at(expressions, i),
                    f"{path}[{i}]",
                )
                for i in range(length)
            ]
        if isinstance(values, Mapping) or isinstance(unknown, Mapping):
            values = values if isinstance(values, Mapping) else {}
            keys = [*values, *(k for k in (unknown or {}) if k not in values)]
            return {
                k: self._values(
                    instance,
                    values.get(k),
                    _get(unknown, k),
                    _get(sensitive, k),
                    _get(expressions, k),
                    f"{path}.{k}" if path else k,
                )
                for k in keys
            }
        return values

    def template(self) -> dict[str, Any]:
        resolved = []
        for instance in self.instances:
            configured = self.expressions.get((instance.module, f"{instance.type}.{instance.name}"))
            values = self._values(
                instance,
                instance.values,
                self.unknown.get(instance.address),
                instance.sensitive,
                configured,
                "",
            )
            resolved.append((instance.address, instance.type, values))
        return assemble_template(self.name, resolved, self.placeholders)


def assemble_template(
    name: str,
    instances: list[tuple[str, str, Any]],
    placeholders: list[tuple[str, str]],
    unknown: str = "known after apply",
) -> dict[str, Any]:
    """The CloudFormation-shaped template of resolved resource instances (address, Terraform
    type, values with references already in CloudFormation's forms): each a resource typed as
    :data:`~._terraform_types.TYPES` says, targets joined to their rule's ``Targets``, any other
    type opaque; ``placeholders`` (parameter, what it stands for) become parameters without a
    value (described as ``unknown``)."""
    resources: dict[str, Any] = {}
    targets: list[tuple[str, dict[str, Any]]] = []
    for address, kind, values in instances:
        if kind == "aws_cloudwatch_event_target":
            targets.append((address, values))
        elif kind in TYPES:
            cfn_type, convert = TYPES[kind]
            resources[address] = {"Type": cfn_type, "Properties": convert(values)}
        else:
            resources[address] = {"Type": f"Terraform::{kind}"}
    for address, values in targets:
        rule = _rule_of(name, address, values, resources)
        props = resources[rule]["Properties"]
        target = target_properties(values)
        if not isinstance(target.get("Id"), str):  # the provider generates one: use the name
            target["Id"] = _INDEX.sub("", address).rsplit(".", 1)[-1]
        props.setdefault("Targets", []).append(target)
    parameters = {
        parameter: {"Type": "String", "Description": f"{what}: {unknown}"}
        for parameter, what in placeholders
    }
    return (
        {"Parameters": parameters, "Resources": resources}
        if parameters
        else {"Resources": resources}
    )


def _rule_of(name: str, address: str, values: Mapping[str, Any], resources) -> str:
    rule = values.get("rule")
    if isinstance(rule, Mapping) and rule.get("Ref") in resources:
        return rule["Ref"]
    bus = values.get("event_bus_name") or "default"
    for candidate, resource in resources.items():
        props = resource.get("Properties") or {}
        if (
            resource["Type"] == "AWS::Events::Rule"
            and props.get("Name") == rule
            and (props.get("EventBusName") or "default") in (bus, {"Ref": bus})
        ):
            return candidate
    raise TemplateError(
        f"{name}: {address}: its rule {rule!r} is not in the plan; bridgetwin needs the rule "
        "and its targets in one plan"
    )


def _cloudformation(address: str, form: str) -> dict[str, Any]:
    """The reference CloudFormation would write: ``Ref``, or ``Fn::GetAtt`` of ``form``."""
    return {"Ref": address} if form == "Ref" else {"Fn::GetAtt": [address, form]}


def _implied_attribute(field: str) -> str:
    """The attribute a reference without one (``aws_x.y[each.key]``) must mean, from the
    argument it sets: ``*arn`` an ARN, ``*url`` a URL, else a name (``rule``,
    ``event_bus_name``)."""
    if field.endswith("arn"):
        return "arn"
    return "url" if field.endswith("url") else "name"


def _at(value: Any, index: int) -> Any:
    return value[index] if isinstance(value, list) and index < len(value) else None


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def plan_template(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The plan as a CloudFormation-shaped template; values known only after apply that refer to
    nothing in the plan are parameters without a value (``--param`` gives them one)."""
    try:
        return _PlanReader(document, name).template()
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        raise TemplateError(
            f"{name}: not a Terraform plan as `terraform show -json` writes it (format 1.x): "
            f"{type(exc).__name__}: {exc}"
        ) from None
