"""Evaluate CloudFormation intrinsic functions offline, as far as a template allows.

Parameters (defaults and caller overrides), pseudo parameters, mappings and conditions are known
before deployment, so ``Fn::Sub``, ``Fn::Join``, ``Fn::If``, ``Fn::FindInMap`` and friends evaluate
to plain values. What only AWS knows (a resource's generated name or ARN) stays a typed placeholder
(:mod:`bridgetwin.graph._values`), and dynamic references to secrets are never resolved.

This module holds the stack's context (parameters, pseudo parameters, conditions, ``Ref``,
``Fn::GetAtt``, ``Fn::Sub``) and the stacks loaded with it (:class:`LoadedStacks`); the other
functions are in :mod:`._functions`.
Cross-stack values are followed through the loaded stacks: ``Fn::ImportValue`` finds the exporting
stack's output, and CDK's cross-region references (an ``ExportsReader`` custom resource reading
what an ``ExportsWriter`` in the producing region wrote) resolve to the producer's value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._functions import HANDLERS
from bridgetwin.graph._values import ResourceRef, SecretReference, Symbolic, concat

NO_VALUE = object()
"""``Ref: AWS::NoValue``: the enclosing key or list element disappears."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_CROSS_REGION_READER = "Custom::CrossRegionExportReader"
_CROSS_REGION_WRITER = "Custom::CrossRegionExportWriter"


