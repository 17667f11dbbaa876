"""Scope-matrix cases of the census: the person and import pages, the coverage pages (gaps, what-if,
comparison of two census rounds), the census API (units, campaigns, persons, headcounts, requirements,
coverage) and the Django admin of every census model and of the orgs Unit and Organization.

Objects are made as the project makes them: persons and units through the census services, verdicts
and rollups by loading the shipped policies and evaluating a county (`evaluate_coverage`)."""
from __future__ import annotations

import dataclasses
import io
import os
import random
import tempfile
import uuid

import openpyxl
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from census.coverage.models import CoverageRollup, Policy, Requirement
from census.coverage.services import evaluate_coverage, policies_load
from census.coverage.views import policy_confirmation_token
from census.importing.models import CensusImport, ImportStatus, UnitImport
from census.importing.synthetic import resident_id
from census.registry.models import Campaign, Headcount, Person, PersonDocument, PersonEvent
from census.registry.services import campaign_create, person_create, person_link_document, unit_create
from orgs.organizations.founding import OrganizationStatus
from orgs.organizations.models import Organization, OrganizationKind
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tests.factories import RegionFactory
from tests.scope.registry import (
    ADMIN,
    ADMIN_METHODS,
    API,
    FOREIGN_REGION,
    OWN_REGION,
    WEB,
    Placed,
    Probe,
    RouteCase,
    Write,
    register,
    scoped_admin_cases,
)

User = get_user_model()
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Who uploads in each county (the uploader may commit and download their own imports).
COUNTY_OFFICIALS = {OWN_REGION: "tonghai_official", FOREIGN_REGION: "huaning_official"}


def _admin():
    return User.objects.get(username="admin")


def _id_number(region, salt: int) -> str:
    """A valid resident ID issued in the region's county, distinct for each (region, salt)."""
    return resident_id(random.Random(int(region.code) * 100 + salt), region.code[:6], set())[0]


def _short(region) -> str:
    return region.name[:2]  # 通海县 -> 通海, 华宁县 -> 华宁


def _rows(model, *fields):
    return lambda: list(model.objects.order_by("pk").values_list("pk", *fields))


def _city_campaign(year: int) -> Campaign:
    """A census round over 玉溪市 (530400), closed: its headcounts are a frozen snapshot."""
    campaign, _ = Campaign.objects.get_or_create(
        year=year, region=Region.objects.get(code="530400"), defaults={"name": f"{year}年度玉溪市侨情调查", "is_open": False}
    )
    return campaign


# ---- the kinds of objects ---------------------------------------------------------------------------------

UNIT = Placed(
    "unit",
    make=lambda region: unit_create(editor=_admin(), name=f"{_short(region)}矩阵单位", kind="enterprise", region=region),
    markers=lambda u: (u.name,),
    rows=_rows(Unit, "name", "kind", "region_id", "credit_code", "is_two_new"),
)
CAMPAIGN = Placed(
    "campaign",
    make=lambda region: campaign_create(editor=_admin(), year=2029, name=f"{_short(region)}矩阵调查", region=region),
    markers=lambda c: (c.name,),
    rows=_rows(Campaign, "year", "name", "region_id", "is_open", "deadline"),
)
PERSON_COLUMNS = [f.attname for f in Person._meta.concrete_fields if f.attname != "updated_at"]
PERSON = Placed(
    "person",
    make=lambda region: person_create(
        editor=_admin(), name=f"矩阵人{_short(region)}", id_number=_id_number(region, 1), category="relative", region=region
    ),
    markers=lambda p: (p.name,),
    rows=lambda: list(Person.objects.order_by("pk").values_list(*PERSON_COLUMNS)),
)
PERSON_EVENT = Placed(
    "personevent",
    make=lambda region: person_create(
        editor=_admin(), name=f"{_short(region)}事件人", id_number=_id_number(region, 2), category="returned", region=region
    ).events.get(),
    markers=lambda e: (e.person.name,),
    rows=_rows(PersonEvent, "person_id", "kind", "changes"),
)
PERSON_DOCUMENT = Placed(
    "persondocument",
    make=lambda region: person_link_document(
        person=person_create(
            editor=_admin(), name=f"{_short(region)}双证人", id_number=_id_number(region, 6), category="returned", region=region
        ),
        editor=_admin(), id_type="passport", id_number=f"E{int(region.code) % 10**8:08d}",
    ).documents.get(),
    markers=lambda d: (d.person.name,),
    rows=_rows(PersonDocument, "person_id", "id_type", "number_hash"),
)
HEADCOUNT = Placed(
    "headcount",
    make=lambda region: Headcount.objects.create(
        campaign=Campaign.objects.create(year=2028, name=f"{_short(region)}统计调查", region=region, is_open=False),
        region=region, category="relative", count=7,
    ),
    markers=lambda h: (h.campaign.name,),
    rows=_rows(Headcount, "campaign_id", "region_id", "category", "count"),
)


def _person_csv(region, salt: int = 5) -> bytes:
    return f"姓名,身份证号码,类别,居住地区划代码\n{_short(region)}导入人,{_id_number(region, salt)},侨眷,{region.code}\n".encode()


