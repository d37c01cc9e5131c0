"""Actions on identity: sign in, revoke tokens, register accounts, add memberships and issue
tokens for others, each returning the named union of its result and the errors it may meet."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry

from exchange import errors, periods
from exchange.api.context import Info, client_address
from exchange.api.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationError,
    not_in_union,
    to_graphql,
)
from exchange.api.identity.types import Account, IssuedToken, Membership, TokenRevoked
from exchange.api.resolvers import perform_as
from exchange.api.scalars import to_uuid
from exchange.db.uow import UnitOfWork
from exchange.identity import service, signin, tokens
from exchange.identity.identity import Role
from exchange.identity.models import Membership as MembershipRow
from exchange.identity.models import Token as TokenRow


@strawberry.input
class IssueAccountTokenInput:
    account_id: strawberry.ID
    days: int | None = strawberry.field(
        default=None, description="Lifetime in days; default: the instance's token lifetime."
    )
    label: str = "admin"


@strawberry.input
class CreateAccountInput:
    email: str
    display_name: str
    password: str | None = None


@strawberry.input
class AddMembershipInput:
    account_id: strawberry.ID
    partner_id: strawberry.ID
    role: Role


LoginErrors = AuthenticationFailed | ValidationError | RateLimited
IssueTokenErrors = ValidationError | PermissionDenied | NotFound
RevokeAccountTokenErrors = PermissionDenied | NotFound | Conflict | ValidationError
CreateAccountErrors = ValidationError | PermissionDenied | Conflict
AddMembershipErrors = ValidationError | PermissionDenied | NotFound | Conflict
LoginResult = Annotated[IssuedToken | LoginErrors, strawberry.union("LoginResult")]
RevokeTokenResult = Annotated[
    TokenRevoked | AuthenticationFailed, strawberry.union("RevokeTokenResult")
]
IssueAccountTokenResult = Annotated[
    IssuedToken | IssueTokenErrors, strawberry.union("IssueAccountTokenResult")
]
RevokeAccountTokenResult = Annotated[
    TokenRevoked | RevokeAccountTokenErrors, strawberry.union("RevokeAccountTokenResult")
]
CreateAccountResult = Annotated[
    Account | CreateAccountErrors, strawberry.union("CreateAccountResult")
]
AddMembershipResult = Annotated[
    Membership | AddMembershipErrors, strawberry.union("AddMembershipResult")
]


def _login_errors(error: errors.ExchangeError) -> LoginErrors:
    """The schema type of an error ``login`` may meet (``not_in_union`` otherwise)."""
    found = to_graphql(error)
    if isinstance(found, LoginErrors):
        return found
    raise not_in_union(error) from error


def _revoke_token_errors(error: errors.ExchangeError) -> AuthenticationFailed:
    """The schema type of an error ``revokeToken`` may meet."""
    found = to_graphql(error)
    if isinstance(found, AuthenticationFailed):
        return found
    raise not_in_union(error) from error


def _issue_token_errors(error: errors.ExchangeError) -> IssueTokenErrors:
    """The schema type of an error ``issueAccountToken`` may meet."""
    found = to_graphql(error)
    if isinstance(found, IssueTokenErrors):
        return found
    raise not_in_union(error) from error


def _revoke_account_token_errors(error: errors.ExchangeError) -> RevokeAccountTokenErrors:
    """The schema type of an error ``revokeAccountToken`` may meet."""
    found = to_graphql(error)
    if isinstance(found, RevokeAccountTokenErrors):
        return found
    raise not_in_union(error) from error


def _create_account_errors(error: errors.ExchangeError) -> CreateAccountErrors:
    """The schema type of an error ``createAccount`` may meet."""
    found = to_graphql(error)
    if isinstance(found, CreateAccountErrors):
        return found
    raise not_in_union(error) from error


def _add_membership_errors(error: errors.ExchangeError) -> AddMembershipErrors:
    """The schema type of an error ``addMembership`` may meet."""
    found = to_graphql(error)
    if isinstance(found, AddMembershipErrors):
        return found
    raise not_in_union(error) from error


def _issued(issued: tuple[TokenRow, str]) -> IssuedToken:
    token, secret = issued
    return IssuedToken(token=secret, expires_at=token.expires_at, id=strawberry.ID(str(token.id)))


def _revoked(token: TokenRow) -> TokenRevoked:
    assert token.revoked_at is not None
    return TokenRevoked(revoked_at=token.revoked_at)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Exchange an e-mail and password for a bearer token.")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        ctx = info.context
        ttl = timedelta(days=ctx.runtime.settings.token_ttl_days)
        limits = signin.SignInLimits.from_settings(ctx.runtime.settings)
        address = client_address(ctx.request)
        try:
            issued = await signin.login(
                ctx.runtime.db, email, password, address=address, limits=limits, ttl=ttl
            )
        except errors.ExchangeError as error:
            if isinstance(error, errors.RateLimited) and ctx.response is not None:
                ctx.response.status_code = 429  # RFC 6585 §4
                ctx.response.headers["Retry-After"] = str(error.retry_after_seconds)
            return _login_errors(error)
        return _issued(issued)

    @strawberry.mutation(description="Revoke the bearer token this request was made with.")
    async def revoke_token(self, info: Info) -> RevokeTokenResult:
        ctx = info.context
        bearer = ctx.bearer
        if bearer is None:
            return AuthenticationFailed(message="no bearer token given", field="Authorization")
        return await perform_as(
            ctx,
            lambda uow: tokens.revoke_token(ctx.identity, bearer, uow=uow),
            _revoked,
            _revoke_token_errors,
        )

    @strawberry.mutation(description="Register a person (admins).")
    async def create_account(self, info: Info, input: CreateAccountInput) -> CreateAccountResult:
        ctx = info.context
        draft = service.AccountDraft(input.email, input.display_name, input.password)
        return await perform_as(
            ctx,
            lambda uow: service.create_account(
                ctx.identity, draft, uow=uow, policy=ctx.runtime.policy
            ),
            Account.from_model,
            _create_account_errors,
        )

    @strawberry.mutation(description="Give an account a role at a partner (admins).")
    async def add_membership(self, info: Info, input: AddMembershipInput) -> AddMembershipResult:
        ctx = info.context

        async def work(uow: UnitOfWork) -> MembershipRow:
            account_id = to_uuid(input.account_id, "accountId")
            partner_id = to_uuid(input.partner_id, "partnerId")
            return await service.add_membership(
                ctx.identity, account_id, partner_id, input.role, uow=uow, policy=ctx.runtime.policy
            )

        return await perform_as(ctx, work, Membership.from_model, _add_membership_errors)

    @strawberry.mutation(
        description="Issue a bearer token for another account (admins; audited as yours)."
    )
    async def issue_account_token(
        self, info: Info, input: IssueAccountTokenInput
    ) -> IssueAccountTokenResult:
        ctx = info.context
        days = ctx.runtime.settings.token_ttl_days if input.days is None else input.days

        async def work(uow: UnitOfWork) -> tuple[TokenRow, str]:
            return await tokens.issue_for(
                ctx.identity,
                to_uuid(input.account_id, "accountId"),
                uow=uow,
                policy=ctx.runtime.policy,
                ttl=periods.span_of_days(days, "days"),
                label=input.label,
            )

        return await perform_as(ctx, work, _issued, _issue_token_errors)

    @strawberry.mutation(description="Revoke any account's token by its id (admins; audited).")
    async def revoke_account_token(self, info: Info, id: strawberry.ID) -> RevokeAccountTokenResult:
        ctx = info.context
        return await perform_as(
            ctx,
            lambda uow: tokens.revoke_by_id(
                ctx.identity, to_uuid(id, "id"), uow=uow, policy=ctx.runtime.policy
            ),
            _revoked,
            _revoke_account_token_errors,
        )
