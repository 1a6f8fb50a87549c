"""Billing with Stripe (issue 8). Not built yet: with no Stripe key, billing is off and every tenant is
active, which is all the app assumes today."""
