"""examples/custom-bus: the README's "The Custom Event Bus" section, run as a reader would.

Every command shown there is run through the CLI (it synthesizes the CDK app with its
``cdk.json``, loads the assembly and simulates), and every output line the section quotes must
appear in what the command prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from tests._docs import documented_commands, section

ROOT = Path(__file__).parent.parent
COMMANDS = documented_commands(section(ROOT / "README.md", "The Custom Event Bus"))


def test_the_section_shows_commands_and_their_figures():
    assert len(COMMANDS) == 2 and all(c.expected for c in COMMANDS)


@pytest.mark.cdk
@pytest.mark.parametrize("command", COMMANDS, ids=[c.args[-1] for c in COMMANDS])
def test_each_documented_command_prints_what_the_readme_says(command, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COLUMNS", raising=False)  # the width the README was printed at
    result = CliRunner().invoke(app, command.args)
    assert result.exit_code == 0, result.output
    printed = {line.rstrip() for line in result.stdout.splitlines()}
    missing = [line for line in command.expected if line not in printed]
    assert missing == [], result.stdout
