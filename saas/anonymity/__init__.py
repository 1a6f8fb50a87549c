"""Anonymity, owned in one place (DESIGN.md §3), the way tenancy is owned by the scoping hook.

Every feature that collects answers people give anonymously (survey waves, pulse checks, 360
rounds, anonymous expectations, workshop evaluations, the comparison and the reports built on
them) goes through this package; no other module computes k or decides what is shown.

- `policy`: the thresholds (k, the free-text threshold, the 360 minima) and how a collection's k is
  fixed when it is launched.
- `audit`: which groups may be shown, exactly: everything a reader can derive by adding and
  subtracting shown figures must rest on 0 or at least k people (minimum cut over organisations and
  teams); `people` does the same where groups overlap arbitrarily (people are the atoms).
- `releases`: figures exist only at release points (the close, or checkpoints fixed before the
  launch); a release stores the audited pattern and the figures, and every page, JSON, CSV and PDF
  serves a stored release.
- `pool`: the collection flow: an answer is taken in detached from its invitation, mixed into the
  results in a transaction of its own once k wait, and the close rewrites the results in one go.
- `access`: the access log of every reading of anything built from answers, and of every change of
  the rules (k, consent).
"""
