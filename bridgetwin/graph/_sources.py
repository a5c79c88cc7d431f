"""Read what the user points at into (stack name, template, region, account) tuples.

Accepted: a deployment manifest listing several of the others (:mod:`._deployment`); a template
dict; a JSON or YAML template file (YAML short forms through cfn-lint's decoder); a Terraform plan
as ``terraform show -json`` writes it (:mod:`._terraform`), or a Terraform configuration, a
folder of ``.tf`` files read without a plan (:mod:`._terraform_hcl`); a CDK cloud assembly directory
(``manifest.json``, nested stage assemblies included); or a CDK app directory, which is
synthesized first through the ``app`` command of its ``cdk.json`` (:mod:`._synth`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgetwin.graph._deployment import is_deployment, read_deployment
from bridgetwin.graph._errors import TemplateError
from bridgetwin.graph._synth import SynthOptions, synthesized
from bridgetwin.graph._terraform import is_terraform_plan, plan_template
from bridgetwin.graph._terraform_regions import plan_regions, split_by_region
from bridgetwin.graph.cdk_tree import read_tree, stack_paths, with_paths

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
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """This stack's own parameter values (from a deployment manifest)."""
    path: str | None = None
    """The template file, when there is one that outlives the load."""


def read_sources(
    source: str | os.PathLike[str] | Mapping[str, Any] | Sequence[StackSource],
    synth: SynthOptions | None = None,
) -> list[StackSource]:
    """Read ``source`` into stack templates; raises ``TemplateError`` naming what is wrong.
    Stacks already read (a sequence of :class:`StackSource`) are taken as they are."""
    if isinstance(source, Sequence) and not isinstance(source, str):
        if not source or not all(isinstance(s, StackSource) for s in source):
            raise TemplateError("a sequence source must hold StackSource items")
        return list(source)
    if isinstance(source, Mapping):
        if is_terraform_plan(source):
            return _plan_stacks(source, "plan")
        if is_deployment(source):
            return read_deployment(source, Path(), lambda p: read_sources(p, synth))  # as given
        return [StackSource("Template", _checked(source, "Template"), None, None)]
    path = Path(source)
    if path.is_dir():
        if (path / "manifest.json").is_file():
            return _read_assembly(path)
        if (path / "cdk.json").is_file():
            with synthesized(path, synth) as outdir:  # removed on exit: no file to point at
                return [dataclasses.replace(s, path=None) for s in _read_assembly(outdir)]
        if any(path.glob("*.tf")):
            return _configuration_stacks(path)
        return _read_folder(path, synth)
    if path.suffix == ".tf" and path.is_file():
        return _configuration_stacks(path.parent)
    if not path.is_file():
        raise TemplateError(f"{path}: no such file or directory")
    document = _read_template_file(path)
    if is_terraform_plan(document):
        return _plan_stacks(document, path.stem, path)
    if is_deployment(document):
        if path.suffix != ".json":
            document = _manifest(path)  # plain YAML, read without its 1.1 surprises
        return read_deployment(document, path.parent, lambda p: read_sources(p, synth))
    return [StackSource(path.stem, _checked(document, path.name), None, None, path=str(path))]


TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def _plan_stacks(
    document: Mapping[str, Any], name: str, path: Path | None = None
) -> list[StackSource]:
    """A Terraform plan (``terraform show -json``) as a stack named after its file, or one per
    Region its resources deploy to."""
    label = path.name if path is not None else name
    template = plan_template(document, label)
    return _region_stacks(name, template, label, *plan_regions(document), path)


def _configuration_stacks(folder: Path) -> list[StackSource]:
    """A Terraform configuration (a folder of ``.tf`` files) as a stack named after it, or one
    per Region its resources deploy to."""
    from bridgetwin.graph._terraform_hcl import configuration_template

    name, template, regions, default = configuration_template(folder)
    return _region_stacks(name, template, name, regions, default)


def _region_stacks(
    name: str,
    template: Any,
    label: str,
    regions: Mapping[str, str | None],
    default: str | None,
    path: Path | None = None,
) -> list[StackSource]:
    """A Terraform template checked whole (before the split walks it), then split into a stack
    per Region (:mod:`._terraform_regions`)."""
    checked = _checked(template, label)
    where = str(path) if path is not None else None
    return [
        StackSource(stack, part, region, None, path=where)
        for stack, part, region in split_by_region(name, checked, regions, default)
    ]


def _read_folder(path: Path, synth: SynthOptions | None) -> list[StackSource]:
    """A folder of templates (SAM or CloudFormation): every file with a ``Resources`` section is
    a stack named after its file (other YAML/JSON, a buildspec say, is skipped), or the
    deployment manifest when the folder has one."""
    files = sorted(f for f in path.iterdir() if f.is_file() and f.suffix in TEMPLATE_SUFFIXES)
    manifests = [f for f in files if f.stem in ("deployment", "bridgetwin")]
    if manifests:
        return read_sources(manifests[0], synth)
    stacks = []
    for file in files:
        document = _read_template_file(file)  # a malformed file is an error, not skipped
        if is_terraform_plan(document):
            stacks.extend(_plan_stacks(document, file.stem, file))
        elif isinstance(document, Mapping) and isinstance(document.get("Resources"), Mapping):
            checked = _checked(document, file.name)
            stacks.append(StackSource(file.stem, checked, None, None, path=str(file)))
    if not stacks:
        raise TemplateError(
            f"{path} is a directory without manifest.json (a cloud assembly), cdk.json (a CDK "
            f"app), a deployment.yaml or any template ({', '.join(TEMPLATE_SUFFIXES)} files "
            "with a Resources section)"
        )
    return stacks


