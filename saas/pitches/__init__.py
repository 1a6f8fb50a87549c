"""Business-case pitches: written by a team, submitted, reviewed on a scorecard and decided."""
