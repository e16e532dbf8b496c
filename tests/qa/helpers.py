"""Calls with recordings and a QA analyst, built in a test tenant."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

_seq = itertools.count(1)


def analyst(center, name: str = "analyst"):
    from accounts.models import Role
    from accounts.services import user_create_active
    from tests.conftest import PASSWORD

    with center.in_tenant():
        center.users[name] = user_create_active(email=f"{name}@{center.host}", password=PASSWORD,
                                                roles=[Role.QA_ANALYST])
    return center.users[name]


def recorded_call(center, who: str = "agent1", *, at: datetime | None = None, talk: float = 120.0,
                  transfers: int = 0):
    """An answered call of `who` with a completed recording of its length."""
    from telephony import clock
    from telephony.models import Call, Queue, Recording

    n = next(_seq)
    at = at or clock.now() - timedelta(hours=1)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        call = Call.objects.create(sid=f"CAqa{n:07d}", ani="+15550005000", queue=q, queued_at=at, arrived_at=at,
                                   answered_at=at, ended_at=at + timedelta(seconds=talk), status="ended",
                                   outcome="answered", wait_s=0, talk_s=talk, hold_s=0, acw_s=0,
                                   agent=center.users[who], transfer_count=transfers)
        Recording.objects.create(sid=f"REqa{n:07d}", call=call, agent=center.users[who], status="completed",
                                 duration_s=int(talk), started_at=at, completed_at=at + timedelta(seconds=talk))
    return call


SIMPLE = [{"title": "Accuracy", "weight": 60, "items": [
              {"text": "Verified identity", "kind": "yes_no", "weight": 2, "critical": True, "allow_na": False},
              {"text": "Correct information", "kind": "scale", "weight": 1}]},
          {"title": "Attitude", "weight": 40, "items": [
              {"text": "Courtesy", "kind": "points", "max_points": 10, "weight": 1},
              {"text": "Offered more help", "kind": "yes_no", "weight": 3}]}]


def simple_scorecard(center, name: str = "Simple"):
    """A scorecard whose arithmetic the tests work out by hand; the only active one."""
    from qa.models import Scorecard
    from qa.services.scorecards import scorecard_create

    with center.in_tenant():
        Scorecard.objects.update(active=False)
        card = scorecard_create(name=name, sections=SIMPLE)
        version = card.current()
        items = {i.text: i.pk for s in version.sections.all() for i in s.items.all()}
    return card, items
