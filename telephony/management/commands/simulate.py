import json
import logging

from django.core.management.base import BaseCommand, CommandError

from tenants.models import Tenant


class Command(BaseCommand):
    help = ("Drive simulated calls and agents through the sandbox carrier and the real webhook path; "
            "print a summary (double_offers and lost_calls must be 0).")

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug, e.g. demo")
        parser.add_argument("--calls", type=int, default=100)
        parser.add_argument("--agents", type=int, default=10)
        parser.add_argument("--queues", type=int, default=None, help="send traffic to the first Q queues only")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--profile", choices=["flat", "day"], default="flat",
                            help="flat: a steady busy spell ending now; day: the last 24 hours along a day's curve")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args, **opts):
        from telephony.sandbox.simulation import Simulation, SimulationBusy, keep_connection_across_requests

        tenant = Tenant.objects.filter(slug=opts["tenant"]).first()
        if tenant is None or tenant.state in ("closed", "template", "spare"):
            raise CommandError(f"No live tenant '{opts['tenant']}'.")
        if opts["calls"] < 1 or opts["agents"] < 1:
            raise CommandError("--calls and --agents must be at least 1.")
        keep_connection_across_requests()
        logging.getLogger("django.request").setLevel(logging.ERROR)  # bots meet 409s by design
        try:
            result = Simulation(tenant=tenant, calls=opts["calls"], agents=opts["agents"], queues=opts["queues"],
                                seed=opts["seed"], profile=opts["profile"]).run()
        except (SimulationBusy, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key:>20}: {value}")
