"""The kernel: what every feature stands on, and which imports no feature.

| module | holds |
|---|---|
| `config`, `extensions`, `i18n`, `security`, `logredact` | settings, Flask extensions, languages, security headers, log redaction |
| `db`, `models`, `migrate` | engine and session, model helpers (tenant-owned rows, tenant foreign keys), Alembic |
| `errors`, `views`, `forms`, `formatting`, `downloads`, `files` | the error pages, the one view pattern, form fields, number formatting, downloads, file sniffing |
| `outbox`, `mail`, `mail_jobs`, `notifications` | the mail outbox and its delivery, mails from templates, in-app notifications |
| `jobs`, `job_runtime`, `job_models` | the job queue (enqueue by name), the run wrapper, job records |
| `tokens`, `consent` | personal-link tokens (only hashes kept), the works council's consent rules |

Beside it in the kernel layer: anonymity (`saas.anonymity`) and the tenancy core (`tenants.models`,
`scoping`, `guards`, `rls`). The import contracts in `.importlinter` hold this: a kernel module that
imports a feature fails `make test` (tests/test_structure.py).
"""
