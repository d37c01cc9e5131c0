"""Partner institutions."""
