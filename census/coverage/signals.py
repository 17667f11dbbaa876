"""Events of coverage; later apps (tasks) subscribe, the census imports none of them."""

from django.dispatch import Signal

# Sent after coverage evaluation commits, when places crossed a threshold upwards (became
# required) or downwards (no longer required): `crossings` is a list of dicts with region_id,
# unit_id, level, old and new verdicts and requirement_id. Tasks subscribe; the census imports none.
requirement_changed = Signal()
