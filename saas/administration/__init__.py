"""Tenant administration: creating a tenant, its settings and the works council's consent setting,
legacy organisations, people and their roles, invitations and accepting them. The tenancy
mechanism itself (models, scoping, guards, RLS, membership lookups) is `tenants/`."""
