"""python manage.py benchmark_accounts [--accounts N]: the account list at province scale (issue 15).

Adds N accounts (county officials and leadership of every county and township of 云南省, staff of its cities,
some locked by django-axes) unless they exist, then prints the list page's server time (the full Django stack
through the test client, median of 6 after one warm-up) for province, city and administrator users, and the API
list's. Run by `manage.py benchmark --only directory`; figures `name=value` on stdout."""
from __future__ import annotations

import random
import statistics
import time

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.access.models import Membership
from orgs.accounts.models import AccountProfile
from orgs.accounts.services import accounts_visible_to
from orgs.common.phones import PHONE_COLUMNS, phone_encoder
from orgs.regions.models import Region
from orgs.twofactor.services import second_factor_required

PREFIX = "bench_acct_"


class Command(BaseCommand):
    help = "Measures the account list with N accounts in 云南省 (default 2,000)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, accounts: int, seed: int, **options):
        started = time.perf_counter()
        created = self._dataset(accounts, random.Random(seed))
        User = get_user_model()
        self.stdout.write(f"accounts_created={created} accounts_total={User.objects.count()} "
                          f"setup_seconds={time.perf_counter() - started:.1f}")
        for username in ("yunnan_staff", "yuxi_staff", "admin"):
            visible, page_ms = self._page_ms(username, "/accounts/")
            self.stdout.write(f"account_list_ms_{username}={page_ms:.0f} account_list_total_{username}={visible}")
        _visible, filtered_ms = self._page_ms("yunnan_staff", "/accounts/?role=county_official&region=530400&locked=false")
        self.stdout.write(f"account_list_filtered_ms_yunnan_staff={filtered_ms:.0f}")
        _visible, api_ms = self._page_ms("yunnan_staff", "/api/accounts/")
        self.stdout.write(f"account_api_ms_yunnan_staff={api_ms:.0f}")

    @transaction.atomic
    def _dataset(self, n: int, rng: random.Random) -> int:
        User = get_user_model()
        if User.objects.filter(username__startswith=PREFIX).exists():
            return 0
        province = Region.objects.get(code="530000")
        places = list(province.get_descendants().filter(level__in=("city", "county", "township")).values_list("pk", "level"))
        password = make_password("bench-unused-Passw0rd")  # hashed once: the list never checks passwords
        users = [User(username=f"{PREFIX}{i:05d}", first_name=f"测试干部{i}", password=password) for i in range(n)]
        User.objects.bulk_create(users, batch_size=2000)
        users = list(User.objects.filter(username__startswith=PREFIX).order_by("username"))
        memberships, profiles = [], []
        encode_phone = phone_encoder()
        for user in users:
            region_id, level = rng.choice(places)
            role = "staff" if level == "city" else rng.choice(("county_official", "county_official", "leadership"))
            memberships.append(Membership(user=user, role=role, region_id=region_id))
            phone = "139" + f"{rng.randrange(10**8):08d}"
            profiles.append(AccountProfile(user=user, must_change_password=rng.random() < 0.3,
                                           **dict(zip(PHONE_COLUMNS, encode_phone(phone)))))
        Membership.objects.bulk_create(memberships, batch_size=2000)
        AccountProfile.objects.bulk_create(profiles, batch_size=2000)
        locked = rng.sample(users, max(1, n // 50))
        AccessAttempt.objects.bulk_create([
            AccessAttempt(username=user.username, ip_address="10.0.0.1", user_agent="bench",
                          failures_since_start=settings.AXES_FAILURE_LIMIT) for user in locked
        ])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE auth_user; ANALYZE orgs_membership; ANALYZE orgs_accountprofile; ANALYZE axes_accessattempt")
        return n

    def _page_ms(self, username: str, url: str) -> tuple[int, float]:
        user = get_user_model().objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        if second_factor_required(user):  # the administrator's session, as after its code (a benchmark's own device)
            device, _created = TOTPDevice.objects.get_or_create(user=user, name="benchmark", defaults={"confirmed": True})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        times = []
        for _ in range(7):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return accounts_visible_to(user).count(), statistics.median(times[1:])
