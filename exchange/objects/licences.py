"""Licences: SPDX identifiers from a short list of common ones, or named ``LicenseRef-…``.

An open licence lets anyone download; any other needs ownership or a partner tag (see
``policies/objects.cedar``). ``LicenseRef-`` names are never open: a named licence is
exactly the case where entitlement matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exchange.errors import ValidationFailed

OPEN = frozenset(
    {
        "CC-BY-1.0",
        "CC-BY-2.0",
        "CC-BY-2.5",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "CC-BY-NC-ND-4.0",
        "CC0-1.0",
        "PDDL-1.0",
        "ODC-By-1.0",
        "ODbL-1.0",
        "MIT",
        "Apache-2.0",
        "BSD-3-Clause",
        "GFDL-1.3-or-later",
        "OFL-1.1",
        "Unlicense",
    }
)
RESTRICTED = frozenset({"CC-PDDC", "GPL-3.0-or-later", "AGPL-3.0-or-later"})
KNOWN = OPEN | RESTRICTED
NAMED = re.compile(r"^LicenseRef-[A-Za-z0-9.-]{1,80}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


@dataclass(frozen=True, slots=True)
class Licence:
    identifier: str
    open: bool
    required_tag: str | None


def parse(identifier: str, required_tag: str | None = None) -> Licence:
    """The licence named by ``identifier`` (case-insensitive for SPDX ids), with the partner
    tag that entitles to it; ``ValidationFailed`` for unknown ids or malformed tags."""
    raw = identifier.strip()
    canonical = next((known for known in KNOWN if known.lower() == raw.lower()), None)
    if canonical is None and NAMED.fullmatch(raw):
        canonical = raw
    if canonical is None:
        raise ValidationFailed.single(
            "licence", "unknown_licence", "use a common SPDX id or LicenseRef-<name>"
        )
    tag = None if required_tag is None or not required_tag.strip() else required_tag.strip()
    if tag is not None and not TAG.fullmatch(tag):
        raise ValidationFailed.single(
            "requiredTag", "invalid", "a tag is lowercase letters, digits and hyphens"
        )
    is_open = canonical in OPEN
    if is_open and tag is not None:
        raise ValidationFailed.single(
            "requiredTag", "not_applicable", "an open licence needs no partner tag"
        )
    return Licence(canonical, is_open, tag)
