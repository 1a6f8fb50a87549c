"""What people say (issue 21 point 5): the released open answers of a wave, grouped into themes."""
