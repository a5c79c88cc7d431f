"""Read what the user points at into (stack name, template, region, account) tuples.

Accepted: a template dict; a JSON or YAML template file (YAML short forms through cfn-lint's
decoder); a CDK cloud assembly directory (``manifest.json``, nested stage assemblies included); or a
CDK app directory, which is synthesized first through the ``app`` command of its ``cdk.json``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgetwin.graph._errors import TemplateError

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
"""Stand-ins for environment-agnostic stacks (override with AWS::Region / AWS::AccountId)."""


@dataclass(frozen=True, slots=True)
class StackSource:
    """One stack's template and where it deploys (``None`` when the source does not say)."""

    name: str
    template: Mapping[str, Any]
    region: str | None
    account: str | None


def read_sources(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[StackSource]:
    """Read ``source`` into stack templates; raises ``TemplateError`` naming what is wrong."""
    if isinstance(source, Mapping):
        return [StackSource("Template", _checked(source, "Template"), None, None)]
    path = Path(source)
    if path.is_dir():
        if (path / "manifest.json").is_file():
            return _read_assembly(path)
        if (path / "cdk.json").is_file():
            return _read_assembly(synthesize_app(path))
        raise TemplateError(
            f"{path} is a directory without manifest.json (a cloud assembly) or cdk.json "
            "(a CDK app)"
        )
    if not path.is_file():
        raise TemplateError(f"{path}: no such file or directory")
    return [StackSource(path.stem, _checked(_read_template_file(path), path.name), None, None)]


def _checked(template: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(template, Mapping):
        raise TemplateError(f"{name}: a template must be a JSON/YAML object")
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise TemplateError(f"{name}: the template has no Resources section (an object)")
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise TemplateError(
                "each resource must be an object with a string Type",
                stack=name,
                logical_id=logical_id,
            )
        properties = resource.get("Properties", {})
        if not isinstance(properties, Mapping):
            raise TemplateError(
                "Properties must be an object",
                stack=name,
                logical_id=logical_id,
                property_path="Properties",
            )
    return template


def _read_template_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix == ".json":
                where = f"line {exc.lineno} column {exc.colno}"
                raise TemplateError(f"{path.name}: malformed JSON: {exc.msg} at {where}") from None
    from cfnlint.decode import cfn_yaml  # 0.6 s to import: only when YAML is read
    from yaml import YAMLError

    try:
        return _plain(cfn_yaml.loads(text, str(path)))
    except YAMLError as exc:
        raise TemplateError(f"{path.name}: malformed YAML: {exc}".replace("\n", " ")) from None
    except Exception as exc:  # cfn-lint raises its own types for duplicate keys and bad tags
        raise TemplateError(f"{path.name}: cannot decode template: {exc}") from None


def _plain(node: Any) -> Any:
    """cfn-lint's decoded nodes carry line marks; turn them into plain dicts, lists and scalars."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _environment(text: str | None) -> tuple[str | None, str | None]:
    """``aws://account/region`` -> (region, account); CDK writes ``unknown-*`` when agnostic."""
    if not text or not text.startswith("aws://"):
        return None, None
    account, _, region = text[len("aws://") :].partition("/")
    return (
        None if region.startswith("unknown") else region,
        None if account.startswith("unknown") else account,
    )


def _read_assembly(directory: Path) -> list[StackSource]:
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{directory}/manifest.json: cannot read: {exc}") from None
    stacks: list[StackSource] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        properties = artifact.get("properties") or {}
        if artifact.get("type") == "aws:cloudformation:stack":
            template_path = directory / properties.get(
                "templateFile", f"{artifact_id}.template.json"
            )
            region, account = _environment(artifact.get("environment"))
            name = properties.get("stackName") or artifact.get("displayName") or artifact_id
            try:
                template = json.loads(template_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise TemplateError(f"{template_path}: cannot read: {exc}", stack=name) from None
            stacks.append(StackSource(str(name), _checked(template, str(name)), region, account))
        elif artifact.get("type") == "cdk:cloud-assembly":
            stacks.extend(_read_assembly(directory / properties["directoryName"]))
    if not stacks:
        raise TemplateError(f"{directory}: the cloud assembly contains no stacks")
    return stacks


def synthesize_app(app_dir: Path) -> Path:
    """Run the ``app`` command of ``app_dir/cdk.json`` into a fresh cloud assembly directory.

    Like the CDK CLI, the command runs in the app directory with ``CDK_OUTDIR`` set; no CDK CLI is
    needed. Raises ``TemplateError`` with the command's output when synthesis fails.
    """
    try:
        command = json.loads((app_dir / "cdk.json").read_text(encoding="utf-8"))["app"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        raise TemplateError(f'{app_dir}/cdk.json has no "app" command') from None
    outdir = Path(tempfile.mkdtemp(prefix="bridgetwin-cdk-out-"))
    env = {**os.environ, "CDK_OUTDIR": str(outdir)}
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        import sys

        argv[0] = sys.executable  # the interpreter that has bridgetwin and aws-cdk-lib installed
    result = subprocess.run(argv, cwd=app_dir, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (outdir / "manifest.json").is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise TemplateError(
            f"synthesizing {app_dir} with '{command}' failed (exit {result.returncode}): "
            + " | ".join(detail)
        )
    return outdir