def _make_import(region, *, uploader, name: str, status: str) -> CensusImport:
    campaign, _ = Campaign.objects.get_or_create(
        year=2027, region=region, defaults={"name": f"{_short(region)}导入调查"}
    )
    record = CensusImport(user=uploader, region=region, campaign=campaign, original_name=name, status=status, rows=1)
    record.file.save(f"matrix-{region.code}.csv", ContentFile(_person_csv(region, 6)), save=False)
    record.error_report.save(f"matrix-errors-{region.code}.xlsx", ContentFile(b"matrix"), save=False)
    record.save()
    return record


# Uploaded by the administrator: county users see it; its files (full IDs) only the uploader downloads.
CENSUS_IMPORT = Placed(
    "censusimport",
    make=lambda region: _make_import(
        region, uploader=_admin(), name=f"{_short(region)}矩阵导入.csv", status=ImportStatus.UPLOADED
    ),
    markers=lambda r: (r.original_name,),
    rows=_rows(CensusImport, "status", "original_name"),
)
# Uploaded and previewed by the county's own official: they may commit it.
PREVIEWED_IMPORT = Placed(
    "previewedimport",
    make=lambda region: _make_import(
        region, uploader=User.objects.get(username=COUNTY_OFFICIALS[region.code]), name=f"{_short(region)}预览导入.csv",
        status=ImportStatus.PREVIEWED,
    ),
    markers=lambda r: (r.original_name,),
    rows=_rows(CensusImport, "status", "original_name", "rows", "new", "invalid"),
)



def _workbook_import(region) -> CensusImport:
    """A previewed two-sheet workbook of the county's own official: they may preview its other sheet."""
    workbook = openpyxl.Workbook()
    for index, title in enumerate(("第一页", "第二页")):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        sheet.append(["姓名", "身份证号码", "类别", "居住地区划代码"])
        sheet.append([f"{_short(region)}工作簿人{index}", _id_number(region, 8 + index), "侨眷", region.code])
    content = io.BytesIO()
    workbook.save(content)
    record = _make_import(
        region, uploader=User.objects.get(username=COUNTY_OFFICIALS[region.code]), name=f"{_short(region)}工作簿.xlsx",
        status=ImportStatus.PREVIEWED,
    )
    record.file.save(f"matrix-{region.code}.xlsx", ContentFile(content.getvalue()), save=False)
    record.reading = {"sheet": "第一页", "sheets": ["第一页", "第二页"], "header_row": 1, "encoding": "", "skipped": {}}
    record.save()
    return record


WORKBOOK_IMPORT = Placed(
    "workbookimport",
    make=_workbook_import,
    markers=lambda r: (r.original_name,),
    rows=_rows(CensusImport, "status", "original_name", "sheet"),
)

MAPPED_HEADER = ["姓名", "身份证号码", "人员身份", "户籍所在地"]  # the last two are headers the import does not know


def _unmapped_import(region) -> CensusImport:
    """A file of the county's own official whose header was not found (人员身份, 户籍所在地 unknown): they may map
    its columns, which previews it again."""
    record = _make_import(
        region, uploader=User.objects.get(username=COUNTY_OFFICIALS[region.code]), name=f"{_short(region)}未识别表头.csv",
        status=ImportStatus.FAILED,
    )
    row = [f"{_short(region)}对应人", _id_number(region, 10), "侨眷", region.code]
    record.file.save(f"matrix-mapping-{region.code}.csv", ContentFile(f"{','.join(MAPPED_HEADER)}\n{','.join(row)}\n".encode()), save=False)
    record.reading = {"sheet": "", "sheets": [], "header_row": 1, "columns": MAPPED_HEADER}
    record.save()
    return record


UNMAPPED_IMPORT = Placed(
    "unmappedimport",
    make=_unmapped_import,
    markers=lambda r: (r.original_name,),
    rows=_rows(CensusImport, "status", "original_name", "mapping"),
)


def _unit_list_csv(region) -> bytes:
    return f"单位名称,单位类别,所在区划\n{_short(region)}名录导入厂,企业,{region.code}\n".encode()


def _make_unit_import(region) -> UnitImport:
    """A unit list uploaded and previewed by the county's own official (they may commit or discard it)."""
    record = UnitImport(
        user=User.objects.get(username=COUNTY_OFFICIALS[region.code]), region=region, original_name=f"{_short(region)}单位名录.csv",
        status=ImportStatus.PREVIEWED, rows=1, new=1,
    )
    record.file.save(f"matrix-units-{region.code}.csv", ContentFile(_unit_list_csv(region)), save=False)
    record.error_report.save(f"matrix-unit-errors-{region.code}.xlsx", ContentFile(b"matrix"), save=False)
    record.save()
    return record


UNIT_IMPORT = Placed(
    "unitimport",
    make=_make_unit_import,
    markers=lambda r: (r.original_name,),
    rows=_rows(UnitImport, "status", "original_name", "region_id"),
)


def _coverage_township(region) -> Region:
    """A township of the county with one registered person (a recommended place today), whose count in
    the 2026 round's snapshot (120) crossed the township threshold since 2025; the county evaluated."""
    code = f"{region.code}195"
    township = Region.objects.filter(code=code).first()
    if township is not None:
        return township
    policies_load()
    township = RegionFactory(parent=region, level=RegionLevel.TOWNSHIP, code=code, name=f"{_short(region)}覆盖镇")
    person_create(
        editor=_admin(), name=f"{_short(region)}覆盖人", id_number=_id_number(township, 7), category="relative", region=township
    )
    _city_campaign(2025)
    Headcount.objects.create(campaign=_city_campaign(2026), region=township, category="relative", count=120)
    evaluate_coverage(region)
    return township


