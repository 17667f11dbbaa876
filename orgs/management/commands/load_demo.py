"""python manage.py load_demo: regions, key areas and demo users (idempotent), then prints the logins."""
from django.conf import settings
from django.core.management.base import BaseCommand

from orgs.services.demo import demo_regions_load, demo_users_create


class Command(BaseCommand):
    help = "Loads the demo data and prints one login per role."

    def handle(self, *args, **options):
        national, key_areas = demo_regions_load()
        self.stdout.write(f"regions: {national.summary()}")
        self.stdout.write(f"key areas: {key_areas.summary()}")
        logins = demo_users_create()
        self.stdout.write("")
        self.stdout.write("演示账号 / demo logins (password: %s)" % settings.DEMO_PASSWORD)
        for login in logins:
            self.stdout.write(f"  {login.username:<18} {login.description}")
