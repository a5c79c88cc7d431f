"""Templates of the Custom Event Bus (``AWS::EventsV2::*``) shaped like real deployments: a bus
with retention, a connection and an API destination, a subscriber with a DATA filter and an
on-failure queue, and, where asked, a Classic bus and rule beside them."""

from __future__ import annotations

import copy
from typing import Any

ORDER_FILTER = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}


def subscriber(target: Any, **props: Any) -> dict[str, Any]:
    """An ``AWS::EventsV2::Subscriber`` on the ``Orders`` bus delivering to ``target``."""
    base = {
        "Name": "webhook",
        "EventBusArn": {"Fn::GetAtt": ["Orders", "EventBusArn"]},
        "FilterConfiguration": {"Filters": [
            {"Scope": "DATA", "Pattern": __import__("json").dumps(ORDER_FILTER)}]},
        "InvokeConfiguration": {"TargetArn": target,
                                "RoleArn": {"Fn::GetAtt": ["DeliveryRole", "Arn"]}},
        "OnFailureConfiguration": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
    }  # fmt: skip
    base.update(props)
    return {"Type": "AWS::EventsV2::Subscriber", "Properties": base}


def custom_bus_template(
    *, rate: int = 300, retention: int = 7, subscribers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The bus ``orders`` (``Orders``), API destination ``Partner`` at ``rate``/s, ``Dlq``, and
    ``subscribers`` (default: ``Webhook``, to the partner, on AWS's retry defaults)."""
    resources: dict[str, Any] = {
        "Orders": {"Type": "AWS::EventsV2::EventBus", "Properties": {
            "Name": "orders", "StorageConfiguration": {"RetentionPeriodInDays": retention}}},
        "Connection": {"Type": "AWS::Events::Connection", "Properties": {
            "AuthorizationType": "API_KEY", "AuthParameters": {"ApiKeyAuthParameters": {
                "ApiKeyName": "x-api-key",
                "ApiKeyValue": "{{resolve:secretsmanager:partner:SecretString:key}}"}}}},
        "Partner": {"Type": "AWS::Events::ApiDestination", "Properties": {
            "ConnectionArn": {"Fn::GetAtt": ["Connection", "Arn"]},
            "InvocationEndpoint": "https://partner.example.com/orders",
            "HttpMethod": "POST", "InvocationRateLimitPerSecond": rate}},
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "DeliveryRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": [{
                "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "deliver", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": "events:InvokeApiDestination",
                 "Resource": {"Fn::GetAtt": ["Partner", "Arn"]}},
                {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                 "Resource": {"Fn::GetAtt": ["Dlq", "Arn"]}}]}}]}},
    }  # fmt: skip
    if subscribers is None:
        subscribers = {"Webhook": subscriber({"Fn::GetAtt": ["Partner", "Arn"]})}
    resources.update(copy.deepcopy(subscribers))
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def classic_rule(target: Any, *, bus: str = "Legacy", **props: Any) -> dict[str, Any]:
    """A Classic rule on ``bus`` matching the orders, delivering to ``target``."""
    base = {
        "EventBusName": {"Ref": bus},
        "EventPattern": ORDER_FILTER,
        "Targets": [{"Id": "Out", "Arn": target,
                     "RoleArn": {"Fn::GetAtt": ["DeliveryRole", "Arn"]}}],
    }  # fmt: skip
    base.update(props)
    return {"Type": "AWS::Events::Rule", "Properties": base}
