"""Recorded lectures, for readers: filtered by words, course number and instructor, sorted
by title, course number or instructor, a numbered page at a time. Open to visitors, like
the catalogue; each lecture links to its work page, where its video plays."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange import errors
from exchange.catalogue import lectures
from exchange.pages import web
from exchange.pages.i18n import N_
from exchange.runtime import Runtime

NO_SUCH_PAGE = N_("There is no such page.")


@dataclass(frozen=True, slots=True)
class LectureForm:
    """The listing's query as typed; ``page`` stays text until ``number`` reads it."""

    words: str = ""
    course: str = ""
    instructor: str = ""
    sort: str = lectures.LectureOrder.COURSE.value
    page: str = "1"

    @classmethod
    def parse(cls, params: QueryParams) -> LectureForm:
        def text(name: str, default: str = "") -> str:
            return params.get(name, default).strip() or default

        return cls(
            words=text("q"),
            course=text("course"),
            instructor=text("instructor"),
            sort=text("sort", lectures.LectureOrder.COURSE.value),
            page=text("page", "1"),
        )

    def order(self) -> lectures.LectureOrder:
        try:
            return lectures.LectureOrder(self.sort)
        except ValueError:
            message = N_("Choose an order from the list.")
            raise errors.ValidationFailed.single("sort", "invalid", message) from None

    def number(self) -> int:
        try:
            return web.whole_number(self.page, "page", low=1, high=lectures.MAX_PAGE)
        except errors.ValidationFailed:
            raise errors.ValidationFailed.single("page", "out_of_range", NO_SUCH_PAGE) from None

    def query(self, **changes: str) -> str:
        """The URL query of this listing with ``changes`` (another page, another order)."""
        chosen = replace(self, **changes)
        values = {
            "q": chosen.words,
            "course": chosen.course,
            "instructor": chosen.instructor,
            "sort": chosen.sort,
            "page": "" if chosen.page == "1" else chosen.page,
        }
        return urlencode({k: v for k, v in values.items() if v})


def routes(runtime: Runtime) -> list[Route]:
    async def listing(request: Request) -> Response:
        who = await web.visitor(request, runtime)
        form = LectureForm.parse(request.query_params)
        context: dict[str, object] = {
            "form": form,
            "errors": {},
            "orders": list(lectures.LectureOrder),
        }
        try:
            filters = lectures.LectureFilter(
                form.words or None, form.course or None, form.instructor or None
            )
            order, number = form.order(), form.number()
            async with runtime.db.read() as session:
                context["instructors"] = await lectures.instructors(
                    who.identity, session=session, policy=runtime.policy
                )
                context["listing"] = await lectures.browse(
                    who.identity, filters, order, number, session=session, policy=runtime.policy
                )
        except errors.ValidationFailed as error:
            context["errors"] = web.field_errors(who, error)
            context.setdefault("instructors", [])
            return web.render(request, who, "lectures.html", context, status_code=400)
        listing = context["listing"]
        assert isinstance(listing, lectures.LecturePage)
        if listing.page > listing.pages:  # past the last page: not "no lecture matches"
            context["errors"] = {"page": who.language.gettext(NO_SUCH_PAGE)}
            return web.render(request, who, "lectures.html", context, status_code=404)
        return web.render(request, who, "lectures.html", context)

    return [Route("/lectures", listing, methods=["GET"])]
