"""gunicorn's settings for Koers. gunicorn reads ./gunicorn.conf.py by itself when started in the
checkout (README "Production"); elsewhere pass `-c /path/to/gunicorn.conf.py`.

The logger class redacts secret links (survey, open-link, pulse-check, 360, invitation and
password-reset tokens in URL paths and referrers) from gunicorn's access and error logs, see
saas/kernel/logredact.py. Turn the access log on with `--access-logfile -` (or `accesslog = "-"` here).
Everything else (workers, bind) stays on the command line.
"""
logger_class = "saas.kernel.logredact.RedactingGunicornLogger"
