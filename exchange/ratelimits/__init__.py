"""Attempt counters kept in the database, so that every process of a deployment shares them."""
