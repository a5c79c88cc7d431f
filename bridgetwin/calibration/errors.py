"""The calibration package's one exception: bad metrics input, named by file and place."""

from __future__ import annotations


class CalibrationError(ValueError):
    """Metrics that cannot be read or do not fit the deployment; the message says which file,
    which entry and what would be accepted."""
