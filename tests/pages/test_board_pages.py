"""The matching board pages its requests (``BOARD_PAGE`` at a time) and shows each line's
best ``BOARD_SUGGESTIONS`` offer lines, with a link to the request's page (which shows
``SUGGESTIONS_PER_LINE``) when there are more; the ranking is the request page's."""

from __future__ import annotations

import re
import uuid

import httpx

from exchange.identity.identity import Role
from exchange.pages.requests import BOARD_PAGE
from exchange.requests.view import BOARD_SUGGESTIONS, SUGGESTIONS_PER_LINE
from exchange.runtime import Runtime
from tests.conftest import World
from tests.pages.people import person, sign_in
from tests.pages.test_query_counts import _post_requests, _request_ids

LINE = re.compile(r'<tr id="line-([^"]+)" data-request-line-id="[^"]+">(.*?)</tr>', re.S)
OFFERED = re.compile(r'<li data-offer-line-id="([^"]+)"')


def _suggested(html: str) -> dict[str, list[str]]:
    return {line: OFFERED.findall(body) for line, body in LINE.findall(html)}


async def test_board_shows_the_best_few_suggestions_and_links_to_the_rest(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await person(runtime, "cho@example.org", world.donor, Role.COORDINATOR)
    # one more request than a page holds, each of 6 lines (3 named works, 3 needs that
    # each of the 6 offered works meets)
    await _post_requests(runtime, world, requests_count=BOARD_PAGE + 1, lines_each=6)
    await sign_in(client, "cho@example.org")
    request_ids = [str(uuid.UUID(str(r[0]))) for r in await _request_ids(runtime)]

    board = (await client.get("/board")).text
    shown = re.findall(r'data-request-id="([^"]+)"', board)
    assert shown == request_ids[:BOARD_PAGE]
    assert re.search(r'rel="next" href="/board\?after=[^"]+"', board)
    first = (await client.get(f"/requests/{request_ids[0]}")).text
    on_board, on_page = _suggested(board), _suggested(first)
    assert len(on_page) == 6
    for line, offered in on_page.items():
        # the board's are the request page's best, in the same order
        assert on_board[line] == offered[:BOARD_SUGGESTIONS]
        link = f'href="/requests/{request_ids[0]}#line-{line}"'
        assert (link in board) == (len(offered) > BOARD_SUGGESTIONS)
    described = [offered for offered in on_page.values() if len(offered) > 1]
    assert [len(offered) for offered in described] == [SUGGESTIONS_PER_LINE] * 3

    following = re.findall(r'rel="next" href="([^"]+)"', board)[0]
    rest = (await client.get(following.replace("&amp;", "&"))).text
    assert re.findall(r'data-request-id="([^"]+)"', rest) == request_ids[BOARD_PAGE:]
