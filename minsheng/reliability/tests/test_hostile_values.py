"""Every parameter and JSON field of the API, one hostile value at a time: never a 5xx (issue #17 item 8).

The random search (test_schemathesis.py) cannot draw some values: its strings are valid UTF-8, so never a
lone surrogate, and it rarely lands on a calendar's edge. This walk is deterministic and reads the same
OpenAPI document: for each operation, each query parameter and each JSON property gets each value of its
kind below, the rest of the body minimal, as an anonymous caller and as the town's staff. A new endpoint or
field is covered the day it is added.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

HUGE = 10**20
# Values a query string can carry (it is always text).
QUERY_VALUES = [str(HUGE), str(-HUGE), "1000000", "-1000000", "0", "9999", "0000", "9999-12-31", "0001-01-01",
                "2026-13-45", "0000-00-00T00:00:00", "9999-12", "9999-Q4", "\u3000", "' OR 1=1 --"]
# Values of a JSON body, by the kind the schema declares.
JSON_VALUES = {
    "string": ["\ud800", "a\udfffb", "9999-12-31", "0001-01-01", "2026-13-45", "0000-00-00T00:00:00", "", " "],
    "integer": [HUGE, -HUGE, 10**6, -(10**6), 0],
    "number": [HUGE, -HUGE, 1e308, -1e308],
    "boolean": [None],
    "array": [[HUGE], ["\ud800"], [None], [[]]],
    "object": [{"\ud800": 1}, {"x": HUGE}],
}
CALLERS = ("anonymous", "demo-town")
# Plausible values for the other query parameters, so that the hostile one reaches the code that reads it
# instead of stopping at a missing scope or an unknown community.
GOOD_QUERY = {"scope": "湖塘镇", "period": "2026-10", "month": "2026-10", "town": "湖塘镇", "community": "采菱社区"}


def _schema() -> dict:
    from minsheng.api import api

    return api.get_openapi_schema()


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _kind(schema: dict, node: dict) -> str:
    node = _resolve(schema, node)
    if "type" in node:
        return node["type"]
    for option in node.get("anyOf", []):
        kind = _resolve(schema, option).get("type")
        if kind and kind != "null":
            return kind
    return "string"


MINIMAL = {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}


def _operations():
    """(label, method, url, [(query, body), …]) for every operation of the API."""
    schema = _schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            url = path
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    url = url.replace("{" + param["name"] + "}", "1")
            names = [param["name"] for param in op.get("parameters", []) if param["in"] == "query"]
            good = {name: GOOD_QUERY[name] for name in names if name in GOOD_QUERY}
            calls = [({**good, name: value}, None) for name in names for value in QUERY_VALUES]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                node = _resolve(schema, body["schema"])
                properties = node.get("properties", {})
                minimal = {name: MINIMAL[_kind(schema, properties[name])] for name in node.get("required", [])
                           if name in properties}
                calls += [(None, {**minimal, name: value}) for name, prop in properties.items()
                          for value in JSON_VALUES.get(_kind(schema, prop), [])]
            if calls:
                yield pytest.param(method, url, calls, id=f"{method.upper()} {path}")


@pytest.mark.parametrize(("method", "url", "calls"), list(_operations()))
def test_no_hostile_value_is_a_server_error(demo_territory, bearer, settings, method, url, calls):
    settings.MINSHENG_ANON_INTAKE_LIMIT = 10**6
    settings.MINSHENG_TRACK_LIMIT = 10**6
    client = Client(raise_request_exception=False)
    headers = {"anonymous": {}, "demo-town": bearer("demo-town")}
    failures = []
    for query, body in calls:
        for caller in CALLERS:
            if body is None:
                response = getattr(client, method)(url, data=query, **headers[caller])
            else:
                # ensure_ascii keeps a lone surrogate as the JSON escape a hostile client would send
                response = getattr(client, method)(url, data=json.dumps(body, ensure_ascii=True),
                                                   content_type="application/json", **headers[caller])
            content = b"".join(response.streaming_content) if response.streaming else response.content
            bad = response.status_code >= 500 or (
                response.status_code >= 400 and response["Content-Type"].startswith("application/json")
                and not json.loads(content).get("detail"))
            if bad:
                failures.append((caller, query or body, response.status_code, content[:200]))
    assert not failures, failures
