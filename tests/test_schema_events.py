"""Events from schemas: every event is valid against its schema by an independent validator
(the ``jsonschema`` library), registry documents give whole events with their envelope, and a
calibration shapes its traffic by the templates' schemas while still matching the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.calibration import CalibrationError, MetricKey, Recording, calibrate
from bridgetwin.calibration.schema_events import event_from_schema, read_schema_file
from bridgetwin.graph import load_graph

ORDER = {
    "type": "object",
    "required": ["orderId", "amount", "currency", "items", "createdAt"],
    "properties": {
        "orderId": {"type": "string", "format": "uuid"},
        "amount": {"type": "number", "minimum": 0, "maximum": 5000},
        "currency": {"type": "string", "enum": ["EUR", "USD"]},
        "items": {"type": "array", "minItems": 2, "items": {"$ref": "#/components/schemas/Item"}},
        "createdAt": {"type": "string", "format": "date-time"},
        "customer": {"type": "object", "properties": {
            "id": {"type": "string", "minLength": 6, "maxLength": 6},
            "vip": {"type": "boolean"}}},
    },
}  # fmt: skip
ITEM = {"type": "object", "properties": {"sku": {"type": "string", "example": "SKU-123"},
                                         "quantity": {"type": "integer", "minimum": 1,
                                                      "maximum": 10}}}  # fmt: skip
REGISTRY = {  # the shape of a schema registry's OpenAPI 3 document
    "openapi": "3.0.0",
    "info": {"version": "1.0.0", "title": "OrderCreated"},
    "paths": {},
    "components": {"schemas": {
        "AWSEvent": {
            "type": "object",
            "required": ["detail-type", "source", "detail"],
            "x-amazon-events-detail-type": "OrderCreated",
            "x-amazon-events-source": ["acme.orders"],
            "properties": {
                "detail": {"$ref": "#/components/schemas/OrderCreated"},
                "detail-type": {"type": "string"}, "source": {"type": "string"},
                "time": {"type": "string", "format": "date-time"},
            },
        },
        "OrderCreated": ORDER, "Item": ITEM}},
}  # fmt: skip


def _validator(document: dict, name: str) -> jsonschema.Draft4Validator:
    """The named schema of the document, its $refs resolved within it."""
    schema = {**document["components"]["schemas"][name], "components": document["components"]}
    return jsonschema.Draft4Validator(schema)


def test_a_registry_document_gives_a_valid_whole_event():
    event = event_from_schema(REGISTRY, "OrderCreated")
    assert event["source"] == "acme.orders" and event["detail-type"] == "OrderCreated"
    _validator(REGISTRY, "OrderCreated").validate(event["detail"])
    assert len(event["detail"]["items"]) == 2 and event["detail"]["items"][0]["sku"] == "SKU-123"
    assert event == event_from_schema(REGISTRY, "OrderCreated")  # the same schema, the same event
    assert len(json.dumps(event)) > 200  # a payload of the producer's size, not a stub


def test_a_detail_schema_is_wrapped_and_a_registry_answer_is_unwrapped(tmp_path):
    detail = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
              "x-amazon-events-source": "acme.billing",
              "x-amazon-events-detail-type": "InvoicePaid",
              "properties": {"invoice": {"type": "string", "minLength": 10, "maxLength": 10},
                             "total": {"type": "integer", "minimum": 100, "maximum": 200}}}  # fmt: skip
    path = tmp_path / "described.json"
    path.write_text(json.dumps({"SchemaName": "InvoicePaid", "Type": "JSONSchemaDraft4",
                                "Content": json.dumps(detail)}))  # fmt: skip
    event = event_from_schema(read_schema_file(path), "InvoicePaid")
    assert event["source"] == "acme.billing" and event["detail-type"] == "InvoicePaid"
    jsonschema.Draft4Validator(detail).validate(event["detail"])


LEAVES = st.one_of(
    st.builds(lambda lo, w: {"type": "integer", "minimum": lo, "maximum": lo + w},
              st.integers(-100, 100), st.integers(0, 50)),
    st.builds(lambda lo, w: {"type": "number", "minimum": lo, "maximum": lo + w},
              st.floats(-1e3, 1e3), st.floats(0.1, 1e3)),
    st.builds(lambda lo, w: {"type": "string", "minLength": lo, "maxLength": lo + w},
              st.integers(0, 30), st.integers(0, 30)),
    st.sampled_from([{"type": "boolean"}, {"type": "null"}, {"type": "string", "format": "uuid"},
                     {"type": "string", "format": "date-time"}, {"enum": ["a", 1, None]},
                     {"type": ["null", "integer"], "minimum": 3, "maximum": 3}]),
)  # fmt: skip
SCHEMAS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda props: {"type": "object", "properties": props, "required": list(props)},
                  st.dictionaries(st.text("abcdef", min_size=1, max_size=5), inner, max_size=4)),
        st.builds(lambda items, n: {"type": "array", "items": items, "minItems": n},
                  inner, st.integers(0, 3)),
        st.builds(  # parts with their own properties: together always satisfiable
            lambda a, b: {"allOf": [{"type": "object", "properties": a},
                                    {"type": "object", "properties": b}]},
            st.dictionaries(st.text("xyz", min_size=1, max_size=3), inner, max_size=2),
            st.dictionaries(st.text("uvw", min_size=1, max_size=3), inner, max_size=2)),
    ),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(schema=SCHEMAS)
def test_every_drawn_detail_is_valid_against_its_schema(schema):
    event = event_from_schema({"type": "object", "properties": {"detail": schema}}, "s")
    jsonschema.Draft4Validator(schema).validate(event["detail"])


TEMPLATE = {"Resources": {
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
    "Q": {"Type": "AWS::SQS::Queue"},
    "OrderSchema": {"Type": "AWS::EventSchemas::Schema", "Properties": {
        "RegistryName": "shop", "SchemaName": "acme.orders@OrderCreated", "Type": "OpenApi3",
        "Content": json.dumps(REGISTRY)}},
    "BigOrders": {"Type": "AWS::Events::Rule", "Properties": {
        "Name": "big-orders", "EventBusName": {"Ref": "Bus"},
        "EventPattern": {"source": ["acme.orders"],
                         "detail": {"amount": [{"numeric": [">=", 6000]}]}},
        "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Q", "Arn"]}}]}}}}  # fmt: skip


def test_calibrated_traffic_takes_the_templates_schema_and_the_rules_fields():
    """The schema's amounts stop at 5,000 and the rule wants 6,000 or more: the event keeps the
    schema's shape (ids, items, dates) with the amount the rule requires."""
    graph = load_graph(TEMPLATE)
    assert [s.name for s in graph.schemas] == ["acme.orders@OrderCreated"]
    key = MetricKey.of("AWS/Events", "MatchedEvents", "Sum", EventBusName="orders",
                       RuleName="big-orders")  # fmt: skip
    recording = Recording(datetime(2026, 11, 27, 8, tzinfo=UTC), 60, {key: np.full(5, 120.0)})
    calibration = calibrate(graph, recording)
    (traffic,) = calibration.scenario["traffic"]
    (event,) = [e["event"] for e in traffic["events"]]
    assert event["detail"]["amount"] >= 6000 and event["detail"]["currency"] == "EUR"
    assert len(event["detail"]["items"]) == 2 and event["detail-type"] == "OrderCreated"
    assert "event from the schema acme.orders@OrderCreated" in calibration.provenance[0]
    assert graph.rules[0].pattern.matches({**event, "account": "1", "region": "us-east-1"})


