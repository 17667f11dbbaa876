"""Naming a job without importing it.

Jobs call services, so services never import jobs (that would be an import circle): a service names the job
it wants by its registered Celery name. The job modules are loaded on first use (`jobs.py` of every concern
package, see `qiaolian/celery.py`). With `REDIS_URL` unset, Celery runs the job eagerly, in-process.

A service queues a job durably with `orgs.jobs.services.job_enqueue` (a row in its transaction, sent on commit,
relayed after a broker outage). `job_kick` here is only for a job whose work is already durable elsewhere: the
e-mail relay, whose messages are rows of the e-mail outbox and which beat runs every minute anyway."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from celery import current_app
from celery.app.task import Task

logger = logging.getLogger(__name__)

# After the broker refused a message, requests leave it alone this long: with Redis down each attempt costs seconds
# (redis-py retries the connection with back-off), which a page must not wait for. What is not sent meanwhile waits
# in its outbox for the relay.
BROKER_RETRY_AFTER = 10.0


class _BrokerBreaker:
    down_until = 0.0


def broker_resting() -> bool:
    """True for BROKER_RETRY_AFTER seconds after a refused message (always False when jobs run in-process)."""
    return not current_app.conf.task_always_eager and time.monotonic() < _BrokerBreaker.down_until


def broker_failed() -> None:
    _BrokerBreaker.down_until = time.monotonic() + BROKER_RETRY_AFTER


def broker_reset() -> None:
    _BrokerBreaker.down_until = 0.0


def jobs_run_in_process() -> bool:
    """True without a broker (REDIS_URL unset): jobs run eagerly in the web process, and no beat runs the periodic
    jobs (the sweeps of stuck jobs among them)."""
    return bool(current_app.conf.task_always_eager)


def registered_job(name: str) -> Task:
    """The job registered under `name`; an unknown name is a programming error and raises KeyError."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def job_kick(name: str, *args: object, retry: bool = False,
             on_broker_error: Callable[[Exception], None] | None = None) -> bool:
    """Sends the job `name` with `args` now, best effort (call it from `transaction.on_commit`). A broker that
    is down never fails the caller: the error goes to `on_broker_error` (or the log) and False is returned."""
    job = registered_job(name)
    try:
        if broker_resting():
            raise ConnectionError(f"the broker refused a message less than {BROKER_RETRY_AFTER:.0f} s ago")
        job.apply_async(args=args, retry=retry)
    except Exception as error:
        if not current_app.conf.task_always_eager:
            broker_failed()
        if on_broker_error is None:
            logger.warning("job %s not queued (%s)", name, error)
        else:
            on_broker_error(error)
        return False
    return True
