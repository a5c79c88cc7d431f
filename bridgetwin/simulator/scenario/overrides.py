"""What-if: the scenario's ``overrides:`` section, which changes what the templates say.

A planner asks "what if the rate limit were 200?" without editing the app. Each entry is keyed
by a glob on logical ids (or names, or ``RULE/TARGET_ID`` for targets) and sets a few fields::

    overrides:
      api_destinations: {"Webhook*": {rate_limit: 200}}
      targets: {"OrderRule/*": {retry_attempts: 20, max_event_age: 6h, dlq: true},
                "Webhook/Target": {retry_attempts: 185}}  # a Custom Event Bus subscriber
      subscribers: {Fulfilment: {batch_size: 10, batch_window: 5s, ordering: FIFO}}
      alarms: {"*Latency*": {threshold: 30000, evaluation_periods: 3}}
      functions: {Worker: {reserved_concurrency: 50}}
      global_endpoints: {"*": {replication: false}}

The twin applies them to the loaded deployment before it simulates (:mod:`..graph_overrides`), and
the result lists every override it applied; a glob that matches nothing is an error.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bridgetwin.simulator.scenario.base import Duration, StrictModel


class ApiDestinationOverride(StrictModel):
    rate_limit: int | None = Field(None, ge=1, le=300)
    """``InvocationRateLimitPerSecond`` (1-300, AWS's range)."""


class TargetOverride(StrictModel):
    retry_attempts: int | None = Field(None, ge=0, le=185)
    max_event_age: Duration | None = Field(None, ge=60, le=86_400)
    dlq: bool | None = None
    """Give the target a dead-letter queue (true) or take it away (false)."""


class SubscriberOverride(StrictModel):
    """A Custom Event Bus subscriber's delivery settings (its retry policy and on-failure queue
    are its target's: ``targets: {"SUBSCRIBER/Target": ...}``)."""

    batch_size: int | None = Field(None, ge=1, le=500)
    """``MaxBatchSize``, at most the target's maximum (10 for SQS and SNS, 100 for Lambda...)."""
    batch_window: Duration | None = Field(None, ge=0, le=300)
    """``MaxBatchWindowInSeconds`` (0-300 s, whole seconds)."""
    ordering: Literal["FIFO", "UNORDERED"] | None = None
    """``Type``."""
    state: Literal["RUNNING", "STOPPED"] | None = None


class AlarmOverride(StrictModel):
    threshold: float | None = None
    evaluation_periods: int | None = Field(None, ge=1)
    datapoints_to_alarm: int | None = Field(None, ge=1)


class FunctionOverride(StrictModel):
    reserved_concurrency: int | None = Field(None, ge=0)


class GlobalEndpointOverride(StrictModel):
    replication: bool | None = None


class Overrides(StrictModel):
    api_destinations: dict[str, ApiDestinationOverride] = Field(default_factory=dict)
    targets: dict[str, TargetOverride] = Field(default_factory=dict)
    subscribers: dict[str, SubscriberOverride] = Field(default_factory=dict)
    alarms: dict[str, AlarmOverride] = Field(default_factory=dict)
    functions: dict[str, FunctionOverride] = Field(default_factory=dict)
    global_endpoints: dict[str, GlobalEndpointOverride] = Field(default_factory=dict)
