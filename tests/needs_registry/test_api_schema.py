"""Schemathesis against the open-data API's own OpenAPI schema."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from needs_registry import services
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def keep_connection():
    """Serve requests in-process without closing the test's database connection
    (as Django's own test client does)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_api_answers_match_the_schema(keep_connection, settings):
    # Every operation's examples together pass the per-minute API limit.
    settings.RATE_LIMITS = {"api": (100_000, 60)}
    lead = UserFactory(organisation=OrganisationFactory(slug="pori"))
    need = services.need_create(
        actor=lead,
        data={"title": "Avoin tarve", "problem": "p", "desired_outcome": "o", "domain": "ict"},
    )
    need.status = "submitted"
    need.save()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == {
        "/api/needs",
        "/api/needs/{need_id}",
        "/api/budget",
        "/api/budget/shares",
        "/api/meetings",
        "/api/decisions",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        def check(case):
            case.call_and_validate()

        check()
