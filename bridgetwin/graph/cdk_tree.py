"""Construct paths for a cloud assembly synthesized without path metadata.

``cdk synth`` writes each resource's construct path into its template (``Metadata`` key
``aws:cdk:path``), and bridgetwin names targets by it (``Shop/OrderWebhook/Rule``). An assembly
made by running the app itself (``python app.py``), or with ``--path-metadata false``, has none,
so its targets could only be named by hashed logical ids. Its ``tree.json`` still holds the
construct tree, and a CDK logical id is a function of the construct's path below its stack
(aws-cdk-lib's ``makeUniqueId``): the path's ids without ``Default``, joined without ``Resource``,
repeated ids and non-alphanumerics, then the first 8 hex digits of the MD5 of the path. So the
paths come back exactly for every resource whose logical id the app did not override (those keep
no path, as before).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

_MAX_TREE_BYTES = 64 * 2**20
"""A larger tree.json is not read (the paths are a convenience; the load goes on without)."""


def unique_id(components: list[str]) -> str:
    """The logical id aws-cdk-lib gives the construct at ``components`` below its stack."""
    components = [c for c in components if c != "Default"]
    if len(components) == 1 and len(_alphanumeric(components[0])) <= 255:
        return _alphanumeric(components[0])
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "".join(_alphanumeric(c) for c in human if c != "Resource")[:240]
    return readable + digest[:8].upper()


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def read_tree(directory: Path) -> Mapping[str, Any] | None:
    """The assembly's construct tree (``tree.json``), or None when it has none to read."""
    file = directory / "tree.json"
    try:
        if file.stat().st_size > _MAX_TREE_BYTES:
            return None
        tree = json.loads(file.read_text(encoding="utf-8")).get("tree")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return tree if isinstance(tree, Mapping) else None


def _nodes(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = current.get("children")
        if isinstance(children, Mapping):
            stack.extend(c for c in children.values() if isinstance(c, Mapping))


def stack_paths(tree: Mapping[str, Any], stack_path: str) -> dict[str, str]:
    """Logical id -> construct path of every CloudFormation resource below the stack whose
    construct path is ``stack_path`` (empty when the tree does not hold that stack)."""
    stack = next((n for n in _nodes(tree) if n.get("path") == stack_path), None)
    if stack is None:
        return {}
    prefix = stack_path + "/"
    out: dict[str, str] = {}
    for node in _nodes(stack):
        attributes = node.get("attributes")
        path = node.get("path")
        if (
            isinstance(attributes, Mapping)
            and "aws:cdk:cloudformation:type" in attributes
            and isinstance(path, str)
            and path.startswith(prefix)
        ):
            out[unique_id(path[len(prefix) :].split("/"))] = path
    return out


def with_paths(template: Mapping[str, Any], paths: Mapping[str, str]) -> Mapping[str, Any]:
    """The template with ``aws:cdk:path`` metadata on every resource that lacks it and whose
    logical id the tree accounts for (the template itself when none does)."""
    resources = template.get("Resources")
    if not paths or not isinstance(resources, Mapping):
        return template
    changed = {}
    for lid, resource in resources.items():
        if lid not in paths or not isinstance(resource, Mapping):
            continue
        metadata = resource.get("Metadata") or {}
        if isinstance(metadata, Mapping) and not metadata.get("aws:cdk:path"):
            changed[lid] = {**resource, "Metadata": {**metadata, "aws:cdk:path": paths[lid]}}
    if not changed:
        return template
    return {**template, "Resources": {**resources, **changed}}
