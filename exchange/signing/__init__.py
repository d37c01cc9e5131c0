"""Ed25519 keys and canonical JSON (RFC 8785)."""
