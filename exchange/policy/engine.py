"""Evaluates Cedar policies. Only an explicit Allow is an allow: a Deny, a NoDecision, an
evaluation error or an entity that does not match the schema all deny."""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy

from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity
from exchange.policy.explain import Explainer
from exchange.policy.resource import Resource, principal_entity, uid

log = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "policies"


@dataclass(frozen=True, slots=True)
class Explanation:
    """A decision and the @ids of the policies that decided it."""

    allowed: bool
    policies: tuple[str, ...]


class PolicyEngine:
    """The policy set and schema, parsed once; one instance per process."""

    def __init__(self, directory: Path = DEFAULT_DIRECTORY) -> None:
        self.directory = directory
        self.policy_text = "\n".join(
            p.read_text("utf-8") for p in sorted(directory.glob("*.cedar"))
        )
        self.schema_text = (directory / "schema.cedarschema").read_text("utf-8")
        self._policies = cedarpy.PolicySet.from_str(self.policy_text)
        self._schema = cedarpy.Schema.from_str(self.schema_text)
        self.explainer = Explainer.read(self.policy_text, self.schema_text)
        # A decision is a function of the request and its entities alone (the policies are
        # fixed for the life of the engine), so it is kept, keyed by their JSON: the key
        # costs tens of microseconds, an evaluation hundreds (the entity graph is parsed
        # and checked against the schema each time), and the same questions come back
        # (a page of works asks "work.search" per related list; every allocation between
        # two partners asks the same). Changed grants or attributes are another key.
        self._decision = functools.lru_cache(maxsize=4096)(self._decide)
        # Cedar names policies policy0, policy1... in the order of the text; people name them
        # by their @id annotation.
        parsed = json.loads(cedarpy.policies_to_json_str(self.policy_text))
        self._names = {
            pid: str(p.get("annotations", {}).get("id", pid))
            for pid, p in parsed["staticPolicies"].items()
        }

    def _request(
        self, identity: Identity, action: str, resource: Resource, context: dict[str, Any] | None
    ) -> dict[str, Any]:
        return {
            "principal": principal_entity(identity)["uid"],
            "action": uid("Action", action),
            "resource": resource.uid,
            "context": context or {},
        }

    def allowed(
        self,
        identity: Identity,
        action: str,
        resource: Resource,
        context: dict[str, Any] | None = None,
    ) -> bool:
        request = self._request(identity, action, resource, context)
        entities = [principal_entity(identity), *resource.entities()]
        try:
            key = json.dumps([request, entities], sort_keys=True)
        except (TypeError, ValueError):  # not JSON, so not a valid Cedar request: a deny
            log.exception("policy request for %s is not JSON", action)
            return False
        return self._decision(key)

    def _decide(self, key: str) -> bool:
        request, entities = json.loads(key)
        action = request["action"]["id"]
        try:
            result = cedarpy.is_authorized(request, self._policies, entities, self._schema)
        except Exception:  # cedarpy raises on malformed input: that is a deny, never an allow
            log.exception("policy evaluation failed for %s", action)
            return False
        if result.diagnostics.errors:
            log.warning("policy errors for %s: %s", action, result.diagnostics.errors)
        return bool(result.allowed)

    def explain(
        self,
        identity: Identity,
        action: str,
        resource: Resource,
        context: dict[str, Any] | None = None,
    ) -> Explanation:
        """The decision with the @id of each policy that decided it: for an allow the
        permits that matched; for a deny the forbids that matched, or none when no permit
        did (Cedar's default deny). For telling a person why, not for deciding (not cached)."""
        request = self._request(identity, action, resource, context)
        entities = [principal_entity(identity), *resource.entities()]
        try:
            result = cedarpy.is_authorized(request, self._policies, entities, self._schema)
        except Exception:
            log.exception("policy evaluation failed for %s", action)
            return Explanation(False, ())
        reasons = tuple(self._names.get(pid, pid) for pid in result.diagnostics.reasons)
        return Explanation(bool(result.allowed), reasons)

    def allowed_many(
        self, identity: Identity, action: str, resources: list[Resource]
    ) -> list[bool]:
        """One decision per resource, evaluated in a single call."""
        if not resources:
            return []
        principal = principal_entity(identity)
        entities: dict[str, dict[str, Any]] = {_key(principal): principal}
        for resource in resources:
            for entity in resource.entities():
                entities.setdefault(_key(entity), entity)
        requests = [self._request(identity, action, r, None) for r in resources]
        try:
            results = cedarpy.is_authorized_batch(
                requests, self._policies, list(entities.values()), self._schema
            )
        except Exception:
            log.exception("batched policy evaluation failed for %s", action)
            return [False] * len(resources)
        return [bool(r.allowed) for r in results]

    def require(
        self,
        identity: Identity,
        action: str,
        resource: Resource,
        context: dict[str, Any] | None = None,
    ) -> None:
        if not self.allowed(identity, action, resource, context):
            raise PermissionDenied(action, self.why_not(identity, action, resource, context))

    def why_not(
        self,
        identity: Identity,
        action: str,
        resource: Resource,
        context: dict[str, Any] | None = None,
    ) -> str:
        """For a denied request: the condition of each forbid that fired, else who may.
        Evaluated again (uncached): denials are rare, and the decision keeps no reasons."""
        request = self._request(identity, action, resource, context)
        entities = [principal_entity(identity), *resource.entities()]
        try:
            result = cedarpy.is_authorized(request, self._policies, entities, self._schema)
            forbidding = list(result.diagnostics.reasons)
        except Exception:  # as in _decide: a malformed request explains no further
            forbidding = []
        return self.explainer.reason(action, forbidding)


def _key(entity: dict[str, Any]) -> str:
    return f"{entity['uid']['type']}::{entity['uid']['id']}"