REQUIREMENT = Placed(
    "requirement",
    make=lambda region: Requirement.objects.get(region=_coverage_township(region), unit__isnull=True),
    markers=lambda r: (r.region.name,),
    rows=_rows(Requirement, "region_id", "unit_id", "level", "verdict", "status", "headcount", "reason"),
)
ROLLUP = Placed(
    "coveragerollup",
    make=lambda region: CoverageRollup.objects.get(region=_coverage_township(region), level="township"),
    markers=lambda r: (r.region.name,),
    rows=_rows(CoverageRollup, "region_id", "level", "required", "satisfied", "under_way", "missing", "recommended"),
)
POLICY = Placed(
    "policy",
    make=lambda region: Policy.objects.create(
        key=f"matrix-{region.code}", name=f"{_short(region)}矩阵方案", short_name=f"{_short(region)}方案", jurisdiction=region,
        counted_categories=["returned", "relative"], clauses={"county": "一"}, below_threshold_options=["侨联小组"],
    ),
    markers=lambda p: (p.name,),
    rows=_rows(Policy, "key", "name", "jurisdiction_id", "township_threshold", "village_threshold", "unit_threshold"),
)
ORGANIZATION = Placed(
    "organization",
    make=lambda region: Organization.objects.create(
        name=f"{_short(region)}矩阵侨联", kind=OrganizationKind.GROUP, status=OrganizationStatus.PLANNED, region=region
    ),
    markers=lambda o: (o.name,),
    rows=_rows(Organization, "name", "kind", "status", "region_id", "unit_id", "superior_id", "founded_on"),
)

by_pk = lambda obj: {"pk": obj.pk}  # noqa: E731
by_object_id = lambda obj: {"object_id": obj.pk}  # noqa: E731


def _in(world, placed, region):
    """The object of `placed` lying in `region` (own or foreign county)."""
    return world.own(placed) if region == world.own_region else world.foreign(placed)


# ---- person pages (web) -----------------------------------------------------------------------------------


def person_form(world, obj, region):
    body = {"name": f"{_short(region)}网页人", "category": "student", "region": region.code, "unit": "", "country": "",
            "phone": "", "notes": "", "gender": "", "birth_date": "", "id_type": "resident_id"}
    body["id_number"] = _id_number(region, 3) if obj is None else ""
    return body


def transfer_form(world, obj, region):
    """Moves the person to a township of `region` (the county itself when it has none)."""
    target = region.get_children().order_by("code").first() or region
    return {"to_region": target.code, "note": "矩阵迁移"}


def _foreign_region(world, obj):
    return {"region": world.foreign_region.code}


register(
    RouteCase(
        "census:person-list",
        WEB,
        PERSON,
        reads=(
            Probe(),
            Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
            Probe(data=lambda world, obj: {"category": "relative"}, name="category"),
            Probe(data=_foreign_region, shows_own=False, name="foreign-region"),
        ),
    ),
    # The list's filter form POSTs (a full phone number never enters a URL) and is answered with the list.
    RouteCase(
        "census:person-search",
        WEB,
        PERSON,
        methods=("POST",),
        follow=True,
        reads=(
            Probe("POST", data=lambda world, obj: {"q": "矩阵"}, name="by-name"),
            Probe("POST", data=lambda world, obj: {"category": "relative"}, name="category"),
        ),
    ),
    RouteCase(
        "census:person-export",
        WEB,
        PERSON,
        reads=(Probe(), Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"), Probe(data=_foreign_region, shows_own=False, name="foreign-region")),
    ),
    RouteCase(
        "census:person-create",
        WEB,
        PERSON,
        methods=("GET", "HEAD", "POST"),
        reads=(Probe(shows_own=False),),
        writes=(Write("POST", person_form, action="create", moves=True),),
        leader_reads=False,
    ),
    RouteCase("census:person-detail", WEB, PERSON, kwargs=by_pk),
    RouteCase(
        "census:person-edit",
        WEB,
        PERSON,
        kwargs=by_pk,
        methods=("GET", "HEAD", "POST"),
        writes=(Write("POST", person_form, moves=True),),
        leader_reads=False,
    ),
    RouteCase(
        "census:person-transfer", WEB, PERSON, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", transfer_form, moves=True),),
    ),
    # Linking another document to a person, and removing a linked one (the person's page).
    RouteCase(
        "census:person-document-link", WEB, PERSON_DOCUMENT, kwargs=lambda d: {"pk": d.person_id}, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"id_type": "taiwan_permit", "id_number": f"{int(region.code) % 10**8:08d}"}),),
    ),
    RouteCase(
        "census:person-document-unlink", WEB, PERSON_DOCUMENT, kwargs=lambda d: {"pk": d.person_id, "document_pk": d.pk},
        methods=("POST",), reads=(), writes=(Write("POST", action="delete"),),
    ),
    # Without the reveal permission the own person is a 403 (the permission), a foreign one a 404 (the scope).
    RouteCase(
        "census:person-reveal", WEB, PERSON, kwargs=by_pk, methods=("POST",),
        reads=(Probe("POST", shows_own=False),), own_status=(403,),
    ),
)

