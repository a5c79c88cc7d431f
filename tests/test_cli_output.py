"""Result files are written whole or not at all, only where asked; messages cannot drive the
terminal."""

from __future__ import annotations

import errno
import json
import os

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.cli.output import OutputError, write_atomically
from tests._templates import EVENT, scenario, webhook_template


@pytest.fixture
def files(tmp_path):
    template = tmp_path / "t.json"
    template.write_text(json.dumps(webhook_template()))
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps(scenario("1m")))
    return template, spec


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_result_json_is_written_and_replaces_a_symlink_instead_of_following_it(files, tmp_path):
    template, spec = files
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "result.json").symlink_to(victim)
    result = run("simulate", template, "--scenario", spec, "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert not (out / "result.json").is_symlink()
    assert json.loads((out / "result.json").read_text())["duration_s"] == 60.0
    assert victim.read_text() == "keep me"
    assert [p.name for p in out.iterdir()] == ["result.json"]  # no temporary file left


def test_a_symlinked_output_directory_is_refused_before_the_run(files, tmp_path):
    template, spec = files
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = run("simulate", template, "--scenario", spec, "--out", tmp_path / "link")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {tmp_path / 'link'}: is a symbolic link; give the directory it points to instead"
    )


def test_an_output_directory_that_cannot_be_made_is_refused_before_the_run(files, tmp_path):
    template, spec = files
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("simulate", template, "--scenario", spec, "--out", blocker / "sub")
    assert result.exit_code == 2
    assert (
        result.output.strip() == f"error: {blocker / 'sub'}: cannot write there (Not a directory)"
    )


def test_a_full_disk_is_one_line_and_leaves_nothing_behind(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    target.write_text("old")

    def full(_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as caught:
        write_atomically(target, "new")
    assert str(caught.value) == f"{target}: not written (No space left on device)"
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_control_characters_from_input_are_escaped_in_messages(tmp_path):
    template = tmp_path / "t.json"
    template.write_text(json.dumps(webhook_template()))
    spec = tmp_path / "s.json"
    bad = {"bus": "\x1b[31mred\x07", "rate": 1, "events": [{"event": EVENT}]}
    spec.write_text(json.dumps(scenario("1m", traffic=[bad])))
    result = run("simulate", template, "--scenario", spec)
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[31mred\\x07" in result.output
    assert "scenario: scenario:" not in result.output
