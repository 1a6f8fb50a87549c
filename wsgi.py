"""Entry point for gunicorn: `gunicorn wsgi:app`. Settings come from the environment (README)."""
import gc

from saas import create_app

app = create_app()
# What the start-up made (modules, templates, the app) lives as long as the process: keep it out of
# the garbage collector's full collections, which otherwise walk it all again every few requests
# (70–130 ms each: the slowest readings of a large tenant's report, bench/report_page.py).
gc.freeze()