# ---- the unit directory (web) ---------------------------------------------------------------------------------


def unit_form(world, obj, region):
    return {"name": f"{_short(region)}网页单位", "kind": "school", "region": region.code, "credit_code": "", "is_two_new": ""}


def _merged_unit(region) -> Unit:
    """A second unit in `region`, to be merged into the matrix unit there (made once per test)."""
    name = f"{_short(region)}并入单位"
    return Unit.objects.filter(region=region, name=name).first() or unit_create(editor=_admin(), name=name, kind="school", region=region)


def merge_form(world, obj, region):
    return {"absorbed": _merged_unit(region).pk}


register(
    RouteCase(
        "census:unit-list", WEB, UNIT,
        reads=(
            Probe(),
            Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
            Probe(data=lambda world, obj: {"kind": "enterprise", "has_organization": "false", "is_two_new": "false"}, name="filters"),
            Probe(data=_foreign_region, shows_own=False, name="foreign-region"),
        ),
    ),
    RouteCase(
        "census:unit-create", WEB, UNIT, methods=("GET", "HEAD", "POST"), reads=(Probe(shows_own=False),),
        writes=(Write("POST", unit_form, action="create", moves=True),), leader_reads=False,
    ),
    RouteCase("census:unit-detail", WEB, UNIT, kwargs=by_pk),
    RouteCase(
        "census:unit-edit", WEB, UNIT, kwargs=by_pk, methods=("GET", "HEAD", "POST"),
        writes=(Write("POST", unit_form, moves=True),), leader_reads=False,
    ),
    # 合并到本单位: the search, the confirmation (a foreign unit is never shown), the merge (the absorbed unit lies in
    # the region the write names: merging a foreign county's unit into one's own is refused).
    RouteCase(
        "census:unit-merge", WEB, UNIT, kwargs=by_pk, methods=("GET", "HEAD", "POST"),
        reads=(
            Probe(data=lambda world, obj: {"q": "矩阵"}, name="search"),
            Probe(data=lambda world, obj: {"absorbed": world.foreign(UNIT).pk}, name="foreign-absorbed"),
        ),
        writes=(Write("POST", merge_form, moves=True),), leader_reads=False,
    ),
)

# ---- import pages (web) -------------------------------------------------------------------------------------


def upload_form(world, obj, region):
    return {
        "campaign": _in(world, CAMPAIGN, region).pk,
        "file": SimpleUploadedFile("rows.csv", _person_csv(region, 8), content_type="text/csv"),
    }


register(
    RouteCase("census:import-list", WEB, CENSUS_IMPORT),
    RouteCase(
        "census:import-upload", WEB, CENSUS_IMPORT, methods=("POST",), reads=(),
        writes=(Write("POST", upload_form, action="create", moves=True),),
    ),
    # The blank template: no data, but still only for signed-in users.
    RouteCase("census:import-template", WEB, CENSUS_IMPORT, reads=(Probe(shows_own=False, leader_sees_both=False),)),
    RouteCase("census:import-detail", WEB, CENSUS_IMPORT, kwargs=by_pk),
    RouteCase("census:import-status", WEB, CENSUS_IMPORT, kwargs=by_pk, reads=(Probe(shows_own=False),)),
    RouteCase(
        "census:import-commit", WEB, PREVIEWED_IMPORT, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"mode": "all"}),),
    ),
    RouteCase("census:import-discard", WEB, PREVIEWED_IMPORT, kwargs=by_pk, methods=("POST",), reads=(), writes=(Write("POST"),)),
    RouteCase(
        "census:import-sheet", WEB, WORKBOOK_IMPORT, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"sheet": "第二页"}),),
    ),
    RouteCase(
        "census:import-mapping", WEB, UNMAPPED_IMPORT, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"column_0": "name", "column_1": "id_number", "column_2": "category", "column_3": "region"}),),
    ),
    # The files hold full resident IDs: a user who is neither the uploader nor holds the reveal permission
    # gets a 403 for an import in the scope; one outside the scope stays a 404.
    RouteCase("census:import-errors", WEB, CENSUS_IMPORT, kwargs=by_pk, reads=(Probe(shows_own=False),), own_status=(403,)),
    RouteCase("census:import-file", WEB, CENSUS_IMPORT, kwargs=by_pk, reads=(Probe(shows_own=False),), own_status=(403,)),
)

def unit_upload_form(world, obj, region):
    return {"file": SimpleUploadedFile("units.csv", _unit_list_csv(region), content_type="text/csv"), "region": region.code}


register(
    RouteCase(
        "census:unit-import", WEB, UNIT_IMPORT, methods=("GET", "HEAD", "POST"),
        writes=(Write("POST", unit_upload_form, action="create", moves=True),),
    ),
    RouteCase("census:unit-import-template", WEB, UNIT_IMPORT, reads=(Probe(shows_own=False, leader_sees_both=False),)),
    RouteCase("census:unit-import-detail", WEB, UNIT_IMPORT, kwargs=by_pk),
    RouteCase(
        "census:unit-import-commit", WEB, UNIT_IMPORT, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", lambda world, obj, region: {"mode": "all"}),),
    ),
    RouteCase("census:unit-import-discard", WEB, UNIT_IMPORT, kwargs=by_pk, methods=("POST",), reads=(), writes=(Write("POST"),)),
    RouteCase("census:unit-import-errors", WEB, UNIT_IMPORT, kwargs=by_pk, reads=(Probe(shows_own=False),)),
)

