"""What login and passwords tell the rest of the project (accounts clear the one-time password flag)."""
from django.dispatch import Signal

# sent after a user changed their own password on the password page; `user`
password_changed = Signal()
