"""Realistic demo data, loaded through the domain services like any other change."""
