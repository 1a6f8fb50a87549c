"""The home of a person in a tenant: what to do next, a section per role (issue 17, build point 1)."""
