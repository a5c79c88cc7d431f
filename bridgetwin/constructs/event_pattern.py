"""Write a validated event pattern to a rule exactly as the user gave it.

CDK's ``EventPattern`` cannot express every operator (``$or`` at the top level, for one), its
property overrides *merge* into what is already there, and jsii turns Python's ``None`` into
JavaScript's ``undefined``, which CDK then drops: ``[None]`` (match ``null``) would synthesize as
``[]``. So the pattern replaces the rule's ``EventPattern`` property wholesale, and when jsii
cannot carry it losslessly (a ``null`` anywhere, or an integer beyond the 2**53 that JavaScript
numbers hold exactly) it is written as its JSON text, which CloudFormation accepts for
``AWS::Events::Rule.EventPattern`` (type ``object`` or ``string``) and EventBridge parses to the
same pattern.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_events as events

_JS_SAFE_INTEGER = 2**53 - 1


def template_value(pattern: Mapping[str, Any]) -> dict[str, Any] | str:
    """What to write to ``EventPattern``: the pattern itself, or its JSON text when jsii would
    change it on the way to the template."""
    return dict(pattern) if _survives_jsii(pattern) else json.dumps(pattern, ensure_ascii=False)


def write_event_pattern(rule: events.Rule, pattern: Mapping[str, Any]) -> None:
    """Replace ``rule``'s ``EventPattern`` with ``pattern``: no merge with what CDK rendered."""
    cfn_rule = rule.node.default_child
    assert isinstance(cfn_rule, events.CfnRule)
    value = template_value(pattern)
    if isinstance(value, str):
        # CfnRule's own type check wants an object; a raw override writes the text as it is.
        cfn_rule.add_property_override("EventPattern", value)
    else:
        cfn_rule.event_pattern = value


def _survives_jsii(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool | str | float):
        return True
    if isinstance(value, int):
        return abs(value) <= _JS_SAFE_INTEGER
    if isinstance(value, Mapping):
        return all(_survives_jsii(item) for item in value.values())
    return all(_survives_jsii(item) for item in value)
