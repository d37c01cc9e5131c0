"""ASGI middleware around every route: body limit, security headers, "retry later"."""
