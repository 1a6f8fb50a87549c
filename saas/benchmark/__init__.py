"""The benchmark across tenants (issue 21 point 7): sector norms from opted-in tenants' released figures.

- `models`: a tenant's participation (its sector), the frozen norms (platform-wide, no tenant id) and each
  tenant's record of having contributed (its own row, gone with it).
- `service`: opting in and out, periods, making a norm once per sector and period (the sweeper,
  `koers benchmark-release`), and the norm as each reader may see it. What may be shown is decided by
  saas.anonymity.benchmark.
- `views`: the tenant's page (participation, its contributions, the norm).
"""
