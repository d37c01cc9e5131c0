"""Requests: what a partner needs."""
