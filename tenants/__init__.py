"""Tenants: the merged organisation, its legacy organisations, memberships and roles, and the
automatic scoping that keeps one tenant's rows away from another."""
