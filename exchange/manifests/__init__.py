"""Signed manifests: what a shipment contains, signed by its sender and countersigned by
its receiver, verifiable offline with any JOSE library (see ``signing`` for the format)."""
