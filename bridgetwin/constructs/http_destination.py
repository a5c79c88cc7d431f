"""The connection and API destination of an HTTPS delivery: created from an endpoint and an
authorization, created on an existing connection, or shared (an existing API destination, whose
rate limit the deliveries then share, as AWS does). ``ApiDelivery`` (a Classic rule's target)
and ``CustomBusDelivery`` (a Custom Event Bus subscriber's) both take them so; their props are
checked first by ``_api_delivery_checks.check_destination_props``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_events as events
from constructs import Construct

from bridgetwin.constructs._api_delivery_checks import RATE_LIMIT_QUOTA
from bridgetwin.constructs.http_parameters import bind_parameters


def http_destination(
    scope: Construct, props: Mapping[str, Any]
) -> tuple[events.IConnection | None, events.IApiDestination]:
    """(connection, API destination) from a delivery's props: ``api_destination`` as given,
    else a new one on ``connection`` or on a new connection from ``authorization``."""
    connection, destination = props["connection"], props["api_destination"]
    if destination is not None:
        return connection, destination
    endpoint, name, method = props["endpoint"], props["name"], props["http_method"] or "POST"
    if connection is None:
        connection = events.Connection(
            scope,
            "Connection",
            authorization=props["authorization"]._bind(),
            connection_name=f"{name}-connection" if name else None,
            description=f"Authorization for {endpoint}",
            header_parameters=bind_parameters(props["connection_header_parameters"]),
            query_string_parameters=bind_parameters(props["connection_query_string_parameters"]),
            body_parameters=bind_parameters(props["connection_body_parameters"]),
        )
    destination = events.ApiDestination(
        scope,
        "ApiDestination",
        connection=connection,
        endpoint=endpoint,
        http_method=events.HttpMethod(method),
        rate_limit_per_second=props["rate_limit_per_second"] or RATE_LIMIT_QUOTA,
        api_destination_name=name,
        description=f"{method} {endpoint}",
    )
    return connection, destination
