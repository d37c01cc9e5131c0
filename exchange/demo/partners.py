"""Demo partner institutions and the people who work there."""

from __future__ import annotations

from exchange.identity.identity import Role
from exchange.partners.models import PartnerKind

# key, names (preferred first), country, kind, tags
PARTNERS: list[tuple[str, list[tuple[str, str]], str, PartnerKind, list[str]]] = [
    (
        "hub",
        [("en", "Scholarly Exchange Coordination Office")],
        "CH",
        PartnerKind.RESEARCH_INSTITUTE,
        [],
    ),
    (
        "national",
        [
            ("ko-Hang", "인민대학습당"),
            ("ko-Latn", "Inmin Taehaksŭptang"),
            ("en", "Grand People's Study House"),
        ],
        "KP",
        PartnerKind.NATIONAL_LIBRARY,
        ["review-destination"],
    ),
    (
        "kisu",
        [
            ("ko-Hang", "김일성종합대학 도서관"),
            ("ko-Latn", "Kim Il-sŏng Chonghap Taehak Tosŏgwan"),
            ("en", "Kim Il Sung University Library"),
        ],
        "KP",
        PartnerKind.UNIVERSITY_LIBRARY,
        ["income-eligible", "review-destination"],
    ),
    (
        "pust",
        [
            ("ko-Hang", "평양과학기술대학 도서관"),
            ("ko-Latn", "P'yŏngyang Kwahak Kisul Taehak Tosŏgwan"),
            ("en", "Pyongyang University of Science and Technology Library"),
        ],
        "KP",
        PartnerKind.UNIVERSITY_LIBRARY,
        ["income-eligible"],
    ),
    (
        "foundation",
        [("en", "Open Shelves Foundation"), ("de", "Stiftung Offene Regale")],
        "DE",
        PartnerKind.DONOR_ORGANISATION,
        [],
    ),
    (
        "publisher",
        [("en", "Northfield Academic Press")],
        "GB",
        PartnerKind.PUBLISHER,
        [],
    ),
]

# e-mail, display name, partner key, role
PEOPLE: list[tuple[str, str, str, Role]] = [
    ("admin@hub.example.org", "Ada Admin", "hub", Role.ADMIN),
    ("coordinator@hub.example.org", "Chris Coordinator", "hub", Role.COORDINATOR),
    ("librarian@national.example.org", "Ri Su-yŏn", "national", Role.LIBRARIAN),
    ("librarian@kisu.example.org", "Pak Chŏl", "kisu", Role.LIBRARIAN),
    ("researcher@kisu.example.org", "Kim Hye-gyŏng", "kisu", Role.RESEARCHER),
    ("librarian@foundation.example.org", "Lena Vogel", "foundation", Role.LIBRARIAN),
    ("librarian@publisher.example.org", "Sam Okafor", "publisher", Role.LIBRARIAN),
]