MAX_DEPTH = 200
"""Values nested deeper than this in a template are refused: CloudFormation's own templates nest
a few dozen levels at most, and deeper ones would exhaust the resolver's recursion."""


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests more than ``MAX_DEPTH`` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping | list):
            if depth > MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def _checked(template: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(template, Mapping):
        raise TemplateError(f"{name}: a template must be a JSON/YAML object")
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise TemplateError(f"{name}: the template has no Resources section (an object)")
    for section, value in template.items():
        if _too_deep(value):
            raise TemplateError(f"{name}: {section} nests more than {MAX_DEPTH} levels")
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


def _text(path: Path, name: str, stack: str | None = None) -> str:
    """A file's text, or a ``TemplateError`` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{name}: cannot read: {exc.strerror}", stack=stack) from None
    except UnicodeDecodeError as exc:
        raise TemplateError(f"{name}: not UTF-8 text (byte {exc.start})", stack=stack) from None


def _json(path: Path, name: str, stack: str | None = None) -> Any:
    text = _text(path, name, stack)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise TemplateError(f"{name}: malformed JSON: {exc.msg} at {where}", stack=stack) from None
    except RecursionError:
        raise TemplateError(f"{name}: nests more than {MAX_DEPTH} levels", stack=stack) from None


def _manifest(path: Path) -> Any:
    """A deployment manifest: plain YAML (no CloudFormation tags), read strictly
    (:mod:`.yaml_reading`: a key written twice is an error, ``011122223333`` stays text)."""
    from yaml import YAMLError

    from bridgetwin.graph.yaml_reading import load_yaml

    try:
        return load_yaml(_text(path, path.name))
    except YAMLError as exc:
        raise TemplateError(f"{path.name}: {exc}".replace("\n", " ")) from None


def _read_template_file(path: Path) -> Any:
    if path.suffix == ".json":
        return _json(path, path.name)
    text = _text(path, path.name)
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            pass  # YAML is a superset of JSON: let the YAML decoder say what is wrong
    from cfnlint.decode import cfn_yaml  # 0.6 s to import: only when YAML is read
    from yaml import YAMLError

    try:
        return _plain(cfn_yaml.loads(text, str(path)))
    except YAMLError as exc:
        raise TemplateError(f"{path.name}: malformed YAML: {exc}".replace("\n", " ")) from None
    except RecursionError:
        raise TemplateError(f"{path.name}: nests more than {MAX_DEPTH} levels") from None
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


def _read_assembly(
    directory: Path, seen: frozenset[Path] = frozenset(), tree: Mapping[str, Any] | None = None
) -> list[StackSource]:
    """The stacks of a cloud assembly and of the assemblies nested in it (CDK stages), with
    construct paths from the construct tree where the templates carry none (:mod:`.cdk_tree`)."""
    tree = read_tree(directory) or tree
    here = directory.resolve()
    if here in seen:
        raise TemplateError(f"{directory}: the cloud assembly nests itself")
    manifest = _json(directory / "manifest.json", f"{directory}/manifest.json")
    artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
    if not isinstance(artifacts, Mapping | None):
        raise TemplateError(f"{directory}/manifest.json: 'artifacts' must be an object")
    if not isinstance(manifest, Mapping):
        raise TemplateError(f"{directory}/manifest.json: a manifest must be a JSON object")
    stacks: list[StackSource] = []
    for artifact_id, artifact in (artifacts or {}).items():
        properties = artifact.get("properties") if isinstance(artifact, Mapping) else None
        if not isinstance(properties, Mapping | None):
            raise TemplateError(
                f"{directory}/manifest.json: artifact {artifact_id}: 'properties' must be an object"
            )
        properties = properties or {}
        kind = artifact.get("type") if isinstance(artifact, Mapping) else None
        if kind == "aws:cloudformation:stack":
            file = properties.get("templateFile", f"{artifact_id}.template.json")
            region, account = _environment(artifact.get("environment"))
            name = str(properties.get("stackName") or artifact.get("displayName") or artifact_id)
            template = _json(directory / str(file), f"{directory / str(file)}", stack=name)
            checked = _checked(template, name)
            if tree is not None:
                stack_path = str(artifact.get("displayName") or artifact_id)
                checked = with_paths(checked, stack_paths(tree, stack_path))
            stacks.append(StackSource(name, checked, region, account, path=str(directory / file)))
        elif kind == "cdk:cloud-assembly":
            nested = properties.get("directoryName")
            if not isinstance(nested, str):
                raise TemplateError(
                    f"{directory}/manifest.json: artifact {artifact_id}: a nested assembly "
                    "needs a 'directoryName'"
                )
            stacks.extend(_read_assembly(directory / nested, seen | {here}, tree))
    if not stacks:
        raise TemplateError(f"{directory}: the cloud assembly contains no stacks")
    return stacks
