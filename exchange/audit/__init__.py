"""The audit trail: every state change, in a tamper-evident hash chain."""
