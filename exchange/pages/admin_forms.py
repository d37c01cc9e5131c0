"""The forms of the account and key administration pages, read from what was posted (the
values are kept to be shown again next to their errors), and the domain's reasons these
pages show, marked for the message catalogue so that they are shown in Korean too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.datastructures import FormData

from exchange import errors
from exchange.identity.identity import Role
from exchange.identity.service import AccountDraft
from exchange.pages import partner_picker, web
from exchange.pages.i18n import N_

# The domain's field names -> the form's.
ACCOUNT_FIELDS = {"displayName": "display_name"}
MAX_DAYS = 3650
_ROLES = frozenset(r.value for r in Role)

# Reasons the domain gives on these pages (exchange/identity, exchange/keys): the same text
# is the catalogue's key, so ``gettext`` finds their translation.
DOMAIN_REASONS = (
    N_("not an e-mail address"),
    N_("a display name is required"),
    N_("at most 200 characters"),
    N_("at least 12 characters"),
    N_("at most 100 characters"),
    N_("an account with this e-mail already exists"),
    N_("the account already has this role at this partner"),
    N_("you cannot remove your own admin role"),
    N_("you cannot disable your own account"),
    N_("the account is already disabled"),
    N_("the account is already enabled"),
    N_("this account is disabled"),
    N_("not allowed to account.disable: only admins may"),
    N_("not allowed to account.enable: only admins may"),
    N_("the token is already revoked"),
    N_("a token must live for some time"),
    N_("this public key is already registered"),
    N_("paste a public key"),
    N_("not a public Ed25519 JWK"),
    N_("not a PEM public key or a JWK"),
    N_("not an Ed25519 public key"),
    N_("a revocation cannot be in the future"),
    N_("before the key was registered"),
    N_("at most 4000 characters"),
    N_("not allowed to account.create: only admins may"),
    N_("not allowed to account.list: only admins may"),
    N_("not allowed to account.read: only admins may"),
    N_("not allowed to membership.create: only admins may"),
    N_("not allowed to membership.delete: only admins may"),
    N_("not allowed to token.issue: only admins may"),
    N_("not allowed to token.revoke: only admins may"),
    N_("not allowed to key.overview: only admins may"),
    N_("not allowed to key.register: only admins or librarians of the partner may"),
    N_("not allowed to key.revoke: only admins or librarians of the partner may"),
    # what a suspended partner's librarian is told on the offer form
    N_(
        "not allowed to offer.create: a partner it concerns is suspended (only admins act on "
        "it until it is reactivated)"
    ),
)


def reason_of(who: web.Visitor, error: errors.ExchangeError) -> str:
    """The domain's reason for a refusal, in the visitor's language when the catalogue
    has it (else as the domain said it)."""
    return web.described(who, error)


def _text(data: FormData, name: str) -> str:
    """The field as posted, whole: the domain decides what is too long and says so next to
    the field, with the value kept as typed (``read_form`` already bounds the whole form)."""
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


@dataclass
class AccountForm:
    email: str = ""
    display_name: str = ""
    password: str = ""

    @classmethod
    def parse(cls, data: FormData) -> AccountForm:
        return cls(
            email=_text(data, "email").strip(),
            display_name=_text(data, "display_name"),
            password=_text(data, "password"),
        )

    def draft(self) -> AccountDraft:
        """An empty password makes an account that signs in with tokens only."""
        return AccountDraft(self.email, self.display_name, self.password or None)


@dataclass
class MembershipForm:
    partner: str = ""
    role: str = ""

    @classmethod
    def parse(cls, data: FormData) -> MembershipForm:
        return cls(_text(data, "partner").strip(), _text(data, "role").strip())

    def chosen(self) -> tuple[uuid.UUID, Role]:
        """``ValidationFailed`` (``partner``, ``role``) when either is not one offered."""
        problems: list[errors.FieldError] = []
        partner_id = partner_picker.required_partner_id(self.partner, problems)
        if self.role not in _ROLES:
            problems.append(errors.FieldError("role", "required", N_("Choose a role.")))
        if problems or partner_id is None:
            raise errors.ValidationFailed(problems)
        return partner_id, Role(self.role)


@dataclass
class TokenForm:
    label: str = "admin"
    days: str = ""

    @classmethod
    def parse(cls, data: FormData) -> TokenForm:
        return cls(_text(data, "label"), _text(data, "days").strip())

    def days_chosen(self, default: int) -> int:
        """The lifetime in days (``default`` when left empty); ``ValidationFailed``
        (``days``) unless a whole number from 1 to ``MAX_DAYS``."""
        if not self.days:
            return default
        try:
            return web.whole_number(self.days, "days", low=1, high=MAX_DAYS)
        except errors.ValidationFailed:
            raise errors.ValidationFailed.single(
                "days", "out_of_range", N_("Enter a number of days from 1 to 3650.")
            ) from None


@dataclass
class KeyForm:
    partner: str = ""
    public_key: str = ""

    @classmethod
    def parse(cls, data: FormData) -> KeyForm:
        return cls(_text(data, "partner").strip(), _text(data, "public_key"))

    def partner_id(self) -> uuid.UUID:
        chosen = partner_picker.partner_id(self.partner)
        if chosen is None:
            raise errors.ValidationFailed.single("partner", "required", N_("Choose a partner."))
        return chosen


def revocation_time(data: FormData) -> datetime | None:
    """The ``at`` field of a key's revocation form, a UTC date and time as a
    ``datetime-local`` input sends it (``2026-11-30T08:15`` or with seconds); ``None`` when
    empty (now). ``ValidationFailed`` (``at``) for anything else."""
    value = _text(data, "at").strip()
    if not value:
        return None
    try:
        moment = datetime.strptime(
            value, "%Y-%m-%dT%H:%M:%S" if value.count(":") == 2 else "%Y-%m-%dT%H:%M"
        )
    except ValueError:
        raise errors.ValidationFailed.single(
            "at", "invalid", N_("Enter a date and time.")
        ) from None
    return moment.replace(tzinfo=UTC)
