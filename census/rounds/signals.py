"""Events of census rounds; the notifications and the dashboard (tasks) subscribe, the rounds import none of them."""

from django.dispatch import Signal

# Sent after a report's step commits: report_id, step_id and step ("submit", "approve", "return", "reopen").
report_stepped = Signal()
