"""Allocations: quantities of offer lines promised to request lines."""
