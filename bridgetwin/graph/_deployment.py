"""A deployment of several sources: templates, cloud assemblies and CDK apps loaded as one.

Real deployments are rarely one template: a bus stack in one Region, a consumer stack in another,
a SAM app beside a CDK app. A deployment manifest (YAML or JSON, or the same mapping in Python)
lists them, each with what CloudFormation would know at deploy time::

    stacks:
      - template: bus.yaml              # a template, a cloud assembly or a CDK app directory
        region: eu-west-1               # where it deploys (stacks that fix their own keep it)
        account: "111122223333"
        name: orders-bus                # AWS::StackName (default: the file's stem)
        parameters: {Env: prod}         # this stack's parameter values
      - template: cdk.out

Paths are relative to the manifest. Stack names must be unique, as in one account and Region.

On the command line the same list is given with one ``--stack`` per source (:func:`from_specs`)::

    --stack "bus.yaml region=eu-west-1 account=111122223333 name=orders-bus param.Env=prod"
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph.identity import account_problem, region_problem

_FIELDS = ("template", "region", "account", "name", "parameters")


def is_deployment(document: Any) -> bool:
    """A mapping with a ``stacks`` list and no ``Resources``: a manifest, not a template."""
    return isinstance(document, Mapping) and "stacks" in document and "Resources" not in document


def _text(entry: Mapping[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise TemplateError(f"{where}.{key}: must be a non-empty string, got {value!r}")
    problem = {"region": region_problem, "account": account_problem}.get(key)
    if problem is not None and (reason := problem(str(value))):
        raise TemplateError(f"{where}.{key}: {reason}")
    return str(value)


def read_deployment(
    document: Mapping[str, Any], base: Path, read: Callable[[Path], list[Any]]
) -> list[Any]:
    """The stacks a manifest lists, each read with ``read`` and given the manifest's settings."""
    entries = document.get("stacks")
    if not isinstance(entries, list) or not entries:
        raise TemplateError("deployment: 'stacks' must be a non-empty list of sources")
    stacks: list[Any] = []
    for number, entry in enumerate(entries):
        where = f"stacks[{number}]"
        if not isinstance(entry, Mapping):
            raise TemplateError(f"{where}: must be an object with 'template' (got {entry!r})")
        unknown = sorted(set(map(str, entry)) - set(_FIELDS))
        if unknown:
            raise TemplateError(
                f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}"
            )
        template = _text(entry, "template", where)
        if template is None:
            raise TemplateError(f"{where}.template: required (a template file, cdk.out or app)")
        parameters = entry.get("parameters") or {}
        if not isinstance(parameters, Mapping):
            raise TemplateError(f"{where}.parameters: must be an object of name: value")
        found = read(base / template)
        name = _text(entry, "name", where)
        if name is not None and len(found) != 1:
            raise TemplateError(f"{where}.name: {template} holds {len(found)} stacks; name one")
        region, account = _text(entry, "region", where), _text(entry, "account", where)
        for stack in found:
            for label, given, own in (("region", region, stack.region),
                                      ("account", account, stack.account)):  # fmt: skip
                if given is not None and own is not None and given != own:
                    raise TemplateError(
                        f"{where}.{label}: stack {stack.name} deploys to {label} {own} in its "
                        f"assembly, not {given}"
                    )
            stacks.append(dataclasses.replace(
                stack, name=name or stack.name, region=stack.region or region,
                account=stack.account or account,
                parameters={**stack.parameters, **{str(k): v for k, v in parameters.items()}},
            ))  # fmt: skip
    names = [s.name for s in stacks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TemplateError(
            f"deployment: stack name(s) {', '.join(duplicates)} appear more than once; give "
            "each source its own 'name'"
        )
    return stacks


_SETTINGS = ("region", "account", "name")


def from_specs(specs: Sequence[str]) -> dict[str, Any]:
    """The manifest that ``--stack`` specs describe: each is ``PATH`` followed by any of
    ``region=R``, ``account=A``, ``name=N`` and ``param.KEY=VALUE`` (shell quoting for spaces),
    one stack entry per spec, in order; paths are relative to the working directory."""
    stacks: list[dict[str, Any]] = []
    for spec in specs:
        try:
            tokens = shlex.split(spec)
        except ValueError as exc:
            raise TemplateError(f"--stack {spec!r}: {exc}") from None
        if not tokens or ("=" in tokens[0] and not Path(tokens[0]).exists()):
            raise TemplateError(
                f"--stack {spec!r}: must start with the template, cloud assembly or app "
                "directory, then region=, account=, name= or param.KEY= settings"
            )
        entry: dict[str, Any] = {"template": tokens[0]}
        parameters: dict[str, str] = {}
        for token in tokens[1:]:
            key, sep, value = token.partition("=")
            param = key.removeprefix("param.") if key.startswith("param.") else None
            if not sep or (param is None and key not in _SETTINGS) or param == "":
                raise TemplateError(
                    f"--stack {spec!r}: {token!r} is not a setting; allowed: region=R, "
                    "account=A, name=N, param.KEY=VALUE"
                )
            if (param in parameters) if param is not None else (key in entry):
                raise TemplateError(f"--stack {spec!r}: {key} is given twice")
            if param is not None:
                parameters[param] = value
            else:
                entry[key] = value
        if parameters:
            entry["parameters"] = parameters
        stacks.append(entry)
    return {"stacks": stacks}
