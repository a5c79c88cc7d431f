"""Synthesizing CDK app directories: clear errors, a timeout, nothing left running or on disk."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bridgetwin.graph import SynthOptions, TemplateError, load_graph

# An app that writes a one-queue assembly where the CDK tells it to.
WRITER = """
import json, os, pathlib
out = pathlib.Path(os.environ["CDK_OUTDIR"])
template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
(out / "S.template.json").write_text(json.dumps(template))
(out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
    "S": {"type": "aws:cloudformation:stack", "environment": "aws://1/eu-west-1"}}}))
"""

# An app whose queue is named from its context, as the CDK CLI passes it.
CONTEXTUAL = """
import json, os, pathlib
context = json.loads(os.environ["CDK_CONTEXT_JSON"])
if "env" not in context:
    raise SystemExit("context 'env' is required: cdk synth -c env=...")
out = pathlib.Path(os.environ["CDK_OUTDIR"])
name = f"{context['env']}-{context['team']}-{context.get('tier', 'none')}"
template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}}}}
(out / "S.template.json").write_text(json.dumps(template))
(out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
    "S": {"type": "aws:cloudformation:stack", "environment": "aws://1/eu-west-1"}}}))
"""

# An app that starts a grandchild, records its pid, and hangs.
HANGER = """
import subprocess, sys, time, pathlib
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
pathlib.Path("grandchild.pid").write_text(str(child.pid))
time.sleep(120)
"""


CTRL_C = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
"""A shell's background job ignores SIGINT, and Python then installs no Ctrl-C handler: give the
command the handler it has at a user's prompt, whoever runs the tests."""


def app(tmp_path: Path, command: object, script: str | None = None) -> Path:
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / "cdk.json").write_text(json.dumps({"app": command}))
    if script is not None:
        (directory / "app.py").write_text(script)
    return directory


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its parent to reap it is not running
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


@pytest.mark.parametrize(
    ("command", "message"),
    [("", 'has no "app" command (a non-empty string)'),
     (["python", "app.py"], 'has no "app" command (a non-empty string)'),
     ("python 'app.py", "the app command 'python 'app.py' is malformed: No closing quotation"),
     ("no-such-program-xyz app.py",
      "the app command 'no-such-program-xyz app.py' cannot run: No such file or directory")],
)  # fmt: skip
def test_bad_app_commands_are_one_clear_error(tmp_path, command, message):
    with pytest.raises(TemplateError) as info:
        load_graph(app(tmp_path, command))
    assert message in str(info.value)


def test_a_failed_synth_shows_its_whole_error_output(tmp_path):
    script = "import sys\nfor i in range(8):\n    print(f'line {i}', file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(TemplateError) as info:
        load_graph(app(tmp_path, "python app.py", script))
    text = str(info.value)
    assert "failed (exit 3):" in text
    assert all(f"  line {i}" in text for i in range(8))


def test_a_synth_is_read_and_its_temporary_assembly_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    graph = load_graph(app(tmp_path, "python app.py", WRITER))
    assert [s.region for s in graph.stacks] == ["eu-west-1"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_synth_past_its_timeout_is_stopped_with_its_children(tmp_path):
    directory = app(tmp_path, "python app.py", HANGER)
    start = time.monotonic()
    with pytest.raises(TemplateError, match=r"took longer than 2 s \(--synth-timeout\)"):
        load_graph(directory, synth=SynthOptions(timeout=2))
    assert time.monotonic() - start < 30
    pid = int((directory / "grandchild.pid").read_text())
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_bridgetwin_ends_the_synth_and_its_children(tmp_path, sig):
    directory = app(tmp_path, "python app.py", HANGER)
    cli = subprocess.Popen(
        [sys.executable, "-c", CTRL_C + "from bridgetwin.cli import main; main()", "graph",
         str(directory)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    pid_file = directory / "grandchild.pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    cli.send_signal(sig)
    cli.wait(timeout=30)
    assert cli.returncode != 0
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def test_context_comes_from_cdk_json_then_cdk_context_json_then_the_command_line(tmp_path):
    directory = tmp_path / "app"
    directory.mkdir()
    (directory / "app.py").write_text(CONTEXTUAL)
    (directory / "cdk.json").write_text(json.dumps(
        {"app": "python app.py", "context": {"env": "dev", "team": "a", "tier": "gold"}}))  # fmt: skip
    (directory / "cdk.context.json").write_text(json.dumps({"team": "b"}))
    graph = load_graph(directory, synth=SynthOptions(context={"env": "prod"}))
    assert [q.name for q in graph.queues] == ["prod-b-gold"]
    assert [q.name for q in load_graph(directory).queues] == ["dev-b-gold"]


def test_a_required_context_value_missing_is_the_apps_own_error(tmp_path):
    directory = app(tmp_path, "python app.py", CONTEXTUAL)
    with pytest.raises(
        TemplateError, match=re.escape("context 'env' is required: cdk synth -c env=...")
    ):
        load_graph(directory)


def test_the_app_option_replaces_cdk_jsons_command(tmp_path):
    directory = app(tmp_path, "python missing.py", WRITER)
    graph = load_graph(directory, synth=SynthOptions(app="python app.py"))
    assert [s.region for s in graph.stacks] == ["eu-west-1"]


def test_the_cli_passes_context_and_app(tmp_path):
    from typer.testing import CliRunner

    from bridgetwin.cli import app as cli

    directory = app(tmp_path, "python missing.py", CONTEXTUAL)
    result = CliRunner().invoke(cli, ["graph", str(directory), "--format", "json", "--app",
                                      "python app.py", "--context", "env=qa", "--context",
                                      "team=z"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [q["name"] for q in json.loads(result.output)["queues"]] == ["qa-z-none"]
    bad = CliRunner().invoke(cli, ["graph", str(directory), "--context", "novalue"])
    assert bad.exit_code == 2 and "--context: expected KEY=VALUE, got 'novalue'" in bad.output
