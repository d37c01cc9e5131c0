"""Seminars and their materials."""
