"""Shipments: allocations travelling between partners through a declarative state table."""
