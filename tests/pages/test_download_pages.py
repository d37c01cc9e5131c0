"""A reader on a work page: downloads what it is entitled to, is told why not otherwise
(an embargo until a date, a licence for a tag its partner lacks, a restricted licence not
shared with it), and a lecture video plays from the middle (byte ranges)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from exchange import clock
from exchange.runtime import Runtime
from tests.conftest import World
from tests.objects.helpers import make_available
from tests.objects.scene import build_scene, draft
from tests.pages.people import rows


async def test_work_page_offers_each_copy_or_says_why_not(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    scene = await build_scene(runtime, world)
    owner = scene.people["librarian"]  # the national library's librarian owns the work
    video = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 400  # a WebM (EBML) header, then data
    await make_available(
        runtime,
        owner,
        draft(
            video,
            scene.work_id,
            filename="lecture.webm",
            media_type="video/webm",
            licence="CC-BY-4.0",
        ),
        video,
    )
    later = (clock.now() + timedelta(days=40)).date()
    pdf = b"%PDF-1.4\n" + b"x" * 2000
    await make_available(
        runtime,
        owner,
        draft(pdf, scene.work_id, filename="embargoed.pdf", embargo_until=later),
        pdf,
    )
    await make_available(
        runtime,
        owner,
        draft(pdf + b"1", scene.work_id, filename="tagged.pdf", required_tag="income-eligible"),
        pdf + b"1",
    )
    await make_available(
        runtime, owner, draft(pdf + b"2", scene.work_id, filename="restricted.pdf"), pdf + b"2"
    )

    page = await client.get(f"/catalogue/works/{scene.work_id}")
    assert page.status_code == 200
    codes = re.findall(r'data-entitlement="([a-z_]+)"', page.text)
    assert sorted(codes) == ["embargoed", "entitled", "needs_tag", "not_shared"]
    assert "The licence is for partners tagged “income-eligible”, and yours is not." in page.text
    assert "Under embargo until" in page.text
    assert '<video controls preload="metadata"' in page.text

    video_link = re.search(r'<video controls preload="metadata" src="([^"]+)"', page.text)
    assert video_link
    redirect = await client.get(video_link[1])
    assert redirect.status_code == 303
    target = redirect.headers["location"]
    ranged = await client.get(target, headers={"Range": "bytes=50000-50009"})
    assert ranged.status_code == 206
    assert ranged.content == video[50000:50010]
    assert ranged.headers["content-type"] == "video/x-matroska"  # sniffed, not declared
    # a player seeking asks for a later range: served, but the download is counted once
    seeking = await client.get(video_link[1], headers={"Range": "bytes=50000-"})
    assert seeking.status_code == 303
    again = await client.get(video_link[1], headers={"Range": "bytes=0-"})
    assert again.status_code == 303
    assert await rows(runtime, "SELECT count(*) FROM download") == [(2,)]

    refused_id = re.search(r'data-object-id="([^"]+)" data-entitlement="not_shared"', page.text)
    assert refused_id
    refused = await client.get(f"/objects/{refused_id[1]}/download")
    assert refused.status_code == 403
    assert 'data-reason="not_shared"' in refused.text
    assert "Its licence is restricted and it was not shared with your partner." in refused.text
