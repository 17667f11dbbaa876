"""python manage.py create_administrator --role security_admin --username anquan [--name 张三]

Opens one of the three administrators (三员分立: admin, security_admin, audit_admin) with a one-time initial password,
printed once; its holder changes it and binds a second factor at the first login. For a new deployment, whose first
security administrator nobody can open on the pages (the system administrator opens no account)."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from orgs.access.roles import ADMINISTRATOR_ROLES
from orgs.accounts.services import administrator_open


class Command(BaseCommand):
    help = "Opens a system, security or audit administrator account and prints its one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=sorted(ADMINISTRATOR_ROLES))
        parser.add_argument("--username", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, role: str, username: str, name: str, **options):
        try:
            user, password = administrator_open(username=username, role=role, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{user.username} ({role}): one-time password {password}")
        self.stdout.write("Change it at the first login; a second factor (TOTP) is bound then too.")
