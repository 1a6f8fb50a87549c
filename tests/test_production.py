"""Production mode refuses to start without its secrets; wsgi.py exposes the app."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from saas.kernel.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.smoke


def test_production_without_secret_key_or_database_url_refuses_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("KOERS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY and DATABASE_URL"):
        Settings.from_env()
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env()


def test_the_koers_command_says_so_too():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env["KOERS_ENV"] = "production"
    result = subprocess.run([str(Path(sys.executable).with_name("koers")), "db", "current"], env=env,
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0
    assert "refuses to start in production without SECRET_KEY and DATABASE_URL" in result.stderr


def test_wsgi_exposes_the_app(stack, monkeypatch):
    monkeypatch.setenv("KOERS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")  # the database's: it checks the signed scope with it
    monkeypatch.setenv("DATABASE_URL", stack.app_url)
    sys.modules.pop("wsgi", None)
    import wsgi

    assert wsgi.app.config["KOERS"].production
    assert wsgi.app.test_client().get("/healthz").get_json() == {"status": "ok"}
