"""Events of organizations; later apps (tasks) subscribe, orgs imports none of them."""
from django.dispatch import Signal

# Sent after a founding-procedure transition commits (sender=Organization): `organization`, `old_status`,
# `new_status` (OrganizationStatus values), `actor` (the user) and `step` (the recorded step, or None).
organization_status_changed = Signal()
