"""Construct paths recovered from ``tree.json`` for an assembly synthesized without path metadata
(``python app.py``), checked against the paths CDK itself writes when asked to
(``aws:cdk:enable-path-metadata``): the same app, synthesized both ways."""

from __future__ import annotations

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.graph.cdk_tree import unique_id

pytestmark = pytest.mark.cdk


def _app(outdir, *, path_metadata: bool):
    import aws_cdk as cdk
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_sqs as sqs
    from constructs import Construct

    from examples.ci.shop import ShopStack

    class Audit(Construct):
        """Ids that exercise CDK's rules: a hidden ``Default``, a repeated id, punctuation."""

        def __init__(self, scope: Construct, construct_id: str) -> None:
            super().__init__(scope, construct_id)
            queue = sqs.Queue(self, "Default")
            inner = Construct(self, "AuditAudit")
            rule = events.Rule(inner, "Audit", event_pattern=events.EventPattern(source=["x"]))
            rule.add_target(targets.SqsQueue(queue))

    context = {"aws:cdk:enable-path-metadata": path_metadata}
    app = cdk.App(outdir=str(outdir), context=context)
    shop = ShopStack(app, "Shop")
    Audit(shop, "Audit-Trail.v2")
    stage = cdk.Stage(app, "Prod", env=cdk.Environment(region="eu-west-1"))
    ShopStack(stage, "Shop")
    return app.synth()


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    plain = _app(tmp_path_factory.mktemp("plain"), path_metadata=False)
    marked = _app(tmp_path_factory.mktemp("marked"), path_metadata=True)
    return load_graph(plain.directory), load_graph(marked.directory)


def test_paths_from_the_tree_equal_the_paths_cdk_writes(both):
    plain, marked = both
    reference = dict(marked.construct_paths)
    assert len(reference) >= 20  # every resource of both Shop stacks and the audit construct
    assert any("/Audit-Trail.v2/" in path for path in reference.values())
    assert any(path.startswith("Prod/Shop/") for path in reference.values())  # a stage's stack
    assert dict(plain.construct_paths) == reference


def test_logical_ids_follow_cdks_rules():
    assert unique_id(["Bucket"]) == "Bucket"  # a top-level construct keeps its id
    assert unique_id(["My-Bucket.v2"]) == "MyBucketv2"
    # the hash covers the whole path; 'Resource' and a repeated id leave the readable part
    assert unique_id(["Api", "Resource"]).startswith("Api")
    assert unique_id(["Api", "Api", "Resource"]).startswith("Api")
    assert unique_id(["Api", "Default", "Resource"]) == unique_id(["Api", "Resource"])
