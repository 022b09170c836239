"""Schema-driven testing of the whole JSON API (/api/v1/openapi.json) with schemathesis, in process.

Every generated request is sent three times: anonymous, as demo-town and as demo-cailing (bearer
tokens). Checks: no server error (a 5xx is always a bug) and every documented answer matches its
schema. Bounded: MAX_EXAMPLES per operation, no deadline, no example database.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("MINSHENG_SCHEMATHESIS_EXAMPLES", "50"))
# CI draws a fixed set of examples (a red build means a change broke something); MINSHENG_EXPLORE=1 draws
# new ones each run, for a search by hand.
EXPLORE = os.environ.get("MINSHENG_EXPLORE") == "1"
CALLERS = ("anonymous", "demo-town", "demo-cailing")


@pytest.fixture
def in_process(db):
    """Call the WSGI app inside the test's transaction, as Django's test client does: the request
    signals must not close the connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api(in_process, demo_territory, settings):
    # Throttles are tested elsewhere; here they would only hide the endpoints behind 429s.
    settings.MINSHENG_ANON_INTAKE_LIMIT = 10**6
    settings.MINSHENG_TRACK_LIMIT = 10**6


@pytest.fixture
def caller_headers(api, bearer):
    out = {"anonymous": {}}
    for username in CALLERS[1:]:
        out[username] = {"Authorization": bearer(username)["HTTP_AUTHORIZATION"]}
    return out


def _load_schema():
    from minsheng.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# One pytest test per operation (schemathesis' own pytest plugin does not run on this pytest version),
# each in its own database transaction with the demo town loaded.
SCHEMA = _load_schema()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_conforms_to_its_schema(operation, caller_headers):
    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=not EXPLORE)
    def run(case):
        for caller in CALLERS:
            case.call_and_validate(headers=caller_headers[caller],
                                   checks=[not_a_server_error, response_schema_conformance])

    run()


def test_every_api_path_is_exercised():
    paths = {op.path for op in OPERATIONS}
    assert {"/api/v1/demands", "/api/v1/auth/token", "/api/v1/territory"} <= paths
