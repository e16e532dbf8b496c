"""The case state machine (CRM-3) as data. Pure. (Promised reply times are per tenant, in
`CaseTypeSetting`.)"""

from __future__ import annotations

from crm.models import CaseState as S

TRANSITIONS: dict[str, set[str]] = {
    S.NEW: {S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED},
    S.ASSIGNED: {S.IN_PROGRESS, S.RESOLVED},
    S.IN_PROGRESS: {S.RESOLVED},
    S.RESOLVED: {S.FOLLOW_UP, S.CLOSED, S.IN_PROGRESS},  # reopening goes back to work
    S.FOLLOW_UP: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: set(),
}
OPEN_STATES = (S.NEW, S.ASSIGNED, S.IN_PROGRESS)


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, set())


def illegal_message(current: str, target: str) -> str:
    nexts = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "nothing (it is closed)"
    return f"A case that is {S(current).label.lower()} cannot become {S(target).label.lower()}; it can go to: {nexts}."
