from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context, tenant_context

from accounts.models import Role, Skill, Team, User, UserSkill
from accounts.services import user_create_active
from tenants.models import Tenant
from tenants.selectors import tenant_url
from tenants.services import tenant_ensure_template, tenant_signup

DEMO_PASSWORD = "demo12345"
OPERATOR_EMAIL = "operator@hostline.local"


class Command(BaseCommand):
    help = "Create the demo tenant (demo.<base>) with an admin, a supervisor and 5 agents; print the logins."

    def handle(self, *args, **options):
        tenant_ensure_template()
        with schema_context("public"):
            if not User.objects.filter(email=OPERATOR_EMAIL).exists():
                User.objects.create_superuser(OPERATOR_EMAIL, DEMO_PASSWORD, full_name="Platform operator")
        tenant = Tenant.objects.filter(slug="demo").first()
        if tenant is None:
            with transaction.atomic():
                tenant = tenant_signup(company="Demo Call Center", slug="demo", admin_email="admin@demo.local",
                                       password=DEMO_PASSWORD, edition="professional", admin_name="Ada Admin")
                Tenant.objects.filter(pk=tenant.pk).update(state="active", seat_cap=20)
                with tenant_context(tenant):
                    billing = Skill.objects.create(name="billing")
                    support = Skill.objects.create(name="support")
                    team = Team.objects.create(name="Team North")
                    sup = user_create_active(email="supervisor@demo.local", password=DEMO_PASSWORD,
                                             full_name="Sam Supervisor", roles=[Role.SUPERVISOR, Role.QA_ANALYST])
                    sup.teams.add(team)
                    for i in range(1, 6):
                        agent = user_create_active(email=f"agent{i}@demo.local", password=DEMO_PASSWORD,
                                                   full_name=f"Agent {i}", roles=[Role.AGENT])
                        agent.teams.add(team)
                        UserSkill.objects.create(user=agent, skill=billing, proficiency=1 + i % 5)
                        UserSkill.objects.create(user=agent, skill=support, proficiency=5 - i % 5)
            tenant.refresh_from_db()
        # Telephony set-up (idempotent, so existing demos gain it too) and the demo's add-ons.
        from tenants.management.commands.demo_crm import seed_demo_crm
        from tenants.management.commands.demo_telephony import seed_demo_telephony
        from tenants.services import tenant_set_feature

        with tenant_context(tenant), transaction.atomic():
            if seed_demo_telephony(User.objects.get(email="admin@demo.local")):
                for feature in ("supervisor_monitoring", "ivr_menu", "ivr_transfer", "survey", "click_to_call"):
                    tenant_set_feature(tenant=tenant, feature=feature, enabled=True, actor_email=OPERATOR_EMAIL,
                                       reason="demo add-ons")
        with tenant_context(tenant), transaction.atomic():
            seed_demo_crm(User.objects.get(email="admin@demo.local"))
        from tenants.management.commands.demo_wfm import PLANNER_EMAIL, seed_demo_wfm

        with tenant_context(tenant), transaction.atomic():
            seed_demo_wfm(User.objects.get(email="admin@demo.local"), DEMO_PASSWORD)
        url = tenant_url(tenant)
        public = f"{settings.SITE_SCHEME}://{settings.BASE_DOMAIN}:{settings.SITE_PORT}/"
        self.stdout.write(self.style.SUCCESS("Hostline demo is ready"))
        self.stdout.write(f"  Public site + signup : {public}")
        self.stdout.write(f"  Operator console     : {public}admin/   {OPERATOR_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Demo tenant          : {url}login")
        self.stdout.write(f"    tenant admin       : admin@demo.local / {DEMO_PASSWORD}")
        self.stdout.write(f"    supervisor         : supervisor@demo.local / {DEMO_PASSWORD}")
        self.stdout.write(f"    agents             : agent1@demo.local … agent5@demo.local / {DEMO_PASSWORD}")
        self.stdout.write(f"    WFM planner        : {PLANNER_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write("  Sandbox numbers      : +18005550100 (IVR), +14155550100 (Support direct)")
        self.stdout.write("  Simulate traffic     : .venv/bin/python manage.py simulate --tenant demo --calls 500 "
                          "--agents 20 --json")
