"""Why a request was denied, in words: who may take the action, or which condition forbids it.

Each ``permit`` policy carries ``@allows("…")`` naming the principals it lets in, separated
by ", " (a role, or a role with its condition: "librarians of the sending partner, admins");
each ``forbid`` carries ``@denies("…")`` stating the condition that holds the action back
("the sending partner is suspended"). Read once from the policy set (through Cedar's own
JSON form, so the action scopes, action groups and annotations are Cedar's reading, not
ours).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from exchange.messages import N_, Message

_GROUPS = re.compile(r'action\s+"([^"]+)"\s+in\s+\[([^\]]*)\]')


def _groups(schema_text: str) -> dict[str, set[str]]:
    """Action id -> the action groups it is in (transitively), from the Cedar schema."""
    direct: dict[str, set[str]] = {
        action: set(re.findall(r'"([^"]+)"', parents))
        for action, parents in _GROUPS.findall(schema_text)
    }
    closed: dict[str, set[str]] = {}
    for action in direct:
        seen: set[str] = set()
        todo = list(direct[action])
        while todo:
            group = todo.pop()
            if group not in seen:
                seen.add(group)
                todo.extend(direct.get(group, ()))
        closed[action] = seen
    return closed


def _scope(action: dict[str, Any]) -> tuple[set[str], bool]:
    """The action ids a policy's action clause names, and whether it names every action."""
    op = action.get("op")
    if op == "All":
        return set(), True
    if op == "==":
        return {action["entity"]["id"]}, False
    entities = action.get("entities") or [action["entity"]]
    return {e["id"] for e in entities}, False


@dataclass(frozen=True, slots=True)
class Explainer:
    allowed_by: dict[str, tuple[str, ...]]  # action -> who its permits let in, in file order
    conditions: dict[str, str]  # Cedar's policy id (policy0, …) of a forbid -> its condition

    @classmethod
    def read(cls, policy_json: dict[str, Any], schema_text: str) -> Explainer:
        """From Cedar's JSON form of the policy set (``cedarpy.policies_to_json_str``, parsed
        once by the engine) and the text of the Cedar schema."""
        policies = policy_json["staticPolicies"]
        groups = _groups(schema_text)
        allowed: defaultdict[str, list[str]] = defaultdict(list)
        conditions: dict[str, str] = {}
        for policy_id, policy in sorted(policies.items(), key=lambda kv: int(kv[0][6:])):
            notes = policy.get("annotations", {})
            if policy["effect"] == "forbid":
                conditions[policy_id] = notes.get("denies", "") or notes.get("id", policy_id)
                continue
            text = notes.get("allows")
            if not text:
                continue
            named, every = _scope(policy["action"])
            for action, its_groups in groups.items():
                if every or action in named or its_groups & named:
                    # "coordinators, admins": one principal after the other, each listed once
                    for who in text.split(", "):
                        if who not in allowed[action]:
                            allowed[action].append(who)
        return cls({a: tuple(t) for a, t in allowed.items()}, conditions)

    def reason(self, action: str, forbidding: list[str]) -> str:
        """What would let the caller take ``action``: the conditions of the forbids that
        fired (``forbidding``: Cedar's policy ids), else who the permits let in."""
        held = [self.conditions[p] for p in forbidding if p in self.conditions]
        if held:
            return _joined(list(dict.fromkeys(held)), "; ")
        who = self.allowed_by.get(action, ())
        if not who:
            return N_("no one may")
        listed = (
            Message(who[0])
            if len(who) == 1
            else N_(
                "{others} or {last}", others=_joined(list(who[:-1]), ", "), last=Message(who[-1])
            )
        )
        return N_("only {listed} may", listed=listed)


def _joined(texts: list[str], separator: str) -> Message:
    """``texts`` (annotations of ``policies/``, each in the catalogue) joined by
    ``separator``, each translatable on its own."""
    template = separator.join(f"{{p{i}}}" for i in range(len(texts)))
    return Message(template, **{f"p{i}": Message(text) for i, text in enumerate(texts)})
