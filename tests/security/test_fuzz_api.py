"""Schemathesis against our own OpenAPI schema: every operation of the tenant API gets
generated requests (bounded examples) from a signed-in tenant admin. No answer may be a
5xx, and a refused request (4xx) must have written nothing: the transaction's own write
counters (pg_stat_xact_user_tables) for the tenant's tables do not move — apart from the
audit log, which records refusals on purpose (a denied recording access, say)."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

pytestmark = pytest.mark.django_db
# per operation: ~850 generated requests in all; FUZZ_EXAMPLES=50 for a longer hunt
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))


def _schema():
    from drf_spectacular.generators import SchemaGenerator

    raw = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))


SCHEMA = _schema()
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}
AUDITED_REFUSALS = {"accounts_auditevent", "accounts_apitoken"}  # the audit log; a token's last-used stamp


def _writes(schema: str) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute("""SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables
                       WHERE schemaname = %s""", [schema])
        return {t: n for t, n in cur.fetchall() if n}


def _send(client, case):
    from urllib.parse import urlencode

    kwargs = {"QUERY_STRING": urlencode(case.query, doseq=True)} if case.query else {}
    method = case.method.lower()
    body = None if isinstance(case.body, NotSet) else case.body
    if body is None or method in ("get", "delete") and not body:
        return getattr(client, method)(case.formatted_path, **kwargs)
    if case.media_type and "json" in case.media_type:
        return getattr(client, method)(case.formatted_path, json.dumps(body), content_type="application/json",
                                       **kwargs)
    data = {k: (v if isinstance(v, str | bytes) else json.dumps(v)) for k, v in body.items()} \
        if isinstance(body, dict) else {"file": str(body)}
    return client.generic(method.upper(), case.formatted_path, json.dumps(data), content_type="application/json",
                          **kwargs)


def test_every_operation_is_fuzzed():
    assert len(OPERATIONS) > 150  # the schema really lists the API


@pytest.mark.parametrize("label", sorted(OPERATIONS))
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_requests_get_no_5xx_and_refusals_write_nothing(cast, label, data):
    client = cast.a.api(cast.a.token("admin"))
    case = data.draw(OPERATIONS[label].as_strategy(), label="case")
    schema = cast.a.tenant.schema_name
    before = _writes(schema)
    resp = _send(client, case)
    connection.set_schema_to_public()
    assert resp.status_code < 500, (label, case.formatted_path, case.query, case.body, resp.content[:300])
    if 400 <= resp.status_code < 500:
        changed = {t for t, n in _writes(schema).items() if n != before.get(t, 0)} - AUDITED_REFUSALS
        assert not changed, (label, resp.status_code, case.body, changed)
        if resp.get("Content-Type", "").startswith("application/json"):
            assert resp.json()["error"]["message"], (label, resp.content[:200])  # a message a person can act on

