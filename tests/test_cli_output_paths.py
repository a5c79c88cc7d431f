"""Outputs are checked before any work, by every command that writes them: a report path that
is a directory or a symbolic link, plots that would go into an existing file, an empty --out.
Each is an exit-2 error naming the option, given before the deployment is even read (the source
below does not exist, and the error is still about the output)."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app

SCENARIO = "examples/planning/webhook-outage.yaml"
COMMANDS = {
    "simulate": ["simulate", "missing.yaml", "--scenario", SCENARIO],
    "sweep": ["sweep", "missing.yaml", "--scenario", SCENARIO, "--vary", "seed=1,2"],
    "plan": ["plan", "missing.yaml", "--scenario", SCENARIO, "--vary", "seed=1:2",
             "--goal", "counts.dlq <= 0"],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_outputs_are_refused_before_the_work(command, tmp_path):
    args = COMMANDS[command]
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "real.html").write_text("")
    os.symlink(tmp_path / "real.html", tmp_path / "link.html")
    cases = [
        (["--report", str(tmp_path)], "is a directory; --report takes a file name"),
        (["--report", str(tmp_path / "link.html")], "is a symbolic link"),
        (["--report", ""], "--report: an empty path"),
        (["--plots", str(tmp_path / "file.txt")], "cannot write there"),
    ]
    if command == "simulate":
        cases.append((["--out", ""], "--out: an empty path"))
    for extra, message in cases:
        out = CliRunner().invoke(app, [*args, *extra])
        assert out.exit_code == 2, (extra, out.output)
        assert message in out.output, (extra, out.output)
        assert "missing.yaml" not in out.output  # said before the source was read


def test_a_report_in_a_new_directory_is_written_whole(tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(__file__)))
    target = tmp_path / "new" / "deeper" / "run.html"
    out = CliRunner().invoke(app, ["simulate", "examples/saturation/template.yaml", "--scenario",
                                   "examples/saturation/scenario.yaml", "--report", str(target)])  # fmt: skip
    assert out.exit_code in (0, 1), out.output
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["run.html"]  # no temporary file left
