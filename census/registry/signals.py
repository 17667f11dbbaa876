"""Events the registry emits; later capabilities (coverage rules, tasks) subscribe, the registry imports none of them."""

from django.dispatch import Signal

# Sent after a census change commits: region_ids and unit_ids are the places whose own
# headcounts changed (their ancestors' subtree totals changed with them); campaign is the round
# (None when the change was not made under a particular campaign).
census_changed = Signal()
