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


def test_testing_planning_producer_and_cli_load_no_cdk_boto3_dask_or_plotting():
    """pytest loads the plugin in every session of a project that has bridgetwin installed."""
    loaded = _loaded_after(
        "import bridgetwin.testing, bridgetwin.testing.plugin, bridgetwin.planning, "
        "bridgetwin.producer, bridgetwin.cli"
    )
    heavy = ("aws_cdk", "jsii", "constructs", "boto3", "dask", "distributed", "scipy",
             "matplotlib", "plotly", "altair")  # fmt: skip
    assert [m for m in loaded if m.split(".")[0] in heavy] == []


def _runtime_imports(path) -> set[str]:
    """Modules a file imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    import ast

    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.ImportFrom) and sub.module:
                found.add(sub.module)
            elif isinstance(sub, ast.Import):
                found.update(alias.name for alias in sub.names)
    return found


def test_simulator_layers_keep_their_dependency_directions():
    """DESIGN.md: the engine uses aws and scenario; aws and scenario never import the engine;
    result records import nothing of the engine."""
    from pathlib import Path

    root = Path(__file__).parent.parent / "bridgetwin" / "simulator"
    rules = {
        "aws": ("bridgetwin.simulator.engine", "bridgetwin.simulator.results"),
        "scenario": ("bridgetwin.simulator.engine", "bridgetwin.simulator.aws",
                     "bridgetwin.simulator.results"),
        "results": ("bridgetwin.simulator.engine",),
    }  # fmt: skip
    broken = [
        f"{path.relative_to(root)} imports {module}"
        for layer, forbidden in rules.items()
        for path in sorted((root / layer).glob("*.py"))
        for module in _runtime_imports(path)
        if module.startswith(forbidden)
    ]
    assert broken == []
