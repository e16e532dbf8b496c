"""QA-2 sampling over a generated month: the default 30 %, a per-agent rate, 100 % for new
agents, every targeted rule, no call twice, balanced evaluator queues."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DAY0 = date(2026, 3, 2)


def _month(center):
    """30 days: agent1 (veteran) and agent2 (veteran, rate 50 %) take 10 recorded calls a day,
    agent3 (joined a week ago) 4. On day 0 some of agent1's calls meet targeted rules."""
    from accounts.models import User
    from crm.models import SurveyResponse
    from crm.services import case_open
    from qa.models import AgentSamplingRate
    from telephony.models import Call, CallLeg, Queue, Recording
    from tests.qa.helpers import analyst

    analyst(center, "analyst"), analyst(center, "analyst2")
    u = center.users
    with center.in_tenant():
        veterans = [u["agent1"].pk, u["agent2"].pk]
        User.objects.filter(pk__in=veterans).update(date_joined=datetime(2025, 1, 1, tzinfo=UTC))
        User.objects.filter(pk=u["agent3"].pk).update(date_joined=datetime.combine(DAY0, datetime.min.time(), UTC)
                                                      - timedelta(days=7))
        AgentSamplingRate.objects.create(agent=u["agent2"], rate=0.5)
        q = Queue.objects.get(name="General")
        calls = []
        for d in range(30):
            day = DAY0 + timedelta(days=d)
            for who, n in (("agent1", 10), ("agent2", 10), ("agent3", 4)):
                for i in range(n):
                    t = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC) + timedelta(minutes=10 * i)
                    calls.append(Call(sid=f"CAsm{d:02d}{who[-1]}{i:02d}", ani="+15550006000", queue=q, queued_at=t,
                                      arrived_at=t, answered_at=t, ended_at=t + timedelta(seconds=200), status="ended",
                                      outcome="answered", wait_s=0, talk_s=200, hold_s=0, acw_s=0, agent=u[who]))
        Call.objects.bulk_create(calls)
        calls = list(Call.objects.filter(sid__startswith="CAsm").order_by("pk"))
        Recording.objects.bulk_create(Recording(sid=f"RE{c.sid}", call=c, agent=c.agent, status="completed",
                                                duration_s=200) for c in calls)
        day0 = [c for c in calls if c.sid.startswith("CAsm001")]  # agent1, day 0
        long_call, short_call, complaint, unhappy, slow, quick = day0[:6]
        Call.objects.filter(pk=long_call.pk).update(talk_s=721)  # limit 600 + 120 s, passed
        Call.objects.filter(pk=short_call.pk).update(talk_s=29)
        case_open(type="complaint", subject="rude", call=complaint)
        SurveyResponse.objects.create(kind="post_call", satisfied=False, call=unhappy, at=unhappy.answered_at)
        for c, ring in ((slow, 8), (quick, 6)):  # transferred; the second agent's leg rang 8 s vs 6 s
            Call.objects.filter(pk=c.pk).update(transfer_count=1)
            CallLeg.objects.create(call=c, role="agent", user=u["agent1"], started_at=c.answered_at,
                                   answered_at=c.answered_at, ended_at=c.answered_at + timedelta(seconds=60))
            t2 = c.answered_at + timedelta(seconds=60)
            CallLeg.objects.create(call=c, role="agent", user=u["agent2"], started_at=t2,
                                   answered_at=t2 + timedelta(seconds=ring))
    return {"long": long_call.pk, "failed": short_call.pk, "complaint": complaint.pk, "low_csat": unhappy.pk,
            "transfer": slow.pk, "quick": quick.pk}


def test_a_month_of_sampling(center):
    from qa.models import SampleItem
    from qa.services.sampling import sample_day

    targets = _month(center)
    u = center.users
    with center.in_tenant():
        total = sum(sample_day(DAY0 + timedelta(days=d), seed=d) for d in range(30))
        assert sum(sample_day(DAY0 + timedelta(days=d), seed=d) for d in range(30)) == 0  # nothing twice
        per_day = {}
        for s in SampleItem.objects.all():
            per_day.setdefault((s.agent_id, s.day), []).append(s.reason)
        # Day 0: agent1's five targeted calls (the 6 s transfer is not one) count toward his 3 (30 % of
        # 10): all five are taken, nothing random on top.
        day0 = sorted(per_day[(u["agent1"].pk, DAY0)])
        assert day0 == ["complaint", "failed", "long", "low_csat", "transfer"]
        reasons = {s.call_id: s.reason for s in SampleItem.objects.filter(day=DAY0)}
        assert all(reasons[pk] == rule for rule, pk in targets.items() if rule != "quick")
        assert targets["quick"] not in reasons or reasons[targets["quick"]] == "random"
        for d in range(1, 30):
            day = DAY0 + timedelta(days=d)
            assert per_day[(u["agent1"].pk, day)] == ["random"] * 3  # 30 % of 10
            assert per_day[(u["agent2"].pk, day)] == ["random"] * 5  # her own rate: 50 %
        # The new agent: every call, all month (joined a week before day 0, four weeks count as new).
        new_days = [DAY0 + timedelta(days=d) for d in range(21)]
        assert all(per_day[(u["agent3"].pk, day)] == ["new_agent"] * 4 for day in new_days)
        assert per_day[(u["agent3"].pk, DAY0 + timedelta(days=21))] == ["random"] * 1  # 30 % of 4, rounded
        # Two evaluators share the queue evenly.
        loads = sorted(SampleItem.objects.order_by().values_list("assigned_to", flat=True).distinct())
        counts = [SampleItem.objects.filter(assigned_to=e).count() for e in loads]
        assert len(loads) == 2 and max(counts) - min(counts) <= 1 and sum(counts) == total


def test_sampling_settings_and_run_api(center):
    from tests.qa.helpers import analyst, recorded_call

    analyst(center)
    call = recorded_call(center)
    sup = center.api("supervisor")
    assert sup.put("/api/v1/qa/sampling", {"default_rate": "1.000"}, content_type="application/json").status_code == 200
    assert center.api("analyst").put("/api/v1/qa/sampling", {"default_rate": "0.5"},
                                     content_type="application/json").status_code == 403
    bad = sup.put("/api/v1/qa/sampling", {"default_rate": "1.5"}, content_type="application/json")
    assert bad.status_code == 400 and "default_rate" in bad.json()["error"]["fields"]
    day = call.answered_at.date().isoformat()
    assert sup.post(f"/api/v1/qa/sampling/run?day={day}").json()["sampled"] == 1
    queue = center.api("analyst").get("/api/v1/qa/queue").json()
    assert [q["call"] for q in queue] == [call.pk]
