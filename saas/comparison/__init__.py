"""Cross-culture comparison between the legacy organisations (DESIGN.md §5)."""
