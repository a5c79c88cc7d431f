"""Classic input shaping rewritten as JSONata gives the same payload: each translation is
evaluated by jsonata-python (a maintained JSONata implementation) with the event as ``$events``
(both as the event and as an array of one), and compared with a Classic input transformer written
here from EventBridge's documented rules: a placeholder inside a string is the value's text, one
outside is the value as JSON."""

from __future__ import annotations

import json
import re
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

_LIMIT = sys.getrecursionlimit()
import jsonata  # noqa: E402  (it raises the interpreter's recursion limit to 10,000 on import)

sys.setrecursionlimit(_LIMIT)  # put back: other tests rely on Python's default depth

from bridgetwin.migration.to_jsonata import (  # noqa: E402
    UntranslatableError,
    constant_expression,
    path_expression,
    template_expression,
)

EVENT = {
    "version": "0", "id": "7b0f", "source": "acme.orders", "detail-type": "OrderCreated",
    "account": "123456789012", "time": "2026-11-27T10:00:00Z", "region": "us-east-1",
    "resources": ["arn:aws:acme:order/1"],
    "detail": {"id": "o-1", "total": 120.5, "paid": True, "order-id": "A-9",
               "items": [{"sku": "X1", "qty": 2}, {"sku": "Y2", "qty": 1}],
               "customer": {"name": 'Ann "A" Lee', "tier": "gold"}},
}  # fmt: skip


def _lookup(event, path: str):
    """A JSONPath of member names and indices, read the plain way."""
    value = event
    for name, quoted, index in re.findall(r"\.([^.\[\]]+)|\['([^']*)'\]|\[(\d+)\]", path[1:]):
        key = name or quoted
        if value is None:
            return None
        value = value.get(key) if key else (value[int(index)] if int(index) < len(value) else None)
    return value


def classic(template: str, paths: dict[str, str], event: dict) -> object:
    """EventBridge's input transformer: fill each placeholder, then parse the JSON."""
    values = {name: _lookup(event, path) for name, path in paths.items()}
    values["aws.events.event"] = values["aws.events.event.json"] = event
    out, inside, at = [], False, 0
    while at < len(template):
        char = template[at]
        if char == "\\" and inside:
            out.append(template[at : at + 2])
            at += 2
            continue
        if char == '"':
            inside = not inside
        match = re.match(r"<([A-Za-z0-9_.\-]+)>", template[at:])
        if match and match.group(1) in values:
            value = values[match.group(1)]
            text = value if isinstance(value, str) else json.dumps(value)
            out.append(json.dumps(text)[1:-1] if inside else json.dumps(value))
            at += match.end()
            continue
        out.append(char)
        at += 1
    return json.loads("".join(out))


def evaluate(expression: str, event: dict, *, batch: bool) -> object:
    compiled = jsonata.Jsonata(expression)
    compiled.assign("events", [event] if batch else event)
    return compiled.evaluate(None)


TEMPLATES = [
    ('{"order": <id>, "total": <total>}', {"id": "$.detail.id", "total": "$.detail.total"}),
    ('{"text": "Order <id> for <total> EUR, paid: <paid>"}',
     {"id": "$.detail.id", "total": "$.detail.total", "paid": "$.detail.paid"}),
    ('{"first": <sku>, "lines": [<first>, <second>], "who": <customer>}',
     {"sku": "$.detail.items[0].sku", "first": "$.detail.items[0]", "second": "$.detail.items[1]",
      "customer": "$.detail.customer"}),
    ('{"kind": "<kind>", "ref": "<ref>", "name": "<name>"}',
     {"kind": "$.detail-type", "ref": "$.detail['order-id']", "name": "$.detail.customer.name"}),
    ('{"event": <aws.events.event>, "tier": "<tier>"}', {"tier": "$.detail.customer.tier"}),
    ('"Order <id> is ready"', {"id": "$.detail.id"}),
    ('[<id>, "<id>", {"nested": {"deep": <qty>}}]', {"id": "$.detail.id", "qty": "$.detail.items[1].qty"}),
]  # fmt: skip


@pytest.mark.parametrize(("template", "paths"), TEMPLATES)
@pytest.mark.parametrize("batch", [False, True], ids=["event", "array-of-one"])
def test_templates_give_classics_payload(template, paths, batch):
    expression = template_expression(template, paths)
    assert evaluate(expression, EVENT, batch=batch) == classic(template, paths, EVENT)


@pytest.mark.parametrize(
    "path", ["$", "$.detail", "$.detail.items[1].sku", "$.detail['order-id']", "$.detail-type",
             '$.detail["customer"].tier'],
)  # fmt: skip
def test_input_paths_read_what_jsonpath_reads(path):
    expected = "gold" if '"' in path else _lookup(EVENT, path)
    assert evaluate(path_expression(path), EVENT, batch=True) == expected


def test_a_constant_input_is_delivered_whatever_the_event():
    expression = constant_expression('{"kind": "order", "version": 2, "tags": ["a", null]}')
    assert evaluate(expression, EVENT, batch=False) == {"kind": "order", "version": 2,
                                                        "tags": ["a", None]}  # fmt: skip


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
                       st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.none(),
                                 st.text(alphabet="abc xyz-_.", max_size=12)),
                       min_size=1, max_size=5))  # fmt: skip
def test_any_flat_detail_round_trips(detail):
    names = sorted(detail)
    template = "{" + ", ".join(f'"{n}": <{n}>, "{n}_text": "[<{n}>]"' for n in names) + "}"
    paths = {n: f"$.detail.{n}" for n in names}
    event = {**EVENT, "detail": detail}
    expected = classic(template, paths, event)
    assert evaluate(template_expression(template, paths), event, batch=True) == expected


@pytest.mark.parametrize(
    ("call", "words"),
    [(lambda: path_expression("$.detail.*"), "wildcard"),
     (lambda: path_expression("$..id"), "no *, .."),
     (lambda: path_expression("detail.id"), "does not start"),
     (lambda: template_expression('{"r": "<aws.events.rule-name>"}', {}), "rule's name"),
     (lambda: template_expression('{"r": <missing>}', {}), "not in InputPathsMap"),
     (lambda: template_expression("Order <id> ready", {"id": "$.id"}), "not JSON"),
     (lambda: constant_expression("{not json"), "not valid JSON")],
)  # fmt: skip
def test_what_does_not_translate_says_why(call, words):
    with pytest.raises(UntranslatableError, match=re.escape(words)):
        call()
