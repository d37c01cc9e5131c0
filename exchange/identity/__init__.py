"""Accounts, memberships, tokens and the acting identity."""
