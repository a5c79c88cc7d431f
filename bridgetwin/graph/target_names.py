"""How people name a target, in every place that takes a name: ``slo:`` entries of scenarios,
``expect(run).target(...)``, ``assert_slo``, the CDK validation plugin and failure tables.

A target is one (owner, target id) pair: a rule's target, or a subscriber's one target. A name
addresses it when it is the owner's logical id or graph id, one or more whole segments of the
owner's CDK construct path (``Shop/OrderWebhook``, ``OrderWebhook``), ``OWNER/TARGET_ID`` with
the owner named either way, or a glob on the display name or on ``graph id/TARGET_ID``.
Construct paths come from the templates' ``aws:cdk:path`` metadata (or the CDK app itself);
without them, names are logical ids.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from bridgetwin.graph.graph import Graph


def _segments_in(name: str, path: str) -> bool:
    """Whether ``name`` is one or more whole consecutive segments of the construct path."""
    return f"/{name}/" in f"/{path}/"


class TargetNames:
    """What names mean, given graph id -> construct path."""

    def __init__(self, construct_paths: Mapping[str, str], *, from_cdk: bool = False) -> None:
        self.construct_paths = dict(construct_paths)
        self._from_cdk = from_cdk
        """Whether the templates came from CDK (a name may then be meant as a path)."""

    def display(self, rule: str, target: str) -> str:
        """How a target is named in messages: its owner's construct path where known."""
        path = self.construct_paths.get(rule)
        if path:
            return f"{path.removesuffix('/Resource')}/{target}"
        return f"{rule}/{target}"

    def addresses(self, name: str, rule: str, target: str) -> bool:
        """Whether ``name`` names the target (or its owner)."""
        if "/" in name:
            head, _, tail = name.rpartition("/")
            if tail == target and self._names_rule(head, rule):
                return True
        if any(ch in name for ch in "*?["):
            return fnmatch.fnmatchcase(self.display(rule, target), name) or fnmatch.fnmatchcase(
                f"{rule}/{target}", name
            )
        return self._names_rule(name, rule)

    def _names_rule(self, name: str, rule: str) -> bool:
        logical_id = rule.rpartition("/")[2]
        if name in (rule, logical_id):
            return True
        path = self.construct_paths.get(rule)
        return path is not None and _segments_in(name, path.removesuffix("/Resource"))

    def why_unknown(self) -> str:
        """A hint for a name that addresses nothing, when CDK templates carry no paths."""
        if self.construct_paths or not self._from_cdk:
            return ""
        return (
            " (the templates carry no CDK construct paths, e.g. synthesized with "
            "'python app.py' and path metadata off: name targets by logical id, or synthesize "
            "with 'cdk synth')"
        )


def names_of(graph: Graph) -> TargetNames:
    """The names of a loaded graph's targets (its ``aws:cdk:path`` metadata)."""
    cdk = any(o.type == "AWS::CDK::Metadata" for o in graph.other)
    return TargetNames(dict(graph.construct_paths), from_cdk=cdk)
