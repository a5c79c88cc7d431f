"""Docs as tests: every ``bridgetwin`` command README.md and ``examples/**/README.md`` show is run
here, read from the Markdown (not copied), in a sandbox laid out as the text assumes: the
repository's ``app.py`` synthesized into ``cdk.out`` (``python3 app.py``, as the README says), the
examples, and small stand-ins for the files a reader brings (``template.yaml``, ``bus.yaml``,
``consumer.yaml``, ``./templates/``, ``scenario.yaml``, ``./my-app``).

A command passes when it exits 0, or 1 where the text says it may (``lint`` on findings,
``--check`` on a failed objective), and prints what the text says it prints (a ``# {...}`` comment
holding output, or a ``text`` block right after). A documented command that cannot run here must
be listed in ``CANNOT_RUN`` with the reason, so a new one cannot slip through unrun.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from tests._docs import documented_commands
from tests._templates import webhook_template

ROOT = Path(__file__).parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted(ROOT.glob("examples/**/README.md"))]
CANNOT_RUN = {
    "npx ts-node": "needs a reader's TypeScript CDK app and ts-node from npm",
}
MAY_FAIL_CHECKS = ("lint", "--check")
NEEDS = {" examples/custom-bus ": "aws_cdk.aws_eventsv2"}
"""Examples that need a newer aws-cdk-lib than the oldest we support (the Custom Event Bus's L1
classes): skipped, saying so, where the installed one lacks the module (the construct tests run
again at the oldest aws-cdk-lib, scripts/test-cdk-min)."""


def _missing_module(line: str) -> str | None:
    import importlib.util

    for marker, module in NEEDS.items():
        if marker in line:
            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                return f"needs {module}, which this aws-cdk-lib does not have"
    return None


def _commands(path: Path) -> list[tuple[str, str, str]]:
    """(document, command line, trailing comment) of every bridgetwin command in a document."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(), re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        for raw in joined.splitlines():
            command, _, comment = raw.strip().partition("  #")
            if "bridgetwin " in command and not command.startswith("#"):
                found.append((path.relative_to(ROOT).as_posix(), command.strip(), comment))
    return found


COMMANDS = [c for path in DOCUMENTS for c in _commands(path)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("docs")
    for name in ("app.py", "cdk.json"):
        (here / name).write_text((ROOT / name).read_text())
    (here / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    subprocess.run([sys.executable, "app.py"], cwd=here, check=True, env=env,
                   capture_output=True, timeout=300)  # fmt: skip
    template = webhook_template()
    with_env = {**template, "Parameters": {"Env": {"Type": "String", "Default": "dev"}}}
    (here / "template.yaml").write_text(json.dumps(with_env))
    (here / "templates").mkdir()
    (here / "templates" / "orders.json").write_text(json.dumps(template))
    bus = {"Parameters": {"BusName": {"Type": "String"}}, "Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": {"Ref": "BusName"}}}}}  # fmt: skip
    (here / "bus.yaml").write_text(json.dumps(bus))
    (here / "consumer.yaml").write_text(json.dumps(template))
    (here / "scenario.yaml").write_text(json.dumps({"duration": "2m", "traffic": [
        {"bus": "orders", "rate": 2, "events": [{"event": {"source": "acme.orders",
         "detail-type": "OrderCreated", "detail": {"amount": 120}}}]}]}))  # fmt: skip
    (here / "my-app").symlink_to(ROOT / "examples" / "bus-chain")
    return here


def test_every_documented_command_is_found():
    assert len(COMMANDS) >= 20
    assert {doc for doc, _, _ in COMMANDS} == {p.relative_to(ROOT).as_posix() for p in DOCUMENTS}


@pytest.mark.cdk
@pytest.mark.parametrize(("document", "line", "comment"), COMMANDS,
                         ids=[f"{d}:{c[:60]}" for d, c, _ in COMMANDS])  # fmt: skip
def test_each_documented_command_runs_as_written(document, line, comment, sandbox, monkeypatch):
    reason = next((why for marker, why in CANNOT_RUN.items() if marker in line), None)
    reason = reason or _missing_module(line)
    if reason is not None:
        pytest.skip(f"{document}: cannot run here: {reason}")
    monkeypatch.chdir(sandbox)
    monkeypatch.delenv("COLUMNS", raising=False)
    command, _, redirect = line.partition(" > ")
    words = shlex.split(command)
    assert words[0].endswith("bridgetwin"), line
    result = CliRunner().invoke(app, words[1:])
    allowed = (0, 1) if any(m in words for m in MAY_FAIL_CHECKS) else (0,)
    assert result.exit_code in allowed, f"{document}: {line}\n{result.output}"
    assert result.output.strip(), f"{document}: {line} said nothing"
    if redirect:
        (sandbox / redirect.strip()).write_text(result.stdout)
    said = re.search(r"(\{.*\})", comment)  # output the comment shows, e.g. {"Result": true}
    if said:
        assert said.group(1) in result.stdout, f"{document}: {line}\n{result.stdout}"


def test_the_text_blocks_after_commands_match_what_they_print(sandbox, monkeypatch):
    """Where a document quotes a command's output (a ``text`` block right after it), every
    quoted line is printed by the command."""
    monkeypatch.chdir(sandbox)
    monkeypatch.delenv("COLUMNS", raising=False)
    checked = 0
    for path in DOCUMENTS:
        for command in documented_commands(path.read_text()):
            if not command.expected or _missing_module(" ".join(command.args)):
                continue
            result = CliRunner().invoke(app, command.args)
            printed = {line.rstrip() for line in result.stdout.splitlines()}
            missing = [line for line in command.expected if line not in printed]
            assert missing == [], f"{path.name}: bridgetwin {' '.join(command.args)}"
            checked += 1
    assert checked >= 2
