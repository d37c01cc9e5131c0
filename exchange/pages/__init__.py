"""The web pages: Starlette routes rendering templates from ``web/templates``."""
