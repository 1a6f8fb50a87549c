"""A job that exists only for the tests: it reports progress step by step, slowly.

No real job reports progress yet in this part of the code, so the progress test uses this one. The
fault tests' worker imports it because they start it with the project root on PYTHONPATH.
"""
import time

from saas.kernel.jobs import report_progress, tenant_job


@tenant_job
def count_slowly(session, settings, steps: int, pause: float) -> int:
    for step in range(steps):
        report_progress(100 * step / steps, f"Step {step + 1} of {steps}")
        time.sleep(pause)
    return steps
