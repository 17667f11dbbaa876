"""Tasks' "其他责任人" (plain text shown to everyone who sees the task) keep no phone or document number any more
(tasks.plans.services.contacts_validate refuses them): numbers written before are masked here, as a phone is shown
everywhere else (139****5678). Irreversible on purpose: the clear number is not kept anywhere."""
import re

from django.db import migrations

NUMBER = re.compile(r"\d{7,}")
SEPARATORS = re.compile(r"(?<=\d)[\s\-()（）]+(?=\d)")


def _masked(text: str) -> str:
    half = text.translate({code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)})  # full-width digits
    joined = SEPARATORS.sub("", half)
    if not NUMBER.search(joined):
        return text
    return NUMBER.sub(lambda match: match.group()[:3] + "*" * (len(match.group()) - 7) + match.group()[-4:], joined)


def mask_numbers(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    for task in Task.objects.exclude(responsible_contacts=[]).only("pk", "responsible_contacts").iterator():
        contacts = [
            {**item, "name": _masked(str(item.get("name", ""))), "contact": _masked(str(item.get("contact", "")))}
            for item in task.responsible_contacts or []
        ]
        if contacts != task.responsible_contacts:
            Task.objects.filter(pk=task.pk).update(responsible_contacts=contacts)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0007_notification_channels")]
    operations = [migrations.RunPython(mask_numbers, migrations.RunPython.noop)]
