"""python manage.py open_campaign --year 2026 --region 530000 --user USERNAME [--name NAME] [--deadline YYYY-MM-DD]

Opens a census round (侨情调查) over a region, as staff do on the API (`POST /api/campaigns/`): for the first steps
of a deployment (docs/operations.md), before anyone has logged in."""
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from census.registry.services import campaign_create
from orgs.regions.models import Region


class Command(BaseCommand):
    help = "Opens a census round (侨情调查) over a region through the campaign service."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--region", required=True, help="the division code of the round's region")
        parser.add_argument("--user", required=True, help="who opens it (staff or an administrator)")
        parser.add_argument("--name", default="", help="default: 2026年度云南省侨情调查")
        parser.add_argument("--deadline", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, year, region, user, name, deadline, **options):
        editor = get_user_model().objects.filter(username=user).first()
        if editor is None:
            raise CommandError(_("用户 %(user)s 不存在") % {"user": user})
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(_("区划代码 %(code)s 不存在") % {"code": region})
        try:
            campaign = campaign_create(
                editor=editor, year=year, region=place, deadline=deadline,
                name=name or _("%(year)d年度%(region)s侨情调查") % {"year": year, "region": place.name},
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError("；".join(getattr(error, "messages", None) or [str(error) or _("没有权限")])) from None
        self.stdout.write(f"campaign=#{campaign.pk} {campaign.name}")
