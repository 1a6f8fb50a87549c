"""Background jobs: queue setup, job functions and the worker entry point (DESIGN.md §7)."""
