"""CDK L3 constructs for EventBridge (the only package that imports ``aws_cdk``).

- :class:`ApiDelivery`: connection, API destination with rate limit, rules, retry policy,
  encrypted dead-letter queue and alarms, from one construct; any piece can be an existing one.
- :class:`GlobalEventBus`: a bus in two Regions behind a global endpoint, with the latency alarm,
  Route 53 health check and replication role AWS prescribes.
- :class:`EventBridgeDashboard`: their metrics on one dashboard.
- :class:`CustomEventBus`, :class:`Subscriber` and :class:`SubscriberTarget`: the new Custom Event
  Bus (``AWS::EventsV2``, L1-only in aws-cdk-lib) with its retention, and subscribers whose retry
  policy, ordering and batch size are written out, with a delivery role that can write their
  on-failure queue, and alarms; :class:`CustomBusDelivery`, the new bus's ``ApiDelivery``: bus,
  HTTPS destination, subscriber, on-failure queue, alarms and dashboard from one construct.

The CDK validation plugin that runs the twin at synth time moved to
:mod:`bridgetwin.testing.cdk_validation` (this package never imports the simulator);
``bridgetwin.constructs.TwinValidation`` still resolves to it, with a ``DeprecationWarning``,
for one release.

Props are validated when the construct is created, in Python, before jsii sees them
(:class:`ValidationError` names the prop, the value and what is allowed); every event pattern is
compiled with :mod:`bridgetwin.patterns`, written to the template exactly as given, and its lint
findings become synth-time warnings.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from bridgetwin.constructs._nag import acknowledge
from bridgetwin.constructs._validation import ValidationError
from bridgetwin.constructs.alarms import AlarmSettings
from bridgetwin.constructs.api_delivery import (
    DEFAULT_ALARMS,
    HTTP_METHODS,
    RATE_LIMIT_QUOTA,
    ApiDelivery,
)
from bridgetwin.constructs.auth import DeliveryAuth
from bridgetwin.constructs.custom_bus_delivery import CustomBusDelivery
from bridgetwin.constructs.custom_event_bus import CustomEventBus
from bridgetwin.constructs.dashboard import EventBridgeDashboard
from bridgetwin.constructs.event_pattern import write_event_pattern
from bridgetwin.constructs.global_event_bus import HEALTH_CHECK_ALARM, GlobalEventBus
from bridgetwin.constructs.http_parameters import SecretParameter
from bridgetwin.constructs.queues import dead_letter_queue
from bridgetwin.constructs.subscriber import (
    AWS_RETRIES,
    CLASSIC_RETRIES,
    SUBSCRIBER_ALARMS,
    Subscriber,
)
from bridgetwin.constructs.subscriber_targets import SubscriberTarget

__all__ = [
    "AWS_RETRIES",
    "CLASSIC_RETRIES",
    "DEFAULT_ALARMS",
    "HEALTH_CHECK_ALARM",
    "HTTP_METHODS",
    "RATE_LIMIT_QUOTA",
    "SUBSCRIBER_ALARMS",
    "AlarmSettings",
    "ApiDelivery",
    "CustomBusDelivery",
    "CustomEventBus",
    "DeliveryAuth",
    "EventBridgeDashboard",
    "GlobalEventBus",
    "SecretParameter",
    "Subscriber",
    "SubscriberTarget",
    "ValidationError",
    "acknowledge",
    "dead_letter_queue",
    "write_event_pattern",
]


def __getattr__(name: str) -> Any:
    """``TwinValidation``, deprecated here: import it from :mod:`bridgetwin.testing`."""
    if name == "TwinValidation":
        warnings.warn(
            "bridgetwin.constructs.TwinValidation moved to bridgetwin.testing "
            "(from bridgetwin.testing import TwinValidation); the old name goes in the next "
            "release",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module("bridgetwin.testing.cdk_validation").TwinValidation
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
