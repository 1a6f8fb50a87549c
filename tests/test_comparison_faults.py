"""Faults of the comparison job, with real Redis and real `koers worker` processes (issue 6 point 8).

- The worker killed (SIGKILL, the whole process tree) in the middle of a comparison: the stored
  result stays exactly the earlier one, and the run is visibly `failed` soon after (the comparison
  job has no retry policy, so the sweeper marks a run that lost its worker as failed); asking again
  then computes and stores a complete new result.
- Redis stopped while the admin closes a wave through its page: the request succeeds, the job run
  waits as `pending`, and once Redis is back the worker's sweeper enqueues it and the comparison runs.

The workers, their fixtures and helpers are those of tests/test_job_faults.py (a sweep every second,
a run lost after 10 s without a heartbeat).
"""
import time

import pytest
from sqlalchemy import func, select, update

from saas.comparison import service, synth
from saas.comparison.models import Comparison
from saas.surveys.models import Wave
from tenants.models import Tenant
from tests.helpers import Factory, wait_for
from tests.test_job_faults import _app, _run, _runs, start_worker  # noqa: F401 (a fixture)
from saas.reports.release import release_and_compare

pytestmark = pytest.mark.worker
BIG = 12_000  # answers per legacy organisation in the wave whose comparison is killed: 4 × 12,000


def _stored(make, tenant_id, wave_id):
    with make.session(tenant_id) as db:
        comparison = service.get_comparison(db, db.get(Wave, wave_id))
        count = db.scalar(select(func.count()).select_from(Comparison))
        return (None if comparison is None else
                (comparison.computed_at, comparison.inputs_digest, comparison.result, comparison.details)), count


def test_a_worker_killed_mid_comparison_leaves_the_earlier_result_and_the_run_visibly_failed(
        stack, database, make, start_worker):
    from saas.kernel.jobs import LOST

    tenant = make.tenant("oost", legacy_orgs=("AAL", "BEE", "CUR", "DRO"))
    with make.session(tenant.id) as db:
        [wave_id] = synth.synthesise(db, respondents=200, legacy_orgs=4, seed=5)
    with make.session(tenant.id) as db:  # the earlier comparison, computed from 200 answers
        assert release_and_compare(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id)).computed
    earlier, count = _stored(make, tenant.id, wave_id)
    assert count == 1 and sum(org["n"] for org in earlier[2]["orgs"]) == 200
    with make.session(tenant.id) as db:  # then many more answers: the stored result is out of date
        assert synth.fill_wave(db, db.get(Wave, wave_id), dict.fromkeys(tenant.legacy_org_ids, BIG), seed=6) == 4 * BIG

    first = start_worker()
    queued = Factory(_app(stack, database), database)  # its commits go to the real queue
    with queued.session(tenant.id) as db:
        assert service.request_comparison(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id)) == "queued"
    [run] = _runs(make, service.JOB)
    # in the middle: it has read the answers and is resampling (progress 10–99 %)
    wait_for(lambda: (lambda r: r is not None and 10 <= r.progress < 99)(_run(make, run.id, "running")),
              60, "the comparison's resampling")
    first.kill_hard()
    killed_at = time.monotonic()
    assert _stored(make, tenant.id, wave_id) == (earlier, 1)  # never half-written

    start_worker()  # a supervisor brings the worker back; its sweeper sees the heartbeat stop
    failed = wait_for(lambda: _run(make, run.id, "failed"), 40, "the lost comparison")
    assert time.monotonic() - killed_at < 30
    assert failed.error == LOST and failed.attempts == 1 and failed.finished_at is not None
    with make.session(tenant.id) as db:
        summary = service.latest_run(db, db.get(Wave, wave_id)).summary()
    assert summary["status"] == "failed" and summary["error"] == LOST and summary["finished"]
    time.sleep(1)
    assert _stored(make, tenant.id, wave_id) == (earlier, 1)  # still exactly the earlier result

    # asked again (the page's button), it runs to the end and replaces the result as a whole
    with queued.session(tenant.id) as db:
        assert service.request_comparison(db, db.get(Tenant, tenant.id), db.get(Wave, wave_id)) == "queued"
    again = [r for r in _runs(make, service.JOB) if r.id != run.id]
    assert len(again) == 1
    done = wait_for(lambda: _run(make, again[0].id, "done"), 60, "the comparison asked again")
    assert done.progress == 100 and done.attempts == 1
    (computed_at, digest, result, _details), count = _stored(make, tenant.id, wave_id)
    assert count == 1 and computed_at > earlier[0] and digest != earlier[1]
    assert [(org["code"], org["n"]) for org in result["orgs"]] == [
        (code, n + BIG) for code, n in ((org["code"], org["n"]) for org in earlier[2]["orgs"])]
    assert len(result["pairs"]) == 6 and all(p["distance_now"] is not None and p["p_now"] is not None
                                             for p in result["pairs"])


def test_redis_stopped_while_a_wave_closes_then_the_comparison_runs_once_it_is_back(stack, database, make,
                                                                                    start_worker):
    start_worker()
    tenant = make.tenant("oost")
    with make.session(tenant.id) as db:
        [wave_id] = synth.synthesise(db, respondents=90, legacy_orgs=3, seed=7)
        # open, and with no close date: the worker's sweeper would close a wave past its date by itself
        db.execute(update(Wave).where(Wave.id == wave_id).values(status="open", closes_on=None))
    app = _app(stack, database)
    admin = app.test_client()
    admin.login(tenant.admin_email)
    page = f"/t/{tenant.slug}/waves/{wave_id}"
    token = admin.csrf_token(page)
    stack.redis.stop()
    try:
        started = time.monotonic()
        response = admin.post(f"{page}/close", data={"confirm": "y", "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].endswith(page)
        assert time.monotonic() - started < 10  # it did not hang on Redis
        with make.session(tenant.id) as db:
            assert db.get(Wave, wave_id).status == "closed"
        [run] = _runs(make, service.JOB)
        assert run.status == "pending" and run.args == [tenant.id, wave_id]
        assert _stored(make, tenant.id, wave_id) == (None, 0)
    finally:
        stack.redis.start()  # empty: nothing of the job ever reached it
    done = wait_for(lambda: _run(make, run.id, "done"), 40, "the comparison")
    assert done.attempts == 1 and done.progress == 100
    (_at, _digest, result, _details), count = _stored(make, tenant.id, wave_id)
    assert count == 1 and [org["code"] for org in result["orgs"]] == ["AAL", "BEE", "CUR"]
    assert sum(org["n"] for org in result["orgs"]) == 90 and len(result["pairs"]) == 3
