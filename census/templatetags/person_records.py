"""The person page's section of organization records (templates/census/includes/person_records.html)."""
from __future__ import annotations

from django import template

from census.registry.models import Person
from census.registry.record_links import PersonRecords, person_records

register = template.Library()


@register.simple_tag
def person_organization_records(person, user) -> PersonRecords:
    can_edit = Person.objects.editable_by(user).filter(pk=person.pk).exists()
    return person_records(person, user, can_edit=can_edit)
