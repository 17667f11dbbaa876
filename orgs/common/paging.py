"""Paging of lists that may hold a province's million rows (the registry): count at most `CAP` rows.

Django's paginator and DRF's page-number pagination count every matching row for "共 N 人" and the last page
number; on 云南省's 1,000,000 people that `COUNT(*)` cost 190 of the person list's 360 ms (issue 18 §3). The
capped paginator counts `SELECT count(*) FROM (… LIMIT CAP + 1)` without the list's ordering, which stops after
CAP + 1 rows: exact below the cap, "more than CAP" above it, where the list offers its first CAP rows and asks
to narrow the filter (nobody pages through ten thousand people; a filter finds them)."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose `count` is exact up to `cap` and `cap` above it (then `is_capped`)."""

    cap = CAP

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):  # a queryset: no sort is needed to count
            return rows.order_by()[: self.cap + 1].count()
        return len(rows)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._counted > self.cap


class CappedPageNumberPagination(PageNumberPagination):
    """The API's page-number pagination on the capped paginator: `count` is exact unless `count_capped` is
    true, when at least `count` rows match and only those are paged."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        return Response({
            "count": self.page.paginator.count,
            "count_capped": self.page.paginator.is_capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true: more than {CAP} rows match; `count` is {CAP} and only those are paged",
        }
        described["required"] = [*described.get("required", []), "count_capped"]
        return described
