"""The catalogue for readers: search with filters, and a page per work. Open to visitors
(the catalogue is public); signed-in readers see the digital objects they may reach."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.catalogue import record, rights
from exchange.catalogue import service as catalogue
from exchange.catalogue.models import WorkKind
from exchange.catalogue.search import Cursor
from exchange.objects import uploaders
from exchange.pages import cataloguing, lectures, web
from exchange.pages.i18n import N_
from exchange.runtime import Runtime

PAGE_SIZE = 20
YEARS = (1, 9999)


@dataclass(frozen=True, slots=True)
class SearchForm:
    """The search form as typed; ``filters`` raises ``ValidationFailed`` naming the field."""

    q: str
    kind: str
    language: str
    year_from: str
    year_to: str
    digital: bool
    after: str | None

    @classmethod
    def parse(cls, params: QueryParams) -> SearchForm:
        def text(name: str) -> str:
            return params.get(name, "").strip()

        return cls(
            q=text("q"),
            kind=text("kind"),
            language=text("language"),
            year_from=text("year_from"),
            year_to=text("year_to"),
            digital=params.get("digital") == "1",
            after=params.get("after") or None,
        )

    def filters(self) -> catalogue.WorkFilter:
        problems: list[errors.FieldError] = []
        years: dict[str, int | None] = {}
        for name, raw in (("year_from", self.year_from), ("year_to", self.year_to)):
            years[name] = None
            if raw:
                try:
                    years[name] = web.whole_number(raw, name, low=YEARS[0], high=YEARS[1])
                except errors.ValidationFailed:
                    message = N_("Enter a year such as 1998.")
                    problems.append(errors.FieldError(name, "invalid", message))
        if self.kind and self.kind not in {kind.value for kind in WorkKind}:
            message = N_("Choose a kind from the list.")
            problems.append(errors.FieldError("kind", "invalid", message))
        if problems:
            raise errors.ValidationFailed(problems)
        return catalogue.WorkFilter(
            search=self.q or None,
            kind=WorkKind(self.kind) if self.kind else None,
            language=self.language or None,
            year_from=years["year_from"],
            year_to=years["year_to"],
            available_digitally=True if self.digital else None,
        )

    def query(self, after: str | None = None) -> str:
        """The URL query of this search (for the next page's link)."""
        values = {
            "q": self.q,
            "kind": self.kind,
            "language": self.language,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "digital": "1" if self.digital else "",
            "after": after or "",
        }
        return urlencode({k: v for k, v in values.items() if v})


def routes(runtime: Runtime) -> list[Route]:
    async def search(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        identity = who.identity
        form = SearchForm.parse(request.query_params)
        context: dict[str, object] = {
            "form": form,
            "kinds": [k.value for k in WorkKind],
            "errors": {},
            "may_catalogue": False,
        }
        try:
            filters = form.filters()
            after = Cursor.decode(form.after) if form.after else None
            async with runtime.db.read() as session:
                page = await catalogue.list(
                    identity,
                    filters,
                    PAGE_SIZE,
                    after,
                    session=session,
                    policy=runtime.policy,
                )
                if who.session is not None:
                    context["may_catalogue"] = bool(
                        await rights.cataloguing_partners(
                            identity, session=session, policy=runtime.policy
                        )
                    )
        except errors.InvalidCursor as error:
            return web.refused(request, who, error)
        except errors.ValidationFailed as error:
            context["errors"] = {f.field: who.language.say(f.message) for f in error.errors}
            return web.render(request, who, "catalogue.html", context, status_code=400)
        more = page.items[-1].cursor.encode() if page.has_next and page.items else None
        context["works"] = [ranked.work for ranked in page.items]
        context["next_query"] = form.query(more) if more else None
        return web.render(request, who, "catalogue.html", context)

    async def work(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        identity = who.identity
        try:
            work_id = web.path_id(request, "work_id")
            async with runtime.db.read() as session:
                found = await record.read(identity, work_id, session=session, policy=runtime.policy)
                owners = []
                if who.session is not None:
                    owners = await uploaders.owners_for_work(
                        identity, work_id, session=session, policy=runtime.policy
                    )
        except (web.PathNotFound, errors.NotFound):
            message = who.language.gettext("No such work in the catalogue.")
            return web.error_page(request, who, message, 404)
        creator = found.creator
        may_edit = creator is not None and rights.may_update(
            identity, found.work, creator, runtime.policy
        )
        context = {"record": found, "may_edit": may_edit, "may_upload": bool(owners)}
        return web.render(request, who, "work.html", context)

    return [
        *cataloguing.routes(runtime),
        Route("/catalogue", search, methods=["GET"]),
        Route("/catalogue/works/{work_id}", work, methods=["GET"]),
        *lectures.routes(runtime),
    ]
