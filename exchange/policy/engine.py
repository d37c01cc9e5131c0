"""Evaluates Cedar policies. Only an explicit Allow is an allow: a Deny, a NoDecision, an
evaluation error or an entity that does not match the schema all deny."""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy
import orjson

from exchange.errors import PermissionDenied
from exchange.identity.identity import Identity
from exchange.policy.explain import Explainer
from exchange.policy.resource import Resource, principal_entity, uid

log = logging.getLogger(__name__)

DECISIONS_KEPT = 16_384  # about 1 KiB each (the key is the request and entities as JSON)
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
        # A decision is a function of the request and its entities alone (the policies are
        # fixed for the life of the engine), so it is kept, keyed by their JSON: the key
        # costs tens of microseconds, an evaluation hundreds (the entity graph is parsed
        # and checked against the schema each time), and the same questions come back
        # (a page of works asks "work.search" per related list; every allocation between
        # two partners asks the same; a page of offers asks "offer.read" of the same
        # offers request after request). Changed grants or attributes are another key.
        # ``allowed`` and ``allowed_many`` share the memo: a batch evaluates only the
        # questions it has not met, in one call.
        self._decisions: OrderedDict[bytes, bool] = OrderedDict()
        self.evaluated = 0  # decisions Cedar made, since the engine was built
        self.recalled = 0  # decisions answered from the memo
        # Cedar names policies policy0, policy1... in the order of the text; people name them
        # by their @id annotation.
        # Read once, here, for the names and for the explainer.
        parsed = json.loads(cedarpy.policies_to_json_str(self.policy_text))
        self.explainer = Explainer.read(parsed, self.schema_text)
        self._names = {
            pid: str(p.get("annotations", {}).get("id", pid))
            for pid, p in parsed["staticPolicies"].items()
        }

    def _request(
        self,
        identity: Identity,
        action: str,
        resource: Resource,
        context: dict[str, Any] | None,
        principal: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {
            "principal": (principal or principal_entity(identity))["uid"],
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
            key = _memo_key(request, entities)
        except (TypeError, ValueError):  # not JSON, so not a valid Cedar request: a deny
            log.exception("policy request for %s is not JSON", action)
            return False
        known = self._recall(key)
        if known is None:
            known = self._decide(request, entities)
            self._remember(key, known)
        return known

    def _recall(self, key: bytes) -> bool | None:
        known = self._decisions.get(key)
        if known is not None:
            self.recalled += 1
            with suppress(KeyError):  # dropped meanwhile by another thread
                self._decisions.move_to_end(key)
        return known

    def _remember(self, key: bytes, allowed: bool) -> None:
        self._decisions[key] = allowed
        if len(self._decisions) > DECISIONS_KEPT:
            with suppress(KeyError):
                self._decisions.popitem(last=False)

    def _decide(self, request: dict[str, Any], entities: list[dict[str, Any]]) -> bool:
        action = request["action"]["id"]
        self.evaluated += 1
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
        """One decision per resource, as ``allowed`` gives it: remembered decisions are
        reused, the others evaluated in a single batched call (and remembered)."""
        if not resources:
            return []
        principal = principal_entity(identity)
        requests = [self._request(identity, action, r, None, principal) for r in resources]
        decided: list[bool | None] = []
        keys: list[bytes] = []
        for request, resource in zip(requests, resources, strict=True):
            try:
                key = _memo_key(request, [principal, *resource.entities()])
            except (TypeError, ValueError):  # as in ``allowed``: not JSON, a deny
                log.exception("policy request for %s is not JSON", action)
                decided.append(False)
                keys.append(b"")
                continue
            decided.append(self._recall(key))
            keys.append(key)
        missing = [i for i, known in enumerate(decided) if known is None]
        if missing:
            fresh = self._decide_many(principal, action, [resources[i] for i in missing])
            for n, i in enumerate(missing):
                decided[i] = fresh is not None and fresh[n]
                if fresh is not None:  # a failed batch denies and is not remembered
                    self._remember(keys[i], fresh[n])
        return [bool(d) for d in decided]

    def _decide_many(
        self, principal: dict[str, Any], action: str, resources: list[Resource]
    ) -> list[bool] | None:
        entities: dict[str, dict[str, Any]] = {_key(principal): principal}
        for resource in resources:
            for entity in resource.entities():
                entities.setdefault(_key(entity), entity)
        requests = [
            {
                "principal": principal["uid"],
                "action": uid("Action", action),
                "resource": r.uid,
                "context": {},
            }
            for r in resources
        ]
        self.evaluated += len(requests)
        try:
            results = cedarpy.is_authorized_batch(
                requests, self._policies, list(entities.values()), self._schema
            )
        except Exception:
            log.exception("batched policy evaluation failed for %s", action)
            return None
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


def _memo_key(request: dict[str, Any], entities: list[dict[str, Any]]) -> bytes:
    """The memo's key of a decision: the request and its entities as JSON with sorted keys
    (orjson: a tenth of ``json.dumps``'s time). Raises ``TypeError`` for what JSON cannot
    hold; orjson also writes UUIDs, datetimes and dataclasses, which Cedar then refuses
    (``_decide``: a deny, as for any malformed request)."""
    return orjson.dumps([request, entities], option=orjson.OPT_SORT_KEYS)


def _key(entity: dict[str, Any]) -> str:
    return f"{entity['uid']['type']}::{entity['uid']['id']}"
