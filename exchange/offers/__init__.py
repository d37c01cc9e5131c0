"""Donation offers: what a donor partner can give."""