# ---- coverage pages (web) -----------------------------------------------------------------------------------


def _county_of(requirement) -> Region:
    return requirement.region.parent


register(
    RouteCase(
        "census:coverage-gaps",
        WEB,
        REQUIREMENT,
        reads=(
            # The default view lists the required places (the counties): the townships are recommended ones.
            Probe(shows_own=False, name="required"),
            Probe(data=lambda world, obj: {"verdict": "recommended"}, name="recommended"),
            Probe(data=lambda world, obj: {"verdict": ""}, name="every-verdict"),
            # a region outside the scope is a 404 (not a list of zeros); leadership sees both counties
            Probe(data=lambda world, obj: {"verdict": "", "county": world.foreign_region.code}, shows_own=False,
                  leader_sees_both=False, name="foreign-county", scoped_status=(404,)),
            Probe(data=lambda world, obj: {"verdict": "", "region": world.foreign_region.code}, shows_own=False,
                  leader_sees_both=False, name="foreign-region", scoped_status=(404,)),
        ),
    ),
    # The what-if and the comparison run for a region given in the query: outside the scope, a 404.
    RouteCase(
        "census:coverage-what-if",
        WEB,
        REQUIREMENT,
        url=lambda r: f"/census/coverage/what-if/?region={_county_of(r).code}&township_threshold=1",
        reads=(Probe(), Probe(data=lambda world, r: {"region": r.region.code, "township_threshold": 1}, name="township")),
    ),
    RouteCase(
        "census:coverage-compare",
        WEB,
        REQUIREMENT,
        url=lambda r: f"/census/coverage/compare/?region={_county_of(r).code}"
        f"&earlier={_city_campaign(2025).pk}&later={_city_campaign(2026).pk}",
    ),
)

# ---- policy pages (web) ------------------------------------------------------------------------------------------
# County officials read policies and keep none: their writes are refused (403 on their own county's policy, 404 on
# another county's); the positive control is 玉溪市 staff's, whose city holds both counties.


def policy_form(world, obj, region):
    """The policy form: a new policy for `region` (obj None), or `obj` with other thresholds."""
    body = {
        "name": f"{_short(region)}网页方案", "short_name": f"{_short(region)}网页", "township_threshold": "80",
        "village_threshold": "20", "unit_threshold": "30", "two_new_upper_threshold": "100", "county_always_required": "on",
        "key_area_always_required": "on", "counted_categories": ["returned", "relative"], "below_threshold_options": ["侨联小组"],
        "clause_county": "一", "source": "",
    }
    if obj is None:
        body.update({"jurisdiction": region.code, "key": ""})
    return body


def policy_confirmation(world, obj, region):
    """The confirmation of `policy_form`, as 玉溪市 staff's confirmation page carries it."""
    values = {key: value if isinstance(value, list) else [value] for key, value in policy_form(world, obj, region).items()}
    return {"token": policy_confirmation_token(User.objects.get(username="yuxi_staff"), obj, values), "confirm": "1"}


register(
    RouteCase("census:policy-list", WEB, POLICY, reads=(Probe(), Probe(data=lambda world, obj: {"region": world.own_region.code}, name="region"))),
    RouteCase("census:policy-detail", WEB, POLICY, kwargs=by_pk),
    RouteCase(
        "census:policy-create", WEB, POLICY, methods=("GET", "HEAD", "OPTIONS", "POST"),
        reads=(Probe(shows_own=False),), own_status=(403,), leader_reads=False, writer="yuxi_staff",
        writes=(
            Write("POST", policy_form, action="none", moves=True, name="preview"),
            Write("POST", policy_confirmation, action="create", moves=True, name="confirm"),
        ),
    ),
    RouteCase(
        "census:policy-edit", WEB, POLICY, kwargs=by_pk, methods=("GET", "HEAD", "OPTIONS", "POST"),
        reads=(Probe(shows_own=False),), own_status=(403,), leader_reads=False, writer="yuxi_staff",
        writes=(
            Write("POST", policy_form, action="none", name="preview"),
            Write("POST", policy_confirmation, action="change", name="confirm"),
        ),
    ),
)

# ---- API --------------------------------------------------------------------------------------------------------


def unit_body(world, obj, region):
    return {"name": f"{_short(region)}新单位", "kind": "school", "region": region.code}


def person_body(world, obj, region):
    return {"name": f"{_short(region)}新人", "id_number": _id_number(region, 3), "category": "student", "region": region.code}


def person_change(world, obj, region):
    return {"name": f"{_short(region)}改名", "category": "returned", "region": region.code}


