"""Models of the tasks app, one module per concern: plans (plans, milestones, tasks), notifications
(inbox, outbox, digests) and reports (report jobs). Each module lists its models in `__all__`."""
from .notifications import *  # noqa: F401,F403
from .plans import *  # noqa: F401,F403
from .reports import *  # noqa: F401,F403
