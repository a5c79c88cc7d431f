"""``import bridgetwin`` and the simulator stay light: they never start jsii/Node.js."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("aws_cdk", "jsii", "constructs", "simpy", "cfnlint")


def _loaded_after(statement: str) -> list[str]:
    code = f"{statement}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return out.stdout.split()


def test_import_bridgetwin_loads_no_cdk():
    loaded = _loaded_after(
        "import bridgetwin, bridgetwin.patterns, bridgetwin.graph, bridgetwin.graph.lint"
    )
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def test_import_simulator_loads_no_cdk():
    loaded = _loaded_after("import bridgetwin.simulator")
    assert [m for m in loaded if m.split(".")[0] in ("aws_cdk", "jsii", "constructs")] == []
