"""Opening hours and holidays (TEL-5), company-wide or per queue, edited by tenant admins."""

from __future__ import annotations

from datetime import date, time

from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from telephony.models import BusinessHours, Holiday, Queue

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@transaction.atomic
def hours_set(*, queue: Queue | None, week: list[tuple[int, time, time]], actor: User | None = None) -> int:
    """Replace the week's opening hours (of a queue, or the company's when `queue` is None).
    Every row is checked first; one bad row changes nothing."""
    problems = {}
    for weekday, opens, closes in week:
        if not 0 <= weekday <= 6:
            problems[f"weekday_{weekday}"] = ["Choose a day from Monday to Sunday."]
        elif opens >= closes:
            problems[f"day_{weekday}"] = [f"{DAYS[weekday]}: closing time must be after opening time."]
    if problems:
        first = next(iter(problems.values()))[0]
        raise ServiceError("invalid", first, problems)
    BusinessHours.objects.filter(queue=queue).delete()
    BusinessHours.objects.bulk_create(BusinessHours(queue=queue, weekday=d, opens=o, closes=c) for d, o, c in week)
    audit_record(actor=actor, action="hours.set", target=queue,
                 summary=f"Opening hours of {queue.name if queue else 'the company'} set ({len(week)} days open)")
    return len(week)


@transaction.atomic
def holiday_add(*, day: date, name: str, queue: Queue | None = None, actor: User | None = None) -> Holiday:
    name = (name or "").strip()
    if not name:
        raise field_error("name", "Give the holiday a name.")
    if Holiday.objects.filter(date=day, queue=queue).exists():
        msg = f"{day:%Y-%m-%d} is already a holiday{' for ' + queue.name if queue else ''}."
        raise ServiceError("holiday_exists", msg, {"date": [msg]}, status_code=409)
    holiday = Holiday.objects.create(date=day, name=name[:80], queue=queue)
    audit_record(actor=actor, action="holiday.add", target=holiday, summary=f"Holiday {day:%Y-%m-%d} {name}")
    return holiday


@transaction.atomic
def holiday_remove(*, holiday: Holiday, actor: User | None = None) -> None:
    audit_record(actor=actor, action="holiday.remove", target=holiday,
                 summary=f"Holiday {holiday.date:%Y-%m-%d} {holiday.name} removed")
    holiday.delete()
