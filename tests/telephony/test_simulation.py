"""The simulator drives the real webhook path; its summary is honest and the ACD holds up."""

import pytest
from django.db import connection

from tests.telephony.conftest import build_center


def test_a_simulated_morning_has_no_double_offers_and_no_lost_calls(django_db_setup, django_db_blocker):
    from django_tenants.utils import tenant_context

    from telephony.models import ACTIVE_STATUSES, Call, Offer
    from telephony.sandbox.simulation import Simulation

    center = build_center(django_db_blocker)
    with django_db_blocker.unblock():
        result = Simulation(tenant=center.tenant, calls=40, agents=5, seed=7).run()
        with tenant_context(center.tenant):
            calls = Call.objects.filter(sim_run=result["run"])
            assert calls.count() == 40 and not calls.filter(status__in=ACTIVE_STATUSES).exists()
            assert result["answered"] == calls.filter(outcome="answered").count()
            assert Offer.objects.filter(call__sim_run=result["run"], status="pending").count() == 0
            # Bots never took a seat and never took a real call.
            assert not Call.objects.filter(sim_run="", agent__is_bot=True).exists()
        connection.set_schema_to_public()
    assert result["double_offers"] == 0 and result["lost_calls"] == 0
    assert result["webhook_errors"] == 0
    assert result["offered"] == 40 and result["answered"] + result["abandoned"] == 40
    assert result["answered"] >= 30  # 5 agents at ~85 % load answer most callers
    assert 0 <= result["asa_s"] < 120 and 0 < result["service_level"] <= 1
    assert result["webhook_p99_ms"] > 0 and result["routing_p99_ms"] > 0


def test_a_second_simulation_on_the_same_tenant_waits_its_turn(django_db_setup, django_db_blocker):
    from django_tenants.utils import tenant_context

    from telephony.sandbox.simulation import Simulation, SimulationBusy

    center = build_center(django_db_blocker)
    with django_db_blocker.unblock():
        import psycopg
        from django.db import connection as conn

        params = conn.get_connection_params()
        with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
            other.execute("SELECT pg_advisory_lock(hashtext(%s))", [f"simulate:{center.tenant.schema_name}"])
            with pytest.raises(SimulationBusy):
                Simulation(tenant=center.tenant, calls=1, agents=1).run()
        with tenant_context(center.tenant):
            from telephony.models import Call

            assert not Call.objects.exists()
        connection.set_schema_to_public()


def test_a_simulated_day_follows_the_day_shape_and_ends_by_now(django_db_setup, django_db_blocker):
    """The 'day' profile: yesterday-to-now history for WFM and the load bench — calls at the
    shape's hours only (none at night), spread over the day, all finished before now."""
    from datetime import UTC, datetime, timedelta

    from django_tenants.utils import tenant_context

    from telephony.models import ACTIVE_STATUSES, Call
    from telephony.sandbox.simulation import DAY_SHAPE, Simulation

    center = build_center(django_db_blocker)
    with django_db_blocker.unblock():
        result = Simulation(tenant=center.tenant, calls=36, agents=3, seed=5, profile="day").run()
        with tenant_context(center.tenant):
            calls = list(Call.objects.filter(sim_run=result["run"]).values_list("arrived_at", "status"))
        connection.set_schema_to_public()
    now = datetime.now(UTC)
    hours = {started.astimezone(UTC).hour for started, _ in calls}
    assert len(calls) == 36 and not [s for _, s in calls if s in ACTIVE_STATUSES]
    assert all(DAY_SHAPE[h] > 0 for h in hours), hours  # nobody calls at night
    assert len(hours) >= 8  # spread over the day, not bunched in one busy hour
    # The day starts on the hour at or before now − 24.5 h, so up to 25.5 h ago (e.g. 07:00 yesterday at 08:20).
    assert min(s for s, _ in calls) >= now - timedelta(hours=25, minutes=30) and max(s for s, _ in calls) < now
    assert result["simulated_s"] > 12 * 3600 and result["double_offers"] == 0 and result["lost_calls"] == 0


def test_an_unknown_traffic_profile_is_refused(django_db_setup, django_db_blocker):
    from telephony.sandbox.simulation import Simulation

    center = build_center(django_db_blocker)
    with pytest.raises(ValueError, match="Unknown traffic profile 'week'"):
        Simulation(tenant=center.tenant, calls=1, agents=1, profile="week")
