"""The scenario: what no template states, as a validated input model.

- :mod:`.base`: durations, the strict base model, latency distributions;
- :mod:`.traffic`: producers (rates, arrival models, batches, SDK retries);
- :mod:`.services`: endpoints, API destinations' buckets, other targets, Regions' disruptions,
  DNS, health checks, replication;
- :mod:`.scenario`: EventBridge's own settings, SLOs and the whole :class:`Scenario`;
- :mod:`.loading`: reading YAML/JSON files with one error line per bad field.
"""

from __future__ import annotations

from bridgetwin.simulator.scenario.base import Duration, Latency, parse_duration
from bridgetwin.simulator.scenario.loading import ScenarioError, load_scenario, scenario_json_schema
from bridgetwin.simulator.scenario.scenario import (
    SLO_METRICS,
    EventBridgeSettings,
    RetryBackoff,
    Scenario,
    Slo,
)
from bridgetwin.simulator.scenario.services import (
    ApiDestinationSettings,
    Capacity,
    Disruption,
    Dns,
    Endpoint,
    FunctionSettings,
    HealthCheckSettings,
    LambdaAsyncSettings,
    OAuth,
    Outage,
    RegionSettings,
    Replay,
    Replication,
    SubscriberSettings,
    TargetSettings,
    Window,
)
from bridgetwin.simulator.scenario.traffic import (
    Arrivals,
    Bursts,
    Diurnal,
    EventTemplate,
    QueueMessage,
    QueueTraffic,
    RateProfile,
    SdkRetry,
    Traffic,
)

__all__ = [
    "SLO_METRICS",
    "ApiDestinationSettings",
    "Arrivals",
    "Bursts",
    "Capacity",
    "Disruption",
    "Diurnal",
    "Dns",
    "Duration",
    "Endpoint",
    "EventBridgeSettings",
    "EventTemplate",
    "FunctionSettings",
    "HealthCheckSettings",
    "LambdaAsyncSettings",
    "Latency",
    "OAuth",
    "Outage",
    "QueueMessage",
    "QueueTraffic",
    "RateProfile",
    "RegionSettings",
    "Replay",
    "Replication",
    "RetryBackoff",
    "Scenario",
    "ScenarioError",
    "SdkRetry",
    "Slo",
    "SubscriberSettings",
    "TargetSettings",
    "Traffic",
    "Window",
    "load_scenario",
    "parse_duration",
    "scenario_json_schema",
]