register(
    RouteCase(
        "api:unit-list", API, UNIT, methods=READ_METHODS,
        reads=(Probe(), Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
               Probe(data=lambda world, obj: {"has_organization": "false"}, name="has-organization"),
               Probe(data=_foreign_region, shows_own=False, name="foreign-region")),
        writes=(Write("POST", unit_body, action="create", moves=True, json=True),),
    ),
    RouteCase(
        "api:unit-detail", API, UNIT, kwargs=by_pk, methods=READ_METHODS,
        writes=(
            Write("PATCH", lambda world, obj, region: {"name": "改名单位", "region": region.code}, moves=True, json=True),
            Write("PUT", lambda world, obj, region: {"name": "改名单位", "kind": "school", "region": region.code}, moves=True, json=True),
            Write("DELETE", action="delete"),
        ),
    ),
    RouteCase(
        "api:unit-merge", API, UNIT, kwargs=by_pk, methods=("POST",), reads=(),
        writes=(Write("POST", merge_form, moves=True, json=True),),
    ),
    RouteCase(
        "api:campaign-list", API, CAMPAIGN, methods=READ_METHODS,
        # County officials do not open campaigns (the positive control would be a 403).
        writes=(Write("POST", lambda world, obj, region: {"year": 2030, "name": "新调查", "region": region.code},
                      action="create", moves=True, json=True, control=False),),
    ),
    RouteCase(
        "api:campaign-detail", API, CAMPAIGN, kwargs=by_pk, methods=READ_METHODS,
        writes=(
            Write("PATCH", lambda world, obj, region: {"name": "改名调查"}, json=True, control=False),
            Write("PUT", lambda world, obj, region: {"year": 2029, "name": "改名调查", "region": region.code}, json=True, control=False),
            Write("DELETE", action="delete", control=False),
        ),
    ),
    RouteCase(
        "api:person-list", API, PERSON, methods=READ_METHODS,
        reads=(Probe(), Probe(data=lambda world, obj: {"q": "矩阵"}, name="q"),
               Probe(data=_foreign_region, shows_own=False, name="foreign-region")),
        writes=(Write("POST", person_body, action="create", moves=True, json=True),),
    ),
    RouteCase(
        "api:person-detail", API, PERSON, kwargs=by_pk, methods=READ_METHODS,
        writes=(
            Write("PATCH", lambda world, obj, region: {"name": "改名人", "region": region.code}, moves=True, json=True),
            Write("PUT", person_change, moves=True, json=True),
        ),
    ),
    RouteCase("api:person-history", API, PERSON, kwargs=by_pk, methods=READ_METHODS, reads=(Probe(shows_own=False),)),
    RouteCase(
        "api:person-reveal", API, PERSON, kwargs=by_pk, methods=("POST",),
        reads=(Probe("POST", shows_own=False),), own_status=(403,),
    ),
    # Headcounts and coverage of a region given in the query: outside the scope, a 404.
    RouteCase("api:headcount-list", API, REQUIREMENT, url=lambda r: f"/api/headcounts/?region={r.region.code}", methods=READ_METHODS),
    RouteCase(
        "api:requirement-list", API, REQUIREMENT, methods=READ_METHODS,
        reads=(
            Probe(),
            Probe(data=lambda world, obj: {"verdict": "recommended", "level": "township"}, name="filters"),
            Probe(data=lambda world, obj: {"county": world.foreign_region.code}, shows_own=False, name="foreign-county"),
            Probe(data=_foreign_region, shows_own=False, name="foreign-region"),
        ),
    ),
    RouteCase("api:requirement-detail", API, REQUIREMENT, kwargs=by_pk, methods=READ_METHODS),
    RouteCase("api:coverage-list", API, REQUIREMENT, url=lambda r: f"/api/coverage/?region={r.region.code}", methods=READ_METHODS),
    RouteCase(
        "api:coverage-what-if", API, REQUIREMENT, methods=READ_METHODS,
        url=lambda r: f"/api/coverage/what-if/?region={_county_of(r).code}&township_threshold=1",
    ),
)


def policy_body(world, obj, region):
    return {"name": f"{_short(region)}接口方案", "short_name": f"{_short(region)}接口", "jurisdiction": region.code,
            "counted_categories": ["returned", "relative"], "village_threshold": 20, "below_threshold_options": ["侨联小组"]}


register(
    RouteCase(
        "api:policy-list", API, POLICY, methods=READ_METHODS, writer="yuxi_staff",
        writes=(Write("POST", policy_body, action="create", moves=True, json=True),),
    ),
    RouteCase(
        "api:policy-detail", API, POLICY, kwargs=by_pk, methods=READ_METHODS, writer="yuxi_staff",
        writes=(
            Write("PATCH", lambda world, obj, region: {"village_threshold": 20, "short_name": "改名方案"}, json=True),
            Write("PUT", lambda world, obj, region: {**policy_body(world, obj, region), "jurisdiction": obj.jurisdiction.code}, json=True),
        ),
    ),
)

# ---- admin ----------------------------------------------------------------------------------------------------


def unit_admin_body(world, obj, region):
    return {"name": f"{_short(region)}后台单位", "kind": "school", "region": region.pk, "credit_code": "", "_save": "1"}


def person_admin_body(world, obj, region):
    body = {"name": f"{_short(region)}后台人", "category": "relative", "region": region.pk, "unit": "", "country": "",
            "phone": "", "verified_campaign": "", "notes": "", "_save": "1"}
    body["id_number"] = "" if obj is not None else _id_number(region, 4)
    return body


def campaign_admin_body(world, obj, region):
    return {"year": 2031, "name": f"{_short(region)}后台调查", "region": region.pk, "is_open": "on", "deadline": "", "_save": "1"}


