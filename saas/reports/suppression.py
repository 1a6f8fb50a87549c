from saas.anonymity.audit import *  # noqa: F401,F403  (moved to saas/anonymity/audit.py; the integrator removes this shim)
