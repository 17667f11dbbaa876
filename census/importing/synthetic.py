"""Deterministic synthetic census data under the real county-level tree, for demos and benchmarks.

Townships, villages, units and people with heavy-tailed headcounts (most villages 0-10 people, a
few 侨乡 villages far above 30, a few townships above 100), valid identity documents (resident IDs for
most; passports and permits for every 外籍华人, 15% of 华侨 and a few returnees, `synthetic_document`) and
Chinese names. The same seed gives the same data. People are written with COPY on PostgreSQL.
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from census.importing.columns import CATEGORY_LABELS, PERSON_COLUMNS, TEMPLATE_DOCUMENTS
from census.importing.excel_layout import write_excel_xlsx
from census.registry.headcounts import headcounts_rebuild
from census.registry.models import Campaign, Category, DocumentType, Headcount, Person
from orgs.common.bulk import analyze, copy_insert
from orgs.common.crypto import encryptor
from orgs.common.identifiers import document_key, mask_document, resident_id_check_char
from orgs.common.phones import PHONE_COLUMNS, phone_encoder
from orgs.regions.models import Region, RegionLevel
from orgs.regions.services import regions_import
from orgs.units.models import Unit, UnitKind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌辉鹏宇浩然子涵欣怡梓轩雨桐思远嘉怡晨曦俊杰佳琪海燕春林永福德胜家豪丽华淑珍国强金凤玉兰晓东"
PLACE = "东南西北中上下大小新老金银石河山湖林田沙水龙凤马牛云龙华阳平安和兴隆福寿康宁永昌盛泰丰源清溪岭坝岗桥营屯寨堡庄冲坪塘湾洲"
UNIT_STEMS = ("第一中学", "实验小学", "人民医院", "农业科技园", "商贸城", "侨乡市场", "职业技术学院", "电力公司", "食品有限公司", "旅游开发公司", "商会", "物流园")
COUNTRIES = ("缅甸", "泰国", "越南", "老挝", "马来西亚", "新加坡", "印度尼西亚", "菲律宾", "美国", "加拿大", "澳大利亚", "英国", "法国", "日本")
CATEGORY_WEIGHTS = (
    (Category.RELATIVE, 50), (Category.RETURNED, 10), (Category.OVERSEAS, 15),
    (Category.FOREIGN_CHINESE, 5), (Category.STUDENT, 12), (Category.STUDENT_RELATIVE, 8),
)
UNIT_KINDS = [k for k, _ in UnitKind.choices]


@dataclass(frozen=True)
class Scale:
    """How much to generate: `scope` is a region code (None: the whole country)."""

    scope: str | None
    townships_per_county: int
    villages_per_township: int
    units_per_county: int
    people: int


SCALES = {
    "demo": Scale("530400", 6, 6, 12, 6_000),
    "county": Scale("530423", 10, 10, 100, 5_000),
    "province": Scale("530000", 12, 13, 155, 1_000_000),  # 129 counties: ~1,500 townships, ~20,000 villages
    "nation": Scale(None, 4, 4, 8, 2_000_000),
}


@dataclass
class GenerationReport:
    townships: int = 0
    villages: int = 0
    units: int = 0
    people: int = 0
    seconds: float = 0.0


def _place_name(rng: random.Random) -> str:
    return rng.choice(PLACE) + rng.choice(PLACE)


def _weights(rng: random.Random, n: int, alpha: float) -> list[float]:
    """Heavy-tailed weights (Pareto): most small, a few very large."""
    return [rng.paretovariate(alpha) - 1 for _ in range(n)]


def resident_id(rng: random.Random, county_code: str, taken: set[str]) -> tuple[str, dt.date, str]:
    """A valid, unused 18-character resident ID issued in `county_code`: (number, birth, gender)."""
    while True:
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 31_000))
        sequence = rng.randrange(0, 1000)
        first17 = f"{county_code}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + resident_id_check_char(first17)
        if number not in taken:
            taken.add(number)
            return number, birth, "M" if sequence % 2 else "F"


# The documents of people without a resident ID, by category: (type, weight); the rest hold a resident ID.
# Every 外籍华人 (foreign nationals: a foreign passport, or China's permanent residence ID), 15% of 华侨
# (Chinese passports: many no longer hold a resident ID), a few returnees from Hong Kong, Macao and Taiwan.
DOCUMENT_SHARES: dict[str, tuple[tuple[str, float], ...]] = {
    Category.FOREIGN_CHINESE: ((DocumentType.PASSPORT, 0.8), (DocumentType.FOREIGN_PR, 0.2)),
    Category.OVERSEAS: ((DocumentType.PASSPORT, 0.15),),
    Category.RETURNED: ((DocumentType.HK_MACAO_PERMIT, 0.03), (DocumentType.TAIWAN_PERMIT, 0.01), (DocumentType.RESIDENCE_PERMIT, 0.01)),
}
DOCUMENT_LABELS = dict(zip(DocumentType.values, TEMPLATE_DOCUMENTS))
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _birth_and_gender(rng: random.Random) -> tuple[dt.date, int]:
    return dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 31_000)), rng.randrange(0, 1000)


def synthetic_document(rng: random.Random, category: str, county_code: str, taken: set[str]) -> tuple[str, str, dt.date, str]:
    """An unused, valid identity document for a person of `category`: (type, number, birth, gender)."""
    draw = rng.random()
    id_type: str = DocumentType.RESIDENT_ID
    for candidate, share in DOCUMENT_SHARES.get(category, ()):
        if draw < share:
            id_type = candidate
            break
        draw -= share
    if id_type == DocumentType.RESIDENT_ID:
        number, birth, gender = resident_id(rng, county_code, taken)
        return id_type, number, birth, gender
    while True:
        birth, sequence = _birth_and_gender(rng)
        if id_type in (DocumentType.RESIDENCE_PERMIT, DocumentType.FOREIGN_PR):
            # GB 11643 layout: 810000 / 820000 / 830000, or 9 + province + nationality, then the birth date
            head = rng.choice(("810000", "820000", "830000")) if id_type == DocumentType.RESIDENCE_PERMIT else f"953{rng.randrange(100, 999)}"
            first17 = f"{head}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + resident_id_check_char(first17)
        elif id_type == DocumentType.HK_MACAO_PERMIT:
            number = f"{rng.choice('HM')}{rng.randrange(0, 10**8):08d}"
        elif id_type == DocumentType.TAIWAN_PERMIT:
            number = f"{rng.randrange(0, 10**8):08d}"
        elif category == Category.OVERSEAS:  # a Chinese passport
            number = f"E{rng.choice(_LETTERS)}{rng.randrange(0, 10**7):07d}"
        else:  # a foreign passport
            number = "".join(rng.choice(_LETTERS) for _ in range(2)) + f"{rng.randrange(0, 10**7):07d}"
        key = document_key(id_type, number)
        if key not in taken:
            taken.add(key)
            return id_type, number, birth, "M" if sequence % 2 else "F"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _counties(scale: Scale) -> list[Region]:
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    if scale.scope:
        scope = Region.objects.get(code=scale.scope)
        counties = counties.within(scope)
    return list(counties.order_by("code"))


def generate_regions(scale: Scale, rng: random.Random) -> tuple[int, int]:
    """Townships and villages under each county in scope (existing codes are kept as they are)."""
    counties = _counties(scale)
    existing = set(Region.objects.filter(level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]).values_list("code", flat=True))
    rows: list[dict[str, str]] = []
    for county in counties:
        for t in range(scale.townships_per_county):
            series = rng.choice(("0", "1", "1", "2"))
            suffix = {"0": "街道", "1": "镇", "2": "乡"}[series]
            township_code = f"{county.code}{series}{t + 30:02d}"
            drawn = [{"code": township_code, "name": _place_name(rng) + suffix, "level": "township", "parent_code": county.code}]
            for v in range(scale.villages_per_township):
                urban = series == "0" or rng.random() < 0.2
                village_code = f"{township_code}{'0' if urban else '2'}{v + 1:02d}"
                drawn.append({"code": village_code, "name": _place_name(rng) + ("社区" if urban else "村"), "level": "village", "parent_code": township_code})
            # Drawn in full before skipping what exists: a re-run consumes the generator identically
            # and so produces the same places (and units, people) instead of new ones.
            rows += [r for r in drawn if r["code"] not in existing]
    result = regions_import(rows, ["code", "name", "level", "parent_code"])
    townships = sum(1 for r in rows if r["level"] == "township")
    return townships, result.created - townships


def generate_units(scale: Scale, rng: random.Random) -> int:
    counties = _counties(scale)
    places = _places_by_county(counties)
    units = []
    for county in counties:
        names = set()
        for index in range(scale.units_per_county):
            region_id = rng.choice(places[county.pk]) if places[county.pk] else county.pk
            name = f"{county.name[:2]}{_place_name(rng)}{rng.choice(UNIT_STEMS)}"
            if name in names:
                name = f"{name}{index}"
            names.add(name)
            kind = rng.choice(UNIT_KINDS)
            units.append(Unit(name=name, kind=kind, region_id=region_id, is_two_new=kind in ("non_public_economy", "social_organization")))
    existing = set(Unit.objects.values_list("region_id", "name"))
    fresh = [u for u in units if (u.region_id, u.name) not in existing]
    Unit.objects.bulk_create(fresh, batch_size=5000)
    return len(fresh)


def _places_by_county(counties: list[Region]) -> dict[int, list[int]]:
    """Villages (or townships where a county has no villages) per county id, from MPTT ranges: one query."""
    by_county: dict[int, list[int]] = {c.pk: [] for c in counties}
    if not counties:
        return by_county
    tree_ids = {c.tree_id for c in counties}
    ranges = sorted((c.tree_id, c.lft, c.rght, c.pk) for c in counties)
    below = Region.objects.filter(tree_id__in=tree_ids, level__in=[RegionLevel.VILLAGE, RegionLevel.TOWNSHIP]).order_by("tree_id", "lft").values_list("pk", "tree_id", "lft", "level")
    townships: dict[int, list[int]] = {c.pk: [] for c in counties}
    keys = [(r[0], r[1]) for r in ranges]
    for pk, tree_id, lft, level in below.iterator(chunk_size=20000):
        index = bisect.bisect_right(keys, (tree_id, lft)) - 1
        if index < 0:
            continue
        c_tree, c_lft, c_rght, c_pk = ranges[index]
        if c_tree == tree_id and c_lft < lft < c_rght:
            (by_county if level == RegionLevel.VILLAGE else townships)[c_pk].append(pk)
    return {pk: by_county[pk] or townships[pk] for pk in by_county}


def generate_people(scale: Scale, rng: random.Random, campaign: Campaign, batch: int = 20_000) -> int:
    """`scale.people` people spread over villages with heavy-tailed weights; 40% work in a unit of their county."""
    counties = _counties(scale)
    places = _places_by_county(counties)
    units_by_county: dict[int, list[int]] = {c.pk: [] for c in counties}
    county_of_place = {}
    for county in counties:
        for place in places[county.pk]:
            county_of_place[place] = county
    for unit_id, region_id in Unit.objects.filter(region_id__in=list(county_of_place) + [c.pk for c in counties]).values_list("pk", "region_id"):
        unit_county = county_of_place.get(region_id)
        if unit_county is not None:
            units_by_county[unit_county.pk].append(unit_id)
    all_places = [p for c in counties for p in places[c.pk]] or [c.pk for c in counties]
    weights = _weights(rng, len(all_places), 1.05)
    total = sum(weights) or 1.0
    counts = [int(w / total * scale.people) for w in weights]
    shortfall = scale.people - sum(counts)
    for i in rng.sample(range(len(all_places)), k=min(shortfall, len(all_places))):
        counts[i] += 1
    counts[0] += scale.people - sum(counts)
    county_by_place = {p: county_of_place.get(p) or next(c for c in counties if c.pk == p) for p in all_places}
    taken: set[str] = set()
    encrypt, keyed_hash = encryptor()
    encode_phone = phone_encoder()
    categories, category_weights = zip(*CATEGORY_WEIGHTS)
    existing_hashes = set(Person.objects.values_list("id_number_hash", flat=True))

    def people() -> Iterator[tuple]:
        for place, n in zip(all_places, counts):
            county = county_by_place[place]
            unit_pool = units_by_county.get(county.pk, [])
            for _ in range(n):
                category = rng.choices(categories, category_weights)[0]
                id_type, number, birth, gender = synthetic_document(rng, category, county.code, taken)
                id_hash = keyed_hash(document_key(id_type, number))
                if id_hash in existing_hashes:
                    continue
                abroad = category in (Category.OVERSEAS, Category.FOREIGN_CHINESE)
                unit_id = rng.choice(unit_pool) if unit_pool and not abroad and rng.random() < 0.4 else None
                flags = (
                    rng.random() < 0.05, birth.year > 2010 and rng.random() < 0.2, birth.year < 1960 and rng.random() < 0.2,
                    rng.random() < 0.02, category == Category.STUDENT or rng.random() < 0.1,
                )
                phone = f"1{rng.choice('35789')}{rng.randrange(0, 10**9):09d}"
                yield (
                    person_name(rng), gender, birth, id_type, encrypt(number), id_hash, mask_document(number), category,
                    place, unit_id, rng.choice(COUNTRIES) if abroad or id_type == DocumentType.PASSPORT else "", *encode_phone(phone), *flags,
                    campaign.pk,
                )

    columns = (
        "name", "gender", "birth_date", "id_type", "id_number_encrypted", "id_number_hash", "id_number_masked", "category",
        "region_id", "unit_id", "country", *PHONE_COLUMNS, "is_needy", "is_left_behind_child", "is_empty_nest_elderly",
        "is_high_level_talent", "is_new_overseas", "verified_campaign_id",
    )
    written = 0
    now = timezone.now()
    chunk: list[tuple] = []
    for row in people():
        chunk.append(row)
        if len(chunk) >= batch:
            written += _write_people(columns, chunk, now)
            chunk = []
    if chunk:
        written += _write_people(columns, chunk, now)
    return written


def _write_people(columns: tuple[str, ...], rows: list[tuple], now) -> int:
    return copy_insert(Person, (*columns, "notes", "created_at", "updated_at"), ((*row, "", now, now) for row in rows))


@transaction.atomic
def generate_census(scale_name: str, seed: int) -> GenerationReport:
    """Builds the dataset for a scale (idempotent for regions and units; people are added once)."""
    started = timezone.now()
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    report = GenerationReport()
    report.townships, report.villages = generate_regions(scale, rng)
    report.units = generate_units(scale, rng)
    scope = Region.objects.get(code=scale.scope) if scale.scope else None
    year = timezone.localdate().year
    campaign_region = scope if scope is not None else Region.objects.get(code="530000")
    campaign, _ = Campaign.objects.get_or_create(
        year=year, region=campaign_region,
        defaults={"name": f"{year}年度{campaign_region.name}侨情调查", "deadline": dt.date(year, 12, 31)},
    )
    if not Person.objects.within(campaign_region).exists():
        report.people = generate_people(scale, rng, campaign)
    headcounts_rebuild(campaign=campaign)
    _previous_round(campaign, rng)
    analyze(Region, Unit, Person, Headcount)
    report.seconds = (timezone.now() - started).total_seconds()
    return report


def _previous_round(campaign: Campaign, rng: random.Random) -> None:
    """A closed campaign of the year before, its snapshot a little smaller: trends have two points."""
    previous, created = Campaign.objects.get_or_create(
        year=campaign.year - 1, region=campaign.region,
        defaults={"name": f"{campaign.year - 1}年度{campaign.region.name}侨情调查", "is_open": False,
                  "deadline": dt.date(campaign.year - 1, 12, 31)},
    )
    if not created:
        return
    rows = [
        Headcount(campaign=previous, region_id=h.region_id, unit_id=h.unit_id, category=h.category,
                  count=max(0, round(h.count * rng.uniform(0.85, 1.0))))
        for h in Headcount.objects.filter(campaign=campaign).only("region_id", "unit_id", "category", "count").iterator(chunk_size=20000)
    ]
    Headcount.objects.bulk_create(rows, batch_size=5000)


def write_census_sheet(path, *, rows: int, region_code: str, seed: int, fmt: str = "xlsx") -> int:
    """A census spreadsheet of `rows` new, valid people living in the villages under `region_code`."""
    import csv

    rng = random.Random(seed)
    scope = Region.objects.get(code=region_code)
    places = list(
        Region.objects.within(scope).filter(level__in=[RegionLevel.VILLAGE, RegionLevel.TOWNSHIP]).values_list("code", flat=True)
    ) or [scope.code]
    taken: set[str] = set()
    header = [c.header for c in PERSON_COLUMNS]
    categories, category_weights = zip(*CATEGORY_WEIGHTS)

    def data() -> Iterator[list]:
        for _ in range(rows):
            category = rng.choices(categories, category_weights)[0]
            id_type, number, birth, gender = synthetic_document(rng, category, region_code[:6], taken)
            abroad = category in (Category.OVERSEAS, Category.FOREIGN_CHINESE) or id_type == DocumentType.PASSPORT
            yield [
                person_name(rng), "男" if gender == "M" else "女", birth.strftime("%Y-%m-%d"), DOCUMENT_LABELS[id_type], number,
                CATEGORY_LABELS[category], rng.choice(places), "", rng.choice(COUNTRIES) if abroad else "",
                f"1{rng.choice('35789')}{rng.randrange(0, 10**9):09d}", "否", "否", "否", "否", "否", "",
            ]

    if fmt == "csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(data())
        return rows
    write_excel_xlsx(Path(path), header, data())  # as Excel saves it (excel_layout), sheet 侨情登记
    return rows
