"""Pages for the platform admin (users with `is_platform_admin`), outside any tenant.

Everyone else, signed in or not, gets 404: these pages do not exist for them.
"""
