"""Terraform configurations (a folder of ``.tf`` files) read without a plan.

Where no ``terraform plan`` can run (no credentials, no providers: a pull request's CI), the
configuration itself says most of what the twin needs. Its modules are read and evaluated
offline (:mod:`._hcl_module`, :mod:`._hcl_eval`), with the root's variables taken as Terraform
takes them: ``terraform.tfvars`` and ``*.auto.tfvars`` (and their ``.json`` forms) beside the
configuration, then ``TF_VAR_<name>`` in the environment, else the variable's ``default``.

Each resource instance's values then take CloudFormation's forms: a computed attribute of
another resource becomes its ``Fn::GetAtt`` or ``Ref``; what is not known offline (a data
source, a variable without a value, a function this reader does not know) becomes a parameter
without a value, named in the loader's warnings as a plan's values known after apply are
(``--param`` gives one a value); a value from a ``sensitive`` variable is never shown, and a
literal where the provider keeps a secret (a connection's API key) is marked as a secret written
in the configuration, which lint flags. The instances are assembled into the same template a plan
gives (:func:`._terraform.assemble_template`), so graph, lint, the twin and tests treat both
alike; each resource's Region comes from its provider (:mod:`._hcl_providers`), one stack per
Region.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._hcl_eval import Scope, evaluate
from bridgetwin.graph._hcl_module import Module, _items, _parsed
from bridgetwin.graph._hcl_providers import configuration_regions
from bridgetwin.graph._hcl_values import ResourceRef, Unknown
from bridgetwin.graph._terraform import SENSITIVE_LITERAL, SENSITIVE_REFERENCE, assemble_template
from bridgetwin.graph._terraform_types import ATTRIBUTES

SENSITIVE_PATHS = {
    "aws_cloudwatch_event_connection": (("auth_parameters", "api_key", "value"),
                                        ("auth_parameters", "basic", "password"),
                                        ("auth_parameters", "oauth", "client_parameters",
                                         "client_secret")),
}  # fmt: skip
"""Arguments the AWS provider marks sensitive: a literal there is a secret in the ``.tf`` file."""
SOURCE_KEY = "bridgetwin:source"
"""Where a resource's Metadata says which ``.tf`` file and line declare it (SARIF's location)."""
WARNINGS_KEY = "bridgetwin:warnings"
"""Where the template carries what the reader could not evaluate, for the loader to warn of."""


def is_configuration(path: Path) -> bool:
    """A folder holding ``.tf`` files."""
    return path.is_dir() and any(path.glob("*.tf"))


class ConfigurationReader:
    """The root module of a configuration folder, its variables' values and warnings."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.warnings: list[str] = []
        self.given = self._given()
        self.root = Module(self, self.folder, "", {})
        self.root.expand()
        self.placeholders: list[tuple[str, str]] = []

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _given(self) -> dict[str, Any]:
        """Variable values from tfvars files (in Terraform's order), then the environment."""
        values: dict[str, Any] = {}
        files = [self.folder / "terraform.tfvars", self.folder / "terraform.tfvars.json"]
        files += sorted(self.folder.glob("*.auto.tfvars")) + sorted(
            self.folder.glob("*.auto.tfvars.json")
        )
        empty = Scope({}, lambda *_: Unknown(), lambda *_: Unknown())
        for file in (f for f in files if f.is_file()):
            if file.suffix == ".json":
                try:
                    values.update(json.loads(file.read_text(encoding="utf-8")))
                except ValueError as exc:
                    raise TemplateError(f"{file}: not JSON: {exc}") from None
                continue
            for name, _, node in _items(_parsed(file).children[0]):
                values[name] = evaluate(node, empty)
        for key, text in os.environ.items():
            if key.startswith("TF_VAR_"):
                values.setdefault(key[7:], _environment_value(text))
        return values

    def template(self, name: str) -> dict[str, Any]:
        instances, sources = [], {}
        for address, rtype, source in self.root.all_instances():
            sources[address] = source
            values = self.root.owner(address).instance_values(address)
            converted = self._converted(values, address, "")
            for path in SENSITIVE_PATHS.get(rtype, ()):
                _mark_secret(converted, values, path)
            instances.append((address, rtype, converted))
        template = assemble_template(name, instances, self.placeholders, "not known offline")
        for address, (file, line) in sources.items():
            resource = template["Resources"].get(address)
            if resource is not None and file:
                resource["Metadata"] = {SOURCE_KEY: {"file": file, "line": line}}
        if self.warnings:
            template["Metadata"] = {WARNINGS_KEY: list(self.warnings)}
        return template

    def _converted(self, value: Any, address: str, path: str) -> Any:
        """Values in CloudFormation's forms: references, placeholders, secrets."""
        if isinstance(value, ResourceRef):
            form = ATTRIBUTES[value.type][value.attribute]
            return {"Ref": value.address} if form == "Ref" else {
                "Fn::GetAtt": [value.address, form]}  # fmt: skip
        if isinstance(value, Unknown):
            if value.sensitive:
                return SENSITIVE_REFERENCE
            parameter = f"TerraformUnknown{len(self.placeholders) + 1}"
            why = ", ".join(value.why) or "not known offline"
            self.placeholders.append((parameter, f"{address}.{path} ({why})"))
            return {"Ref": parameter}
        if isinstance(value, dict):
            return {k: self._converted(v, address, f"{path}.{k}" if path else k)
                    for k, v in value.items()}  # fmt: skip
        if isinstance(value, list):
            return [self._converted(v, address, f"{path}[{i}]") for i, v in enumerate(value)]
        return value


def _environment_value(text: str) -> Any:
    """A ``TF_VAR_`` value: a string, unless it is written as a list or an object in HCL."""
    if text.strip()[:1] not in ("[", "{"):
        return text
    import hcl2

    tree = hcl2.parses_to_tree(f"value = {text}\n")
    (_, _, node), *_ = list(_items(tree.children[0]))
    return evaluate(node, Scope({}, lambda *_: Unknown(), lambda *_: Unknown()))


def _mark_secret(converted: Any, raw: Any, path: tuple[str, ...]) -> None:
    """A literal at ``path`` (through nested blocks) becomes the marker of a secret written in
    the configuration; what came from elsewhere was converted already."""
    key, rest = path[0], path[1:]
    if not (isinstance(converted, dict) and isinstance(raw, dict) and key in raw):
        return
    if not rest:
        if isinstance(raw[key], str):
            converted[key] = SENSITIVE_LITERAL
        return
    inner, value = converted.get(key), raw[key]
    pairs = (zip(inner, value, strict=False) if isinstance(inner, list) and
             isinstance(value, list) else [(inner, value)])  # fmt: skip
    for target, source in pairs:
        _mark_secret(target, source, rest)


def configuration_template(
    folder: Path,
) -> tuple[str, dict[str, Any], dict[str, str | None], str | None]:
    """The configuration in ``folder`` as a CloudFormation-shaped template named after it, each
    resource's Region and the default provider's (:mod:`._hcl_providers`)."""
    reader = ConfigurationReader(folder)
    name = folder.resolve().name
    regions, default = configuration_regions(reader.root)
    return name, reader.template(name), regions, default
