"""The kernel: what every feature stands on, and which imports no feature.

Database and model helpers, tenancy mechanics (with `tenants/`), errors, form fields, formatting,
notifications, mail rendering, file sniffing, the job queue, and anonymity (`saas.anonymity`).
The import contracts in `.importlinter` hold this: a kernel module that imports a feature fails
`make test`.
"""
