"""The catalogue: works, their identifiers, and full-text search."""