def policy_admin_body(world, obj, region):
    return {
        "key": f"matrix-admin-{region.code}", "name": f"{_short(region)}后台方案", "short_name": "后台方案",
        "jurisdiction": region.pk, "effective_from": "", "effective_to": "", "counted_categories": '["relative"]',
        "township_threshold": 50, "village_threshold": 20, "unit_threshold": 20, "two_new_upper_threshold": 100,
        "county_always_required": "on", "key_area_always_required": "on", "below_threshold_options": "[]",
        "clauses": "{}", "source": "", "_save": "1",
    }


def organization_admin_body(world, obj, region):
    return {
        "name": f"{_short(region)}后台侨联", "kind": OrganizationKind.BRANCH, "status": OrganizationStatus.DRAFTING,
        "region": region.pk, "unit": "", "covered_regions": "", "superior": "", "founded_on": "", "_save": "1",
    }


def _format_index(formats, title: str) -> str:
    return str(next(i for i, f in enumerate(formats) if f().get_title() == title))


def export_form(model):
    def body(world, obj):
        model_admin = admin.site._registry[model]
        resource = model_admin.get_export_resource_classes(None)[0]
        fields = {f"{resource.__name__.lower()}_{name}": "on" for name in resource().get_export_order()}
        return {"format": _format_index(model_admin.get_export_formats(), "csv"), "resource": "0", **fields}

    return body


def unit_csv(region) -> bytes:
    return f"单位名称,单位类别,所在区划代码,统一社会信用代码,两新组织\n{_short(region)}导入单位,学校,{region.code},,否\n".encode()


def import_upload(model, build):
    def body(world, obj, region):
        model_admin = admin.site._registry[model]
        return {"resource": "0", "format": _format_index(model_admin.get_import_formats(), "csv"),
                "import_file": SimpleUploadedFile("rows.csv", build(region), content_type="text/csv")}

    return body


def import_confirm(model, build):
    """The confirmation step, as if the upload step had stored the file."""
    def body(world, obj, region):
        model_admin = admin.site._registry[model]
        name = f"qiaolian-matrix-{os.getpid()}-{uuid.uuid4().hex}.csv"
        with open(f"{tempfile.gettempdir()}/{name}", "wb") as handle:
            handle.write(build(region))
        return {"import_file_name": name, "original_file_name": "rows.csv", "resource": "0",
                "format": _format_index(model_admin.get_import_formats(), "csv")}

    return body


def import_export_cases(placed, app_model, model, build=None):
    """The export, import and confirm routes of django-import-export. Without `build` the import is for
    administrators only."""
    prefix = f"admin:{app_model.replace('.', '_')}"
    cases = [
        RouteCase(f"{prefix}_export", ADMIN, placed, methods=ADMIN_METHODS,
                  reads=(Probe(shows_own=False, name="form"), Probe("POST", data=export_form(model), name="csv"))),
    ]
    if build is None:
        return [*cases, RouteCase(f"{prefix}_import", ADMIN, placed, methods=ADMIN_METHODS, reads=(Probe(shows_own=False),), admin_only=True), RouteCase(f"{prefix}_process_import", ADMIN, placed, methods=("POST",), reads=(), admin_only=True)]
    return [*cases, RouteCase(f"{prefix}_import", ADMIN, placed, methods=ADMIN_METHODS, reads=(Probe(shows_own=False),), writes=(Write("POST", import_upload(model, build), action="none", name="upload"),), leader_reads=False), RouteCase(f"{prefix}_process_import", ADMIN, placed, methods=("POST",), reads=(), writes=(Write("POST", import_confirm(model, build), action="create", moves=True, name="confirm"),))]


