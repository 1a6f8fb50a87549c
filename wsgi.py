"""Entry point for gunicorn: `gunicorn wsgi:app`. Settings come from the environment (README)."""
from saas import create_app

app = create_app()
