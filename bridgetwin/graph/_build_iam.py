"""Permissions in the graph, for lint: who may write a Custom Event Bus subscriber's on-failure
queue and use its KMS key. A record the delivery role cannot write is lost, and only the
``OnFailureDestinationFailed`` metric says so (custom-bus facts §2.6, lint candidate 8), so lint
reads the role's inline policies, the ``AWS::IAM::Policy`` and ``ManagedPolicy`` resources
attached to it and the key's policy. These resources stay opaque to the twin (they neither put
nor route events); their documents are kept beside the graph's nodes."""

from __future__ import annotations

from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._values import render
from bridgetwin.graph.service_nodes import PolicyDocument


def _statements(b: Build, document: Any, where: str) -> list[Any]:
    if not isinstance(document, dict):
        return []
    statements = render(document.get("Statement") or [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        raise b.error("must be a list of statements", f"{where}Statement")
    return statements


def _linked(b: Build, values: Any) -> tuple[str, ...]:
    values = values if isinstance(values, list) else []
    return tuple(b.linker.link(v) or b.linker.text(v) for v in values if v is not None)


def build_role_document(b: Build) -> PolicyDocument:
    """An ``AWS::IAM::Role``: its inline policies and the managed policies it names."""
    statements = []
    for number, policy in enumerate(b.props.get("Policies") or []):
        if isinstance(policy, dict):
            where = f"Policies.{number}.PolicyDocument."
            statements += _statements(b, policy.get("PolicyDocument"), where)
    return PolicyDocument(b.gid, "AWS::IAM::Role", tuple(statements), roles=(b.gid,),
                          managed=_linked(b, b.props.get("ManagedPolicyArns")))  # fmt: skip


def build_policy_document(b: Build) -> PolicyDocument:
    """An ``AWS::IAM::Policy`` or ``ManagedPolicy``: its statements and the roles it names."""
    statements = _statements(b, b.props.get("PolicyDocument"), "PolicyDocument.")
    return PolicyDocument(b.gid, b.resource_type(b.gid) or "AWS::IAM::Policy", tuple(statements),
                          roles=_linked(b, b.props.get("Roles")))  # fmt: skip


def build_key_document(b: Build) -> PolicyDocument:
    """An ``AWS::KMS::Key``: its key policy."""
    statements = _statements(b, b.props.get("KeyPolicy"), "KeyPolicy.")
    return PolicyDocument(b.gid, "AWS::KMS::Key", tuple(statements))


DOCUMENT_BUILDERS = {
    "AWS::IAM::Role": build_role_document,
    "AWS::IAM::Policy": build_policy_document,
    "AWS::IAM::ManagedPolicy": build_policy_document,
    "AWS::KMS::Key": build_key_document,
}
"""Resource types whose permissions lint reads (they stay opaque resources of the graph)."""
