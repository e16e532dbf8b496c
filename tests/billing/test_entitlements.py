"""BIL-1 / TEN-4: what a tenant is entitled to is recorded day by day, so turning an add-on
on or off, changing seats or supervisors is charged from that day."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from billing.entitlements import entitlement_snapshot, entitlements_by_day
from billing.models import AddOn, EntitlementDay


def test_the_add_on_price_list_is_seeded_as_data(db):
    fees = {a.code: (str(a.monthly_fee), a.unit) for a in AddOn.objects.all()}
    assert fees == {"ivr_transfer": ("50.00", "tenant"), "ivr_menu": ("50.00", "tenant"),
                    "voicemail": ("30.00", "tenant"), "time_of_day_routing": ("50.00", "tenant"),
                    "supervisor_monitoring": ("30.00", "supervisor_seat"), "survey": ("30.00", "tenant"),
                    "click_to_call": ("20.00", "tenant")}


def test_switching_an_add_on_on_changes_todays_entitlement_and_what_the_tenant_can_use(cast):
    from tenants.selectors import tenant_has_feature
    from tenants.services import tenant_set_feature

    a = cast.a.tenant
    today = timezone.localdate()
    tenant_set_feature(tenant=a, feature="survey", enabled=True, actor_email="op@hostline.test")
    row = EntitlementDay.objects.get(tenant=a, day=today)
    assert "survey" in row.addons and tenant_has_feature(a, "survey")
    tenant_set_feature(tenant=a, feature="voicemail", enabled=True, actor_email="op@hostline.test")
    row.refresh_from_db()
    # voicemail is part of a Professional plan: only paid for where the edition lacks it
    assert ("voicemail" in row.addons) == ("voicemail" not in a.edition.features)
    tenant_set_feature(tenant=a, feature="survey", enabled=False, actor_email="op@hostline.test")
    row.refresh_from_db()
    assert "survey" not in row.addons and not tenant_has_feature(a, "survey")  # the last change of the day wins


def test_seats_and_supervisors_are_followed_from_the_day_they_change(cast):
    from accounts.models import Role
    from accounts.services import user_update
    from tenants.services import tenant_set_seat_cap

    a = cast.a.tenant
    today = timezone.localdate()
    tenant_set_seat_cap(tenant=a, seat_cap=12, actor=cast.a.users["admin"])
    before = EntitlementDay.objects.get(tenant=a, day=today)
    assert before.seats == 12
    with tenant_context(a):
        user_update(user=cast.a.users["agent"], actor=cast.a.users["admin"], roles=[Role.AGENT, Role.SUPERVISOR])
    after = EntitlementDay.objects.get(tenant=a, day=today)
    assert after.supervisor_seats == before.supervisor_seats + 1


def test_each_day_carries_the_latest_row_at_or_before_it(cast):
    a = cast.a.tenant
    EntitlementDay.objects.filter(tenant=a).delete()
    entitlement_snapshot(tenant=a, day=date(2026, 6, 1))
    EntitlementDay.objects.filter(tenant=a, day=date(2026, 6, 1)).update(seats=10)
    entitlement_snapshot(tenant=a, day=date(2026, 6, 16))
    EntitlementDay.objects.filter(tenant=a, day=date(2026, 6, 16)).update(seats=15)
    days = entitlements_by_day(tenant=a, first=date(2026, 5, 31), last=date(2026, 6, 30))
    seats = [row.seats if row else 0 for _, row in days]
    assert seats[0] == 0  # before the first row: nothing
    assert seats[1:16] == [10] * 15 and seats[16:] == [15] * 15
    assert sum(seats) == 375 and days[-1][0] - days[0][0] == timedelta(days=30)  # seat-days in June