def _partition(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


@dataclass
class StackContext:
    """Everything needed to evaluate one stack's intrinsics."""

    name: str
    template: Mapping[str, Any]
    region: str
    account: str
    parameter_values: Mapping[str, Any]
    loaded: LoadedStacks
    _conditions: dict[str, bool] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)
    placeholders: set[str] = field(default_factory=set)
    """Parameters with no value and no Default, stood in for by ``${Name}``."""
    external: dict[str, str] = field(default_factory=dict)
    """Imports no loaded stack exports: name -> the ARN-shaped reference standing for it."""

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources") or {}

    def error(self, reason: str, logical_id: str = "", path: str = "") -> TemplateError:
        return TemplateError(reason, stack=self.name, logical_id=logical_id, property_path=path)

    # -- parameters, pseudo parameters, conditions ----------------------------------------------

    def pseudo(self, name: str) -> Any:
        partition, suffix = _partition(self.region)
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": partition,
            "AWS::URLSuffix": suffix,
            "AWS::StackName": self.name,
            "AWS::StackId": (
                f"arn:{partition}:cloudformation:{self.region}:{self.account}:stack/{self.name}/"
                "00000000-0000-0000-0000-000000000000"
            ),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        return values.get(name)

    def parameter(self, name: str, logical_id: str, path: str) -> Any:
        """A parameter's value. A ``NoEcho`` one is a secret: its value is never used or shown.
        One with no value and no ``Default`` stands as ``${Name}``, listed in the graph's
        warnings; a property the twin needs that holds it is an error asking for the value."""
        declared = (self.template.get("Parameters") or {}).get(name)
        if not isinstance(declared, Mapping):
            raise self.error(f"parameter '{name}' must be declared as an object", logical_id, path)
        if str(declared.get("NoEcho", "false")).lower() == "true":
            return SecretReference(f"parameter {name} (NoEcho)")
        if name in self.parameter_values:
            raw = self.parameter_values[name]
        elif "Default" in declared:
            raw = declared["Default"]
        else:
            self.placeholders.add(name)
            return Symbolic(f"${{{name}}}")
        kind = str(declared.get("Type", "String"))
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return Symbolic(f"{{{{resolve:ssm:{raw}}}}}")
        if kind == "Number":
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise self.error(f"parameter '{name}' must be a number, got {raw!r}") from None
            return int(number) if number.is_integer() else number
        if kind.startswith("List<") or kind == "CommaDelimitedList":
            return raw if isinstance(raw, list) else [s.strip() for s in str(raw).split(",")]
        return (
            raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, dict) else str(raw)
        )

    def condition(self, name: str, logical_id: str = "", path: str = "") -> bool:
        if name in self._conditions:
            return self._conditions[name]
        definitions = self.template.get("Conditions") or {}
        if name not in definitions:
            raise self.error(
                f"unknown condition '{name}'; the template defines: "
                f"{', '.join(definitions) or 'none'}",
                logical_id,
                path,
            )
        if name in self._evaluating:
            raise self.error(f"condition '{name}' refers to itself", logical_id, path)
        self._evaluating.add(name)
        value = self.resolve(definitions[name], f"Conditions.{name}")
        self._evaluating.discard(name)
        if not isinstance(value, bool):
            raise self.error(f"condition '{name}' does not evaluate to true or false", "", path)
        self._conditions[name] = value
        return value

    # -- evaluation -------------------------------------------------------------------------------

    def resolve(self, value: Any, path: str = "", logical_id: str = "") -> Any:
        """Evaluate every intrinsic in ``value``; ``path`` names it in errors."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key in {"Ref", "Condition"} or str(key).startswith("Fn::"):
                    return self._intrinsic(str(key), argument, path, logical_id)
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item, f"{path}.{key}" if path else str(key), logical_id)
                if resolved is not NO_VALUE:
                    out[str(key)] = resolved
            return out
        if isinstance(value, list):
            items = (self.resolve(v, f"{path}[{i}]", logical_id) for i, v in enumerate(value))
            return [v for v in items if v is not NO_VALUE]
        if isinstance(value, str) and value.startswith("{{resolve:secretsmanager:"):
            return SecretReference(value)
        return value

    def _intrinsic(self, name: str, arg: Any, path: str, lid: str) -> Any:
        handler = HANDLERS.get(name)
        if handler is None:
            raise self.error(
                f"unknown intrinsic function '{name}'; supported: {', '.join(sorted(HANDLERS))}",
                lid,
                path,
            )
        return handler(self, arg, f"{path}.{name}" if path else name, lid)

    def ref(self, name: Any, path: str, lid: str) -> Any:
        if not isinstance(name, str):
            raise self.error("Ref takes the name of a resource or parameter", lid, path)
        if name.startswith("AWS::"):
            value = self.pseudo(name)
            if value is None:
                raise self.error(f"unknown pseudo parameter '{name}'", lid, path)
            return value
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name, lid, path)
        if name in self.resources:
            return ResourceRef(self.name, name)
        raise self.error(f"Ref to unknown resource or parameter '{name}'", lid, path)

    def get_att(self, arg: Any, path: str, lid: str) -> Any:
        if isinstance(arg, str) and "." in arg:
            target, attribute = arg.split(".", 1)
        elif isinstance(arg, list) and len(arg) == 2:
            target, attribute = arg[0], self.resolve(arg[1], path, lid)
        else:
            raise self.error("Fn::GetAtt takes [LogicalId, Attribute]", lid, path)
        if not isinstance(target, str) or not isinstance(attribute, str | int | float):
            raise self.error("Fn::GetAtt takes [LogicalId, Attribute]", lid, path)
        if target not in self.resources:
            raise self.error(f"Fn::GetAtt of unknown resource '{target}'", lid, path)
        if self.resources[target].get("Type") == _CROSS_REGION_READER:
            return self.loaded.cross_region_value(str(attribute), self, lid, path)
        return ResourceRef(self.name, target, str(attribute))

    def sub(self, arg: Any, path: str, lid: str) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
            text, variables = arg[0], {k: self.resolve(v, path, lid) for k, v in arg[1].items()}
        elif isinstance(arg, str):
            text, variables = arg, {}
        else:
            raise self.error("Fn::Sub takes a string or [string, {variables}]", lid, path)
        if not isinstance(text, str):
            raise self.error("Fn::Sub's template must be a string", lid, path)
        parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            name = match.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            elif name in variables:
                parts.append(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                parts.append(self.get_att(name, path, lid))
            else:
                parts.append(self.ref(name, path, lid))
        parts.append(text[position:])
        return concat([p if not isinstance(p, int | float) else str(p) for p in parts])


class LoadedStacks:
    """The stacks loaded together: where ``Fn::ImportValue`` and cross-region reads are answered."""

    def __init__(self) -> None:
        self.stacks: dict[str, StackContext] = {}
        self._resolving: list[str] = []

    def export(self, name: str, importer: StackContext, lid: str, path: str) -> Any:
        """An export's value, from a stack in the importer's own Region and account: exports
        never cross either in CloudFormation. One no loaded stack exports there is an external
        reference: an ARN-shaped name for it, which the graph's warnings list."""
        for stack in self._neighbours(importer):
            for output_id, output in (stack.template.get("Outputs") or {}).items():
                export = output.get("Export") if isinstance(output, Mapping) else None
                if export and stack.resolve(export.get("Name"), f"Outputs.{output_id}") == name:
                    return self._follow(
                        f"export '{name}'", stack, output.get("Value"), f"Outputs.{output_id}.Value"
                    )
        partition, _ = _partition(importer.region)
        reference = (
            f"arn:{partition}:cloudformation:{importer.region}:{importer.account}:export/{name}"
        )
        importer.external[name] = reference  # an external reference, listed in the warnings
        return reference

    def _neighbours(self, importer: StackContext) -> list[StackContext]:
        return [
            stack
            for stack in self.stacks.values()
            if stack.region == importer.region and stack.account == importer.account
        ]

    def cross_region_value(self, key: str, reader: StackContext, lid: str, path: str) -> Any:
        """A CDK cross-region reference: find the writer that exports ``key`` and resolve it."""
        for stack in self.stacks.values():
            for writer_id, resource in stack.resources.items():
                if resource.get("Type") != _CROSS_REGION_WRITER:
                    continue
                exports = ((resource.get("Properties") or {}).get("WriterProps") or {}).get(
                    "exports"
                ) or {}
                if key in exports:
                    return self._follow(
                        f"cross-region reference '{key}'",
                        stack,
                        exports[key],
                        f"{writer_id}.WriterProps.exports",
                    )
        raise reader.error(
            f"cross-region reference '{key}' is written by no loaded stack; load the whole "
            "cloud assembly (all regions) so the producing stack is present",
            lid,
            path,
        )

    def _follow(self, what: str, stack: StackContext, value: Any, path: str) -> Any:
        if what in self._resolving:
            chain = " -> ".join([*self._resolving, what])
            raise stack.error(f"circular cross-stack reference: {chain}", "", path)
        self._resolving.append(what)
        try:
            return stack.resolve(value, path)
        finally:
            self._resolving.pop()
