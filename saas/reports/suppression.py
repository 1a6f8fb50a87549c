from saas.anonymity.audit import *  # noqa: F401,F403  (moved; the integrator removes this shim)
from saas.anonymity.audit import COMPLEMENTARY, FEWER_THAN_K, REST, Shown, audit, cut_weights  # noqa: F401
