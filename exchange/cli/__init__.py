"""The ``exchange`` command: one group per noun."""
