"""`koers worker`: an RQ worker on our queues, after a sweep for work left pending."""
from __future__ import annotations

import logging

from rq import Worker

from workers.queue import QUEUES, redis_connection

log = logging.getLogger(__name__)


def run_worker(settings, *, burst: bool = False, with_scheduler: bool = True) -> bool:
    from workers.jobs import sweep_outbox

    swept = sweep_outbox()
    if swept:
        log.info("re-enqueued %d pending mail(s)", swept)
    connection = redis_connection(settings.redis_url)
    worker = Worker(list(QUEUES), connection=connection)
    return worker.work(burst=burst, with_scheduler=with_scheduler)