def test_all_of_meets_every_part_of_a_shared_property():
    schema = {"allOf": [
        {"type": "object", "required": ["x"],
         "properties": {"x": {"type": "integer", "minimum": 0, "maximum": 0}}},
        {"type": "object", "properties": {"x": {"type": "integer", "minimum": -5, "maximum": 9},
                                          "y": {"type": "string", "maxLength": 3}}}]}  # fmt: skip
    detail = event_from_schema({"properties": {"detail": schema}}, "a")["detail"]
    assert detail["x"] == 0 and len(detail["y"]) == 3
    jsonschema.Draft4Validator(schema).validate(detail)


def test_a_bad_schema_file_is_named(tmp_path):
    from bridgetwin.calibration import CalibrationError

    path = tmp_path / "s.json"
    path.write_text("[1, 2]")
    with pytest.raises(CalibrationError, match="expected a JSON Schema or OpenAPI 3 object"):
        read_schema_file(path)
    broken = {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/Nope"}}}
    with pytest.raises(CalibrationError, match="names nothing"):
        event_from_schema(broken, "b")


def test_calibrate_takes_schema_files_on_the_command_line(tmp_path):
    """``calibrate --schema FILE``: a registry answer's schema shapes the traffic's event."""
    from typer.testing import CliRunner

    from bridgetwin.calibration import metric_data_output
    from bridgetwin.cli import app

    template = {**TEMPLATE, "Resources": {k: v for k, v in TEMPLATE["Resources"].items()
                                          if k != "OrderSchema"}}  # fmt: skip
    key = MetricKey.of("AWS/Events", "MatchedEvents", "Sum", EventBusName="orders",
                       RuleName="big-orders")  # fmt: skip
    recording = Recording(datetime(2026, 11, 27, 8, tzinfo=UTC), 60, {key: np.full(5, 120.0)})
    (tmp_path / "t.json").write_text(json.dumps(template))
    (tmp_path / "m.json").write_text(json.dumps(metric_data_output(recording)))
    (tmp_path / "OrderCreated.json").write_text(json.dumps({"Content": json.dumps(REGISTRY)}))
    out = CliRunner().invoke(app, ["calibrate", str(tmp_path / "t.json"), "--metrics",
                                   str(tmp_path / "m.json"), "--schema",
                                   str(tmp_path / "OrderCreated.json")])  # fmt: skip
    assert out.exit_code == 0, out.output
    scenario = yaml.safe_load(out.stdout)
    (event,) = [e["event"] for e in scenario["traffic"][0]["events"]]
    assert event["detail"]["amount"] >= 6000 and len(event["detail"]["items"]) == 2
    assert "(event from the schema OrderCreated)" in out.stdout


@pytest.mark.parametrize("schema", [
    {"minLength": 637_396_722},
    {"type": "array", "minItems": 10**9},
    {"type": "array", "minItems": 100_000, "items": {"type": "array", "minItems": 100_000}},
])  # fmt: skip
def test_a_schema_larger_than_any_event_is_refused_not_drawn(schema):
    """Found by the fuzz layer: drawing these hung (a 637-million-character string)."""
    with pytest.raises(CalibrationError, match="more than an entry holds"):
        event_from_schema(schema, "huge")
