"""Shared fixtures. Anything synthesized is session-scoped: jsii start-up costs ~2.5 s a process."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

pytest_plugins = ["pytester"]  # tests of the pytest plugin run pytest on example projects


@pytest.fixture(scope="session")
def example_assembly(tmp_path_factory: pytest.TempPathFactory):
    """The bundled ``app.py`` synthesized once, in-process, into a temporary cloud assembly."""
    import app as example_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    return example_app.build_app(str(outdir)).synth()


@pytest.fixture(scope="session")
def webhook_template(example_assembly) -> dict:
    """The synthesized CloudFormation template of the example's webhook stack."""
    return example_assembly.get_stack_by_name("BridgetwinWebhook").template


@pytest.fixture(scope="session")
def moto_port():
    """moto in server mode on 127.0.0.1 (a free port), with dummy credentials: the AWS APIs the
    producer and calibration tests call (EventBridge, SQS, CloudWatch)."""
    from moto.server import ThreadedMotoServer

    from tests._faults import free_port

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):  # fmt: skip
        os.environ.setdefault(key, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield port
    server.stop()
