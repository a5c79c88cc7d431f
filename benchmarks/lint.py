"""`bridgetwin lint` on large deployments: its time should grow like the load's, linearly in rules.

A deployment of N rules spread over 10 buses, shaped like a large account's: each rule matches one
source and detail-type and has one target with a retry policy and a DLQ (50 queues with policies);
a third of the rules forward to the next bus (so every one is an event loop: the busiest case for
the loop check), the rest invoke one of 30 functions. Prints, for each N, the time to load the
template and to lint it, microseconds per rule, and lint's time as a ratio of the load's, measured
in one run. Before lint answered per-rule questions from the graph's indexes, 10,000 rules took
11.9 s to lint against 1.5 s to load.

    python benchmarks/lint.py [--rules 300 3000 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bridgetwin.graph import load_graph
from bridgetwin.graph.lint import lint_graph

BUSES, QUEUES, FUNCTIONS = 10, 50, 30


def _target(rule: int) -> dict[str, Any]:
    bus = rule % BUSES
    if rule % 3 == 0:
        target: dict[str, Any] = {
            "Id": "forward",
            "Arn": {"Fn::GetAtt": [f"Bus{(bus + 1) % BUSES}", "Arn"]},
            "RoleArn": "arn:aws:iam::123456789012:role/forward",
        }
    else:
        target = {"Id": "handler", "Arn": {"Fn::GetAtt": [f"Handler{rule % FUNCTIONS}", "Arn"]}}
    target["DeadLetterConfig"] = {"Arn": {"Fn::GetAtt": [f"Dlq{rule % QUEUES}", "Arn"]}}
    target["RetryPolicy"] = {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600}
    return target


def template(rules: int) -> dict[str, Any]:
    resources: dict[str, Any] = {
        f"Bus{b}": {"Type": "AWS::Events::EventBus", "Properties": {"Name": f"bus-{b}"}}
        for b in range(BUSES)
    }
    for q in range(QUEUES):
        resources[f"Dlq{q}"] = {"Type": "AWS::SQS::Queue"}
        resources[f"DlqPolicy{q}"] = {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": f"Dlq{q}"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": {"Fn::GetAtt": [f"Dlq{q}", "Arn"]},
                        }
                    ]
                },
            },
        }
    for f in range(FUNCTIONS):
        resources[f"Handler{f}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": "def handler(event, context): pass"},
                "Role": "arn:aws:iam::123456789012:role/handler",
            },
        }
    for r in range(rules):
        resources[f"Rule{r}"] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": {"Ref": f"Bus{r % BUSES}"},
                "EventPattern": {"source": [f"acme.service{r % 50}"], "detail-type": [f"T{r}"]},
                "Targets": [_target(r)],
            },
        }
    return {"Resources": resources}


def _best(repeat: int, work: Any) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = work()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, nargs="+", default=[300, 3000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rules':>7} {'load':>8} {'lint':>8} {'lint/rule':>10} {'lint/load':>10} findings")
    with tempfile.TemporaryDirectory() as folder:
        for rules in args.rules:
            path = Path(folder) / f"rules{rules}.json"
            path.write_text(json.dumps(template(rules)))
            load_s, graph = _best(args.repeat, lambda p=path: load_graph(str(p)))
            lint_s, findings = _best(args.repeat, lambda g=graph: lint_graph(g))
            print(
                f"{rules:>7,} {load_s:>7.2f}s {lint_s:>7.2f}s {lint_s / rules * 1e6:>8.0f}µs "
                f"{lint_s / load_s:>9.2f}x {len(findings):,}"
            )


if __name__ == "__main__":
    main()
