"""The one exception of the pattern package."""

from __future__ import annotations


class PatternError(ValueError):
    """An event pattern that EventBridge would reject.

    The message reads like AWS's ``InvalidEventPatternException`` and names where in the pattern
    the problem is: ``Event pattern is not valid. Reason: detail.amount[0].numeric: Value of
    numeric must be an array``. ``reason`` and ``path`` carry the two parts separately.
    """

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"Event pattern is not valid. Reason: {where}{reason}")
