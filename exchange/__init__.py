"""Scholarly Exchange: exchange of scholarly resources between libraries that are hard to reach."""
