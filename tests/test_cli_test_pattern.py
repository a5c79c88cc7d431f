"""`bridgetwin test-pattern` behaves like `aws events test-event-pattern`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bridgetwin.cli import app

runner = CliRunner()
EVENT = {
    "id": "1",
    "account": "111122223333",
    "source": "acme.orders",
    "time": "2026-11-22T00:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail-type": "OrderCreated",
    "detail": {"amount": 120},
}


def run(*args: str):
    return runner.invoke(app, ["test-pattern", *args])


def test_cli_test_pattern_true_and_false():
    hit = run("--pattern", '{"source": ["acme.orders"]}', "--event", json.dumps(EVENT))
    assert (hit.exit_code, hit.stdout) == (0, '{"Result": true}\n')
    miss = run("--pattern", '{"source": ["acme.other"]}', "--event", json.dumps(EVENT))
    assert (miss.exit_code, miss.stdout) == (0, '{"Result": false}\n')


def test_cli_test_pattern_reads_files(tmp_path):
    (tmp_path / "p.json").write_text('{"detail": {"amount": [{"numeric": [">", 100]}]}}')
    (tmp_path / "e.json").write_text(json.dumps(EVENT))
    result = run("--pattern", str(tmp_path / "p.json"), "--event", str(tmp_path / "e.json"))
    assert result.stdout == '{"Result": true}\n'


def test_cli_test_pattern_invalid_pattern_exits_2():
    result = run("--pattern", '{"source": "acme.orders"}', "--event", json.dumps(EVENT))
    assert result.exit_code == 2
    assert 'Reason: source: "source" must be an object or an array' in result.stderr


def test_cli_test_pattern_requires_envelope_unless_lenient():
    partial = json.dumps({"source": "acme.orders"})
    strict = run("--pattern", '{"source": ["acme.orders"]}', "--event", partial)
    assert strict.exit_code == 2
    assert "lacks required field(s) id, account, time" in strict.stderr
    lenient = run("--pattern", '{"source": ["acme.orders"]}', "--event", partial, "--lenient")
    assert (lenient.exit_code, lenient.stdout) == (0, '{"Result": true}\n')


def test_cli_test_pattern_missing_file_is_a_clear_error():
    result = run("--pattern", "nope.json", "--event", json.dumps(EVENT))
    assert result.exit_code == 2
    assert "--pattern: 'nope.json' is neither inline JSON nor a file" in result.stderr
