"""Values-alignment surveys: instruments, waves, anonymous invitations and answers.

Where to look:
- `instruments`: the values catalogue's seed, the culture profile and the psychological contract, and
  the one set of rules every answer is checked by (pages, JSON, CSV import, demo data).
- `models`, `service`: waves, consent, opening and closing, submission into the mixing pool.
- `administration` (blueprint "surveys", /waves): the admin's pages; `forms`, `catalogue` (the tenant's
  values), `loaders` (the wave in the URL, for both blueprints).
- `invitations`: who is invited, launching, reminders, newcomers, response rates.
- `answering/` (blueprint "respond", /survey): the respondent's pages (`views`) and the step engine
  (`engine`); `intake`: the JSON submission's fast path.
- `importer`: earlier results from a CSV file (web page and `koers import-responses`).
"""
