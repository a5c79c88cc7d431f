"""``import bridgetwin`` and the simulator stay light: they never start jsii/Node.js."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


ROOT = Path(__file__).parent.parent

ALLOWED = {
    "bridgetwin.patterns": (),
    "bridgetwin.graph": ("bridgetwin.patterns", "bridgetwin.service_defaults"),
    "bridgetwin.constructs": ("bridgetwin.patterns", "bridgetwin.service_defaults"),
    "bridgetwin.producer": ("bridgetwin.producer",),
    "bridgetwin.simulator": ("bridgetwin.graph", "bridgetwin.patterns", "bridgetwin.producer.config",
                             "bridgetwin.service_defaults"),
    "bridgetwin.planning": ("bridgetwin.simulator", "bridgetwin.graph", "bridgetwin.patterns"),
    "bridgetwin.migration": ("bridgetwin.planning", "bridgetwin.simulator", "bridgetwin.graph",
                             "bridgetwin.patterns"),
    "bridgetwin.calibration": ("bridgetwin.planning", "bridgetwin.simulator", "bridgetwin.graph",
                               "bridgetwin.patterns"),
    "bridgetwin.testing": ("bridgetwin.planning", "bridgetwin.simulator", "bridgetwin.graph",
                           "bridgetwin.patterns"),
    "bridgetwin.cli": ("bridgetwin.migration", "bridgetwin.calibration", "bridgetwin.planning", "bridgetwin.simulator",
                       "bridgetwin.graph", "bridgetwin.patterns", "bridgetwin.producer"),
}  # fmt: skip
"""DESIGN.md's directions between packages: what each may import besides itself and
``bridgetwin`` (the version)."""

FORBIDDEN_INSIDE_SIMULATOR = {
    "bridgetwin.simulator.aws": ("bridgetwin.simulator.engine", "bridgetwin.simulator.results"),
    "bridgetwin.simulator.scenario": ("bridgetwin.simulator.engine", "bridgetwin.simulator.aws",
                                      "bridgetwin.simulator.results"),
    "bridgetwin.simulator.results": ("bridgetwin.simulator.engine", "bridgetwin.simulator.aws"),
}  # fmt: skip
"""Inside the simulator: the engine uses aws, scenario and results; none of them uses the engine,
and result records know nothing of AWS's behaviour."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, str]:
    """Every module of the package, by name, with its source."""
    return {_module_name(p): p.read_text() for p in sorted((ROOT / "bridgetwin").rglob("*.py"))}


def imports_of(module: str, source: str) -> set[str]:
    """Every bridgetwin module ``source`` imports, wherever the import stands: at the top, in a
    function, or under ``if TYPE_CHECKING:`` (a type-only import is a dependency too)."""
    import ast

    found: set[str] = set()
    package = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package upwards
                base = ".".join(package[: len(package) - node.level] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("bridgetwin")}


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(modules: dict[str, str]) -> list[str]:
    """Every import that breaks a direction above."""
    broken = []
    for module, source in modules.items():
        for name in imports_of(module, source):
            parent = name.rsplit(".", 1)[0]
            imported = parent if name not in modules and parent in modules else name
            for layer, allowed in ALLOWED.items():
                if (
                    _within(module, [layer])
                    and imported != "bridgetwin"
                    and not _within(imported, [layer, *allowed])
                ):
                    broken.append(f"{module} imports {imported}")
            for layer, forbidden in FORBIDDEN_INSIDE_SIMULATOR.items():
                if _within(module, [layer]) and _within(imported, forbidden):
                    broken.append(f"{module} imports {imported}")
    return sorted(set(broken))


def engine_cycles(modules: dict[str, str]) -> list[list[str]]:
    """Import cycles among the engine's modules (type-only imports included)."""
    import networkx as nx

    engine = "bridgetwin.simulator.engine"
    graph = nx.DiGraph()
    for module, source in modules.items():
        if module.startswith(engine + "."):
            graph.add_node(module)
            for imported in imports_of(module, source):
                if imported.startswith(engine + ".") and imported in modules:
                    graph.add_edge(module, imported)
    return sorted(sorted(cycle) for cycle in nx.simple_cycles(graph))


def test_packages_keep_their_dependency_directions():
    """DESIGN.md's directions, every import counted (type-only and deferred ones too)."""
    assert violations(sources()) == []


def test_no_engine_module_imports_one_that_imports_it_back():
    assert engine_cycles(sources()) == []


def test_the_checks_catch_a_reversed_import():
    """The same checks fail on deliberately reversed imports: a result record that names an
    engine type (type-only), AWS behaviour that imports the engine, a construct that runs the
    simulator, and an engine cycle."""
    modules = sources()
    records = "bridgetwin.simulator.results.records"
    modules[records] += (
        "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from bridgetwin.simulator.engine.lane import Lane\n"
    )
    modules["bridgetwin.simulator.aws.gates"] += "\nfrom ..engine import model\n"
    modules["bridgetwin.constructs.queues"] += (
        "\ndef run():\n    from bridgetwin.simulator import simulate\n"
    )
    modules["bridgetwin.simulator.engine.lane"] += (
        "\nfrom bridgetwin.simulator.engine.model import Model\n"
    )
    found = violations(modules)
    assert "bridgetwin.constructs.queues imports bridgetwin.simulator" in found
    assert "bridgetwin.simulator.aws.gates imports bridgetwin.simulator.engine.model" in found
    assert f"{records} imports bridgetwin.simulator.engine.lane" in found
    assert {line.split()[0] for line in found} == {
        "bridgetwin.constructs.queues",
        "bridgetwin.simulator.aws.gates",
        records,
    }
    assert [c for c in engine_cycles(modules) if "bridgetwin.simulator.engine.lane" in c]


def test_no_two_modules_share_a_file_name():
    """A file name says what the module owns, once: two modules of one name in different packages
    are allowed only in the same role in parallel packages (each package's ``__init__``, its
    ``__main__``, and ``_errors``: the package's one exception family)."""
    same_role = {"__init__.py", "__main__.py", "_errors.py"}
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bridgetwin").rglob("*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {n: p for n, p in seen.items() if len(p) > 1 and n not in same_role} == {}


def test_assembly_means_a_cdk_cloud_assembly():
    """In the simulator "assembly" is only ever CDK's cloud assembly (cdk.out): no module is
    named after it and no text uses the word for building the model."""
    import re

    simulator = ROOT / "bridgetwin" / "simulator"
    assert [p.name for p in simulator.rglob("*assembl*")] == []
    other = re.compile(r"(?<!cloud )assembl", re.IGNORECASE)
    mentions = [p.name for p in simulator.rglob("*.py") if other.search(p.read_text())]
    assert mentions == []
