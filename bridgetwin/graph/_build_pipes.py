"""EventBridge Pipes in the graph: ``AWS::Pipes::Pipe``.

A pipe polls its source (``SqsQueueParameters``, ``KinesisStreamParameters``,
``DynamoDBStreamParameters``: ``BatchSize``, ``MaximumBatchingWindowInSeconds``), drops records no
``FilterCriteria`` pattern matches (the same pattern language as rules), may call an enrichment,
and invokes its target. For stream sources the source parameters also hold the retry limits
(``MaximumRetryAttempts``, ``MaximumRecordAgeInSeconds``) and the ``DeadLetterConfig``; an SQS
source's failed records go back to the queue and its redrive policy decides (the simulator reads
it from the queue: :mod:`bridgetwin.simulator.engine.pipes`).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from bridgetwin.graph._build import Build
from bridgetwin.graph._build_rules import target_for
from bridgetwin.graph._linker import arn_parts
from bridgetwin.graph.nodes import RetryPolicy, TargetKind
from bridgetwin.graph.service_nodes import Pipe
from bridgetwin.patterns import PatternError, compile_pattern

_SOURCE_PARAMETERS = {
    "sqs": ("SqsQueueParameters", 10),
    "kinesis": ("KinesisStreamParameters", 100),
    "dynamodb": ("DynamoDBStreamParameters", 100),
}


def _filters(b: Build) -> tuple[Any, ...]:
    """``SourceParameters.FilterCriteria``, where CloudFormation has it (a ``FilterCriteria``
    beside ``Source`` is refused, as CloudFormation refuses it, rather than ignored)."""
    if "FilterCriteria" in b.props:
        raise b.error(
            "FilterCriteria belongs in SourceParameters (SourceParameters.FilterCriteria); "
            "CloudFormation rejects it beside Source",
            "FilterCriteria",
        )
    where = "SourceParameters.FilterCriteria"
    criteria = b.section(b.section(b.props, "SourceParameters", ""), "FilterCriteria",
                         "SourceParameters.")  # fmt: skip
    filters = criteria.get("Filters") or []
    if isinstance(filters, list) and len(filters) > MAX_FILTERS:
        raise b.error(f"holds {len(filters)} filters; a pipe takes at most {MAX_FILTERS} (the "
                      "CloudFormation schema)", f"{where}.Filters")  # fmt: skip
    out = []
    for index, entry in enumerate(filters):
        raw = entry.get("Pattern") if isinstance(entry, dict) else None
        if raw is None:
            continue
        try:
            out.append(compile_pattern(raw if isinstance(raw, str) else json.dumps(raw),
                                       max_size=None, numeric_limit=None))  # fmt: skip
        except PatternError as exc:
            raise b.error(exc.reason, f"{where}.Filters[{index}].Pattern") from None
    return tuple(out)


MAX_FILTERS = 5
"""``FilterCriteria.Filters`` holds at most 5 patterns (CloudFormation's ``AWS::Pipes::Pipe``
schema; every source's ``BatchSize`` is 1-10,000 there too)."""


def build_pipe(b: Build) -> Pipe:
    props = b.props
    for required in ("Source", "Target"):
        if required not in props:
            raise b.error(f"needs {required}", required)
    source_arn = b.linker.text(props["Source"])
    parts = arn_parts(source_arn)
    kind = parts[0] if parts else ""
    source_type = b.resource_type(b.linker.link(props["Source"]) or "")
    if source_type == "AWS::SQS::Queue":
        kind = "sqs"
    section, default_batch = _SOURCE_PARAMETERS.get(kind, ("", 1))
    parameters = b.section(b.section(props, "SourceParameters", ""), section, "SourceParameters.")
    where = f"SourceParameters.{section}."
    retries = b.number(parameters, "MaximumRetryAttempts", -1, where, low=-1, integer=True)
    age = b.number(parameters, "MaximumRecordAgeInSeconds", -1, where, low=-1, integer=True)
    dead_letter = b.section(parameters, "DeadLetterConfig", where).get("Arn")
    target = target_for(b, {"Id": "Target", "Arn": props["Target"]}, "Target")
    policy = RetryPolicy(
        185 if retries in (None, -1) else min(int(retries), 185),
        86_400 if age in (None, -1) else min(max(int(age), 60), 86_400),
        explicit=retries not in (None, -1) or age not in (None, -1),
    )
    dlq = (b.linker.link(dead_letter) or b.linker.text(dead_letter)) if dead_letter else None
    return Pipe(
        id=b.gid,
        name=b.name(props, "Name"),
        region=b.region,
        account=b.account,
        source_arn=source_arn,
        source=b.linker.link(props["Source"]),
        source_kind=kind,
        batch_size=b.number(
            parameters, "BatchSize", default_batch, where, low=1, high=10_000, integer=True
        ),
        batching_window_seconds=b.number(
            parameters, "MaximumBatchingWindowInSeconds", 0, where, low=0, high=300
        ),
        filters=_filters(b),
        enrichment=b.string(props, "Enrichment"),
        target=dataclasses.replace(target, retry_policy=policy, dead_letter_queue=dlq),
        running=b.string(props, "DesiredState", "RUNNING") != "STOPPED",
        waits_for_lambda=target.kind is TargetKind.LAMBDA and b.string(
            b.section(b.section(props, "TargetParameters", ""), "LambdaFunctionParameters",
                      "TargetParameters."),
            "InvocationType", "REQUEST_RESPONSE",
        ) != "FIRE_AND_FORGET",
    )  # fmt: skip
