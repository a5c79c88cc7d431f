"""A calibrated scenario as YAML people can read: what it rests on first, as comments.

The header names the metrics it came from, every note (residuals, rules without data) and every
field that was not calibrated; the ``provenance`` list inside says where each calibrated value
came from. Lists of numbers (a rate profile) are written on one line each, so a week of
minutes stays a readable file.
"""

from __future__ import annotations

from typing import Any

import yaml

from bridgetwin.calibration.calibrated_scenario import Calibration


class _Dumper(yaml.SafeDumper):
    """Flow style for lists of plain numbers, block style for everything else, and every
    value written out where it is used (no anchors and aliases)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=numbers and data)


_Dumper.add_representer(list, _list)


def scenario_yaml(calibration: Calibration, source: str) -> str:
    """The scenario with its header of comments."""
    head = [
        f"# Calibrated by 'bridgetwin calibrate' from {source}.",
        "# Where each value came from: 'provenance' below (also in every run's assumptions).",
    ]
    head += [f"# note: {n}" for n in calibration.notes]
    head += [f"# not calibrated: {k}" for k in calibration.kept]
    body = yaml.dump(calibration.scenario, Dumper=_Dumper, sort_keys=False, width=100)
    return "\n".join(head) + "\n" + body
