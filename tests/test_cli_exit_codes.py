"""The command line's exit codes, through the console script's own entry point (``main``):
2 for input that is wrong, naming it; 3 for an internal error, with no traceback unless
``--debug``; and each example of the issue that used to end in a traceback."""

from __future__ import annotations

import pytest

import bridgetwin.cli.simulate
from bridgetwin.cli import main

SATURATION = ["examples/saturation/template.yaml", "--scenario",
              "examples/planning/webhook-outage.yaml"]  # fmt: skip


def run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    captured = capsys.readouterr()
    return info.value.code, captured.out + captured.err


@pytest.mark.parametrize(("args", "message"), [
    (["graph", "no-such-file.yaml"], "no-such-file.yaml: no such file or directory"),
    (["sweep", *SATURATION, "--vary", "seed=10:1:-1", "--scheduler", "inline"],
     "--vary 'seed=10:1:-1': '-1' is not a duration"),
    (["sweep", *SATURATION, "--vary", "seed=nan:1:1", "--scheduler", "inline"],
     "'nan' is not a duration"),
    (["sweep", *SATURATION, "--vary", "seed=a:b:c", "--scheduler", "inline"],
     "'a' is not a duration"),
    (["sweep", *SATURATION, "--vary", "seed=1,2", "--seed", "-5"], "Invalid value for '--seed'"),
    (["test-pattern", "--pattern", '{"a": [1]}', "--event", "[" * 100_000 + "]" * 100_000],
     "--event: the JSON nests too deeply to read"),
])  # fmt: skip
def test_wrong_input_exits_2_naming_it(args, message, capsys, monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).parent.parent)
    code, output = run(args, capsys)
    assert code == 2, output
    assert message in output
    assert "Traceback" not in output


def test_an_internal_error_exits_3_without_a_traceback_unless_debug(capsys, monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(bridgetwin.cli.simulate, "load_deployment", broken)
    args = ["simulate", "examples/saturation/template.yaml", "--scenario", "x.yaml"]
    code, output = run(args, capsys)
    assert code == 3
    assert "internal error, please report it: RuntimeError: a bug" in output
    assert "Traceback" not in output
    with pytest.raises(RuntimeError, match="a bug"):
        main(["--debug", *args])
