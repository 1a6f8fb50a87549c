"""Single sign-on per tenant: OpenID Connect (issue 18, point 1). The tenant's admin configures its provider;
people sign in through it at /t/<slug>/sso/login and become members just in time."""
