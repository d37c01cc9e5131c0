"""The policy engine: Cedar policies from ``policies/`` decide every action."""

from exchange.policy.engine import PolicyEngine
from exchange.policy.resource import PLATFORM, SUSPENDED, Resource

__all__ = ["PLATFORM", "SUSPENDED", "PolicyEngine", "Resource"]
