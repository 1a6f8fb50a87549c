"""SCIM 2.0 provisioning per tenant (issue 18, point 3): the tenant's identity provider (Microsoft Entra ID
and others) creates, updates, deactivates and deletes its people at /t/<slug>/scim/v2, with a bearer token
per tenant; its groups give legacy organisations and roles as the tenant's admin maps them."""
