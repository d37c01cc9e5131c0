"""Suggestions of offer lines for a request line."""
