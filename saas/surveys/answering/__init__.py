"""Answering a survey: what a respondent sees and sends.

- `engine`: the steps of a wave, how a step's form goes into the draft, what is still wrong, and the
  one flow of a posted step (`engine.post`) that ends, at the review, in sending the answers to
  `saas.surveys.service` (`engine.send`). Plain functions; only `about_options` and `send` touch
  the database.
- `views`: the respondent's pages (blueprint "respond"): personal link, open link, preview and the
  JSON submission; where each kind of respondent keeps its draft.

The JSON submission's fast path is `saas.surveys.intake`.
"""
