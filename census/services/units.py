"""Unit and campaign writes."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgs.identifiers import IdentifierError, validate_uscc
from orgs.models import TWO_NEW_KINDS, Region, Unit
from orgs.scoping import user_scope

from ..models import Campaign
from ..signals import census_changed


def _clean_credit_code(credit_code: str) -> str:
    if not credit_code:
        return ""
    try:
        return validate_uscc(credit_code)
    except IdentifierError as error:
        raise ValidationError({"credit_code": str(error)}) from None


def _check_region(region: Region, editor) -> None:
    if not Region.objects.editable_by(editor).filter(pk=region.pk).exists():
        raise ValidationError({"region": _("“%(region)s”不在您的管辖范围内") % {"region": region.full_name}})


@transaction.atomic
def unit_create(*, editor, name: str, kind: str, region: Region, credit_code: str = "", is_two_new: bool | None = None) -> Unit:
    """Registers a unit in the editor's scope. 两新组织 defaults from the kind."""
    _check_region(region, editor)
    unit = Unit(
        name=name.strip(), kind=kind, region=region, credit_code=_clean_credit_code(credit_code),
        is_two_new=kind in TWO_NEW_KINDS if is_two_new is None else is_two_new,
    )
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, editor, **changes) -> Unit:
    """Changes a unit inside the editor's scope (moving it, too, only within the scope)."""
    if not Unit.objects.editable_by(editor).filter(pk=unit.pk).exists():
        raise PermissionDenied
    if "credit_code" in changes:
        changes["credit_code"] = _clean_credit_code(changes["credit_code"])
    if "region" in changes:
        _check_region(changes["region"], editor)
    old_region_id = unit.region_id
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.full_clean()
    unit.save()
    # Its people now count toward another place, or its kind changed the rules: re-evaluate both ends.
    region_ids, unit_ids = frozenset({old_region_id, unit.region_id}), frozenset({unit.pk})
    transaction.on_commit(lambda: census_changed.send(sender=Unit, region_ids=region_ids, unit_ids=unit_ids))
    return unit


@transaction.atomic
def campaign_create(*, editor, year: int, name: str, region: Region, deadline=None) -> Campaign:
    """Opens a census round over a region the editor administers (staff or administrators)."""
    scope = user_scope(editor)
    if not (scope.is_admin or "staff" in scope.roles):
        raise PermissionDenied(_("只有侨联工作人员可以发起侨情调查"))
    _check_region(region, editor)
    campaign = Campaign(year=year, name=name.strip(), region=region, deadline=deadline)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, editor) -> Campaign:
    """Closes a round: its headcounts become a frozen snapshot for trends."""
    if not Campaign.objects.editable_by(editor).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    from ..headcounts import headcounts_rebuild

    headcounts_rebuild(campaign=campaign)
    campaign.is_open = False
    campaign.save(update_fields=["is_open"])
    return campaign
