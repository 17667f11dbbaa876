"""Events the census emits; later capabilities (coverage rules, tasks) subscribe, the census imports none of them."""
from django.dispatch import Signal

# Sent after a census change commits: region_ids and unit_ids are the places whose own
# headcounts changed (their ancestors' subtree totals changed with them); campaign is the round
# (None when the change was not made under a particular campaign).
census_changed = Signal()

# Sent after coverage evaluation commits, when places crossed a threshold upwards (became
# required) or downwards (no longer required): `crossings` is a list of dicts with region_id,
# unit_id, level, old and new verdicts and requirement_id. Tasks subscribe; the census imports none.
requirement_changed = Signal()
