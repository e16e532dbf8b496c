"""Demo workforce planning: a planner, three shift templates and four weeks of call history
on the General queue, so a forecast and a schedule can be made at once (idempotent)."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PLANNER_EMAIL = "planner@demo.local"


def seed_demo_wfm(admin, password: str) -> bool:
    from django.db import connection

    from accounts.models import Role, User
    from accounts.services import user_create_active
    from telephony.models import Call, Queue
    from wfm.models import ShiftTemplate
    from wfm.services.schedules import template_save

    if ShiftTemplate.objects.exists():
        return False
    if not User.objects.filter(email=PLANNER_EMAIL).exists():
        user_create_active(email=PLANNER_EMAIL, password=password, full_name="Pat Planner", roles=[Role.WFM_PLANNER])
    template_save(name="Early 8 h", starts=["07:00", "07:30", "08:00", "08:30"], length_min=480,
                  breaks=[{"kind": "break", "after_min": 120, "length_min": 15, "flex_min": 30},
                          {"kind": "lunch", "after_min": 240, "length_min": 30, "flex_min": 45},
                          {"kind": "break", "after_min": 360, "length_min": 15, "flex_min": 30}], by=admin)
    template_save(name="Late 8 h", starts=["11:00", "12:00", "13:00"], length_min=480,
                  breaks=[{"kind": "lunch", "after_min": 240, "length_min": 30, "flex_min": 45}], by=admin)
    template_save(name="Part-time 4 h", starts=["09:00", "10:00", "11:00", "14:00", "16:00"], length_min=240,
                  breaks=[{"kind": "break", "after_min": 120, "length_min": 15, "flex_min": 30}], by=admin)
    queue = Queue.objects.filter(name="General").first() or Queue.objects.order_by("pk").first()
    if queue is None:
        return True
    zone = ZoneInfo(connection.tenant.timezone or "UTC")
    rng = random.Random(7)  # noqa: S311 - demo data
    today = datetime.now(zone).date()
    rows = []
    for d in range(1, 29):
        day = today - timedelta(days=d)
        weight = [1.0, 0.95, 0.9, 0.9, 0.85, 0.45, 0.25][day.weekday()]
        for minute in range(8 * 60, 20 * 60, 15):
            hour = minute / 60
            rate = 9 * weight * (math.exp(-((hour - 10.5) ** 2) / 4) + 0.8 * math.exp(-((hour - 15) ** 2) / 5))
            for _ in range(max(0, round(rate + rng.gauss(0, 1)))):
                t = datetime.combine(day, time.min, zone) + timedelta(minutes=minute + rng.random() * 15)
                talk = rng.uniform(120, 300)
                wait = rng.uniform(0, 40)
                rows.append(Call(sid=f"CAdemowfm{len(rows):06d}", ani=f"+1555700{rng.randint(1000, 9999)}",
                                 queue=queue, queued_at=t, arrived_at=t, answered_at=t + timedelta(seconds=wait),
                                 ended_at=t + timedelta(seconds=wait + talk), status="ended", outcome="answered",
                                 wait_s=wait, talk_s=talk, hold_s=0, acw_s=rng.uniform(5, 30)))
    Call.objects.bulk_create(rows, batch_size=2000)
    return True
