"""The one exception of the graph package."""

from __future__ import annotations


class TemplateError(ValueError):
    """A template the twin cannot read, or a value it needs and cannot resolve.

    The message names where: ``stack BridgetwinWebhook, resource OrderRule, property
    Targets[0].Arn: Ref to unknown resource or parameter 'Missing'``.
    """

    def __init__(
        self, reason: str, *, stack: str = "", logical_id: str = "", property_path: str = ""
    ) -> None:
        self.reason = reason
        self.stack = stack
        self.logical_id = logical_id
        self.property_path = property_path
        where = [
            f"{label} {value}"
            for label, value in (
                ("stack", stack),
                ("resource", logical_id),
                ("property", property_path),
            )
            if value
        ]
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)
