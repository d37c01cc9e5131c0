"""The HTTP layer every route sits in (an adapter, beside ``api`` and ``pages``): ASGI
middleware (body limit, security headers, an app built at its first request) and the
transport-level refusals in the GraphQL error shape. It imports Starlette; the domain never
imports it (``tests/test_architecture.py``)."""
