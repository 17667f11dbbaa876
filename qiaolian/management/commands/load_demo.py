"""python manage.py load_demo: the demo data of every app (idempotent), then the demo logins. The policies are not
demo data: `migrate` and the region import create the shipped ones (census.coverage.shipped)."""
from django.conf import settings
from django.core.management.base import BaseCommand

from census.coverage.services import coverage_evaluate_everywhere
from census.importing.synthetic import generate_census
from qiaolian.demo.organizations import (
    demo_organizations_create,
    demo_regions_load,
    demo_users_create,
)
from qiaolian.demo.plans import demo_channels_assign, demo_plans_load
from qiaolian.demo.standing import demo_standing_create


class Command(BaseCommand):
    help = "Loads the demo data (regions, key areas, census of 玉溪市, users) and prints one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic census")

    def handle(self, *args, seed, **options):
        national, key_areas = demo_regions_load()
        self.stdout.write(f"regions: {national.summary()}")
        self.stdout.write(f"key areas: {key_areas.summary()}")
        census = generate_census("demo", seed)
        self.stdout.write(
            f"census: townships={census.townships} villages={census.villages} units={census.units} people={census.people}"
        )
        self.stdout.write(f"organizations: {demo_organizations_create()}")
        # Every region with a policy: 江西省's 100 counties as well as 玉溪市.
        coverage = coverage_evaluate_everywhere()
        self.stdout.write(f"coverage: places={sum(report.places for report in coverage.values())}")
        logins = demo_users_create()
        self.stdout.write(f"assessments: {demo_standing_create()}")
        from django.test.utils import override_settings

        # The plans' new tasks notify their responsible persons (inbox, kept); their e-mails are not printed.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            plans = demo_plans_load()
        for result in plans:
            self.stdout.write(f"plan: {result.plan.title} milestones={result.milestones} tasks={result.tasks}")
        # after the plans: their own assignment notices went by (printed-nowhere) e-mail, not to the platform
        channel, accounts = demo_channels_assign()
        if channel:
            self.stdout.write(f"channels: {accounts} demo accounts on {channel} (user id = user name)")
        self.stdout.write("")
        self.stdout.write(f"演示账号 / demo logins (password: {settings.DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<18} {login.description}")
        self.stdout.write("  (admin, security_admin, audit_admin: two-factor login, an authenticator app bound at the first login)")
