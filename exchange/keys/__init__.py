"""Partners' Ed25519 signing keys: registered public keys, custodial keys, the JWKS."""
