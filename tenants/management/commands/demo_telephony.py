"""The demo tenant's call center: three skilled queues, a realistic IVR and two numbers."""

from datetime import time

from accounts.models import Skill, User, UserSkill
from telephony.models import BusinessHours, CallerListEntry, IvrFlow, PhoneNumber, Queue, QueueSkill
from telephony.services.config import ivr_flow_create, number_add

DEMO_NUMBERS = ("+18005550100", "+14155550100")
VIP_CALLER = "+14155550199"


def demo_graph(billing: int, support: int, sales: int) -> dict:
    return {"start": "welcome", "nodes": {
        "welcome": {"type": "play", "say": "Welcome to Demo Call Center. Calls may be recorded for quality.",
                    "next": "language"},
        "language": {"type": "menu", "say": "For English, press 1. Para español, marque 2.", "timeout_s": 5,
                     "retries": 1, "default": "hours",
                     "options": {"1": {"next": "hours", "language": "en-US"},
                                 "2": {"next": "hours", "language": "es-ES"}}},
        "hours": {"type": "hours", "open": "tier", "closed": "closed", "holiday": "closed"},
        "closed": {"type": "play", "say": "We are closed right now.", "next": "voicemail"},
        "tier": {"type": "tier", "vip": "vip", "default": "main"},
        "vip": {"type": "play", "say": "Welcome back. You are a priority customer.", "next": "q_billing"},
        "main": {"type": "menu", "timeout_s": 6, "retries": 2, "default": "q_support",
                 "say": "For billing, press 1. For technical support, press 2. For sales, press 3. "
                        "To leave a message, press 8. To have us call you back, press 9.",
                 "options": {"1": "account", "2": "q_support", "3": "q_sales", "8": "voicemail", "9": "callback"}},
        "account": {"type": "collect", "say": "Please enter your account number, then press hash.",
                    "min_digits": 4, "max_digits": 12, "variable": "account", "next": "q_billing",
                    "default": "q_billing", "retries": 1, "timeout_s": 8},
        "q_billing": {"type": "queue", "queue": billing},
        "q_support": {"type": "queue", "queue": support},
        "q_sales": {"type": "queue", "queue": sales},
        "voicemail": {"type": "voicemail", "say": "Please leave your name, number and message after the tone."},
        "callback": {"type": "callback", "queue": support},
    }}


def seed_demo_telephony(admin: User) -> bool:
    """Idempotent: does nothing once the demo has numbers."""
    if PhoneNumber.objects.exists():
        return False
    skills = {name: Skill.objects.get_or_create(name=name)[0] for name in ("billing", "support", "sales")}
    for i, agent in enumerate(User.objects.filter(email__startswith="agent", email__endswith="@demo.local")
                              .order_by("email"), start=1):
        UserSkill.objects.get_or_create(user=agent, skill=skills["sales"], defaults={"proficiency": 1 + (i * 2) % 5})
    # A 24/7 line, so the demo and its simulations answer whenever they run.
    BusinessHours.objects.filter(queue__isnull=True).delete()
    BusinessHours.objects.bulk_create(BusinessHours(weekday=d, opens=time(0, 0), closes=time(23, 59, 59))
                                      for d in range(7))
    billing = Queue.objects.create(name="Billing", strategy="skills", priority=20, recording_policy="all",
                                   consent_prompt="This call is recorded for quality and training.",
                                   overflow_after_s=90, overflow_widen_skills=True, max_wait_s=600,
                                   max_wait_action="callback")
    support = Queue.objects.create(name="Support", strategy="longest_idle", priority=10, recording_policy="all",
                                   consent_prompt="This call is recorded for quality and training.",
                                   overflow_after_s=60, overflow_widen_skills=True, max_wait_s=600,
                                   max_wait_action="voicemail")
    sales = Queue.objects.create(name="Sales", strategy="round_robin", priority=15, max_wait_s=300,
                                 max_wait_action="callback", overflow_after_s=120, overflow_queue=support)
    QueueSkill.objects.create(queue=billing, skill=skills["billing"], min_proficiency=2)
    QueueSkill.objects.create(queue=support, skill=skills["support"], min_proficiency=2)
    QueueSkill.objects.create(queue=sales, skill=skills["sales"], min_proficiency=1)
    flow = ivr_flow_create(name="Demo main line", graph=demo_graph(billing.pk, support.pk, sales.pk),
                           description="Language, hours, VIP, menu with account number, voicemail, callback",
                           actor=admin)
    number_add(e164=DEMO_NUMBERS[0], kind="toll_free", label="Main line", entry_flow=flow, actor=admin)
    number_add(e164=DEMO_NUMBERS[1], kind="did", label="Support direct", entry_queue=support, actor=admin)
    CallerListEntry.objects.create(number=VIP_CALLER, kind="vip", note="Demo VIP customer")
    IvrFlow.objects.filter(name="Main").update(description="Default flow of a new tenant")
    return True
