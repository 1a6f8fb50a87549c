"""Tenants: the merged organisation, its legacy organisations, memberships and roles, and the
automatic scoping that keeps one tenant's rows away from another. The tenancy core every feature
stands on (models, scoping, guards, rls, service lookups); it imports no feature. Administering a
tenant (people, invitations, settings) is `saas.administration`."""