# Writes nobody but an administrator may send (control=False: no positive control for the scoped users).
REFUSED_DELETE_SELECTED = Write(
    "POST", lambda world, obj, region: {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    action="delete", name="delete_selected", control=False,
)
REFUSED_DELETE = Write("POST", lambda world, obj, region: {"post": "yes"}, action="delete", control=False)
REFUSED_CHANGE = Write("POST", lambda world, obj, region: {"region": region.pk, "_save": "1"}, moves=True, control=False)


def read_only_admin_cases(placed, app_model, extra=()):
    """A model written only by the census itself: looked at in the admin, never added, changed or deleted
    (not even by administrators)."""
    prefix = f"admin:{app_model.replace('.', '_')}"
    path = app_model.replace(".", "/")
    return [
        RouteCase(f"{prefix}_changelist", ADMIN, placed, methods=ADMIN_METHODS, writes=(REFUSED_DELETE_SELECTED,)),
        RouteCase(f"{prefix}_add", ADMIN, placed, reads=(Probe(shows_own=False),), admin_only=True),
        RouteCase(f"{prefix}_change", ADMIN, placed, kwargs=by_object_id, methods=ADMIN_METHODS, writes=(REFUSED_CHANGE,)),
        # The history page names the row by its __str__, which for some carries no marker.
        RouteCase(f"{prefix}_history", ADMIN, placed, kwargs=by_object_id, reads=(Probe(shows_own=False),)),
        RouteCase(f"{prefix}_delete", ADMIN, placed, kwargs=by_object_id, methods=ADMIN_METHODS,
                  reads=(Probe(shows_own=False),), own_status=(403,), leader_reads=False, writes=(REFUSED_DELETE,)),
        RouteCase(f"admin/{path}/<path:object_id>/", ADMIN, placed, url=lambda obj: f"/admin/{path}/{obj.pk}/", follow=True),
        *extra,
    ]


def admin_managed_cases(placed, app_model, body):
    """A model the scoped staff read and only administrators (or federation staff) change: reads are
    scoped, every write of the scoped and the leadership staff is refused (403 on their own rows, 404
    on foreign ones); the add page is theirs alone."""
    prefix = f"admin:{app_model.replace('.', '_')}"
    path = app_model.replace(".", "/")
    return [
        RouteCase(
            f"{prefix}_changelist", ADMIN, placed, methods=ADMIN_METHODS,
            reads=(Probe(), Probe(data=lambda world, obj: {"q": placed.markers(world.own(placed))[0]}, leader_sees_both=False, name="search")),
            writes=(REFUSED_DELETE_SELECTED,),
        ),
        RouteCase(f"{prefix}_add", ADMIN, placed, methods=ADMIN_METHODS, reads=(Probe(shows_own=False),),
                  writes=(Write("POST", body, action="create", control=False),), admin_only=True),
        RouteCase(f"{prefix}_history", ADMIN, placed, kwargs=by_object_id),
        RouteCase(f"{prefix}_delete", ADMIN, placed, kwargs=by_object_id, methods=ADMIN_METHODS, reads=(Probe(shows_own=False),),
                  own_status=(403,), leader_reads=False, writes=(REFUSED_DELETE,)),
        RouteCase(f"{prefix}_change", ADMIN, placed, kwargs=by_object_id, methods=ADMIN_METHODS,
                  writes=(Write("POST", body, moves=True, control=False),)),
        RouteCase(f"admin/{path}/<path:object_id>/", ADMIN, placed, url=lambda obj: f"/admin/{path}/{obj.pk}/", follow=True),
    ]


# Units and organizations (orgs models, the units' admin lives in census/registry/admin.py).
register(*scoped_admin_cases(UNIT, "orgs.unit", unit_admin_body, unit_admin_body))
register(*import_export_cases(UNIT, "orgs.unit", Unit, unit_csv))


def joint_organization_body(world, obj, region):
    """A joint federation of the own county covering `region`: covering a foreign county is placing
    the organization there (its coverage counts toward that county's verdicts)."""
    return {**organization_admin_body(world, obj, world.own_region), "name": "通海联合侨联", "kind": OrganizationKind.JOINT,
            "covered_regions": str(region.pk)}


def _with_covered_regions(case: RouteCase) -> RouteCase:
    if not case.route.endswith(("_add", "_change")):
        return case
    action = "create" if case.route.endswith("_add") else "change"
    return dataclasses.replace(
        case, writes=(*case.writes, Write("POST", joint_organization_body, action=action, moves=True, name="covered_regions"))
    )


register(*[
    _with_covered_regions(case)
    for case in scoped_admin_cases(ORGANIZATION, "orgs.organization", organization_admin_body, organization_admin_body)
])

# Persons are never deleted in the admin (no service deletes them): add and change are scoped writes.
register(*[
    case for case in scoped_admin_cases(PERSON, "census.person", person_admin_body, person_admin_body)
    if not case.route.endswith(("_changelist", "_delete"))
])
register(
    RouteCase("admin:census_person_changelist", ADMIN, PERSON, methods=ADMIN_METHODS,
              reads=(Probe(), Probe(data=lambda world, obj: {"q": "矩阵"}, name="search")), writes=(REFUSED_DELETE_SELECTED,)),
    # The search form POSTs (a full document number never enters a URL) and is answered with the list.
    RouteCase("admin:census_person_search", ADMIN, PERSON, methods=("POST",), follow=True,
              reads=(Probe("POST", data=lambda world, obj: {"q": "矩阵"}, name="by-name"),
                     Probe("POST", data=lambda world, obj: {"q": _id_number(world.own(PERSON).region, 1)},
                           leader_sees_both=False, name="by-document-number"))),
    RouteCase("admin:census_person_delete", ADMIN, PERSON, kwargs=by_object_id, methods=ADMIN_METHODS,
              reads=(Probe(shows_own=False),), own_status=(403,), leader_reads=False, writes=(REFUSED_DELETE,)),
)
register(*import_export_cases(PERSON, "census.person", Person, _person_csv))

# A county official reads campaigns; only federation staff and administrators change them.
register(*admin_managed_cases(CAMPAIGN, "census.campaign", campaign_admin_body))
register(*import_export_cases(CAMPAIGN, "census.campaign", Campaign))
# Policies: read where they govern, changed by administrators only.
register(*admin_managed_cases(POLICY, "census.policy", policy_admin_body))

# Rows the census writes itself.
register(*read_only_admin_cases(PERSON_EVENT, "census.personevent"))
register(*read_only_admin_cases(HEADCOUNT, "census.headcount"))
register(*read_only_admin_cases(REQUIREMENT, "census.requirement"))
register(*read_only_admin_cases(ROLLUP, "census.coveragerollup"))
register(*read_only_admin_cases(
    CENSUS_IMPORT, "census.censusimport",
    extra=(RouteCase("admin:census_censusimport_download", ADMIN, CENSUS_IMPORT,
                     kwargs=lambda obj: {"object_id": obj.pk, "which": "file"}, reads=(Probe(shows_own=False),),
                     own_status=(403,)),),
))
