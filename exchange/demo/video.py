"""The demo lecture's video, made at demo time with ffmpeg (Debian's ``ffmpeg`` package),
never committed: 20 seconds of ffmpeg's test pattern with a 440 Hz tone, 320x240 at 10
frames a second, as WebM (VP8 + Opus, which every Chromium and Firefox plays), about
300-350 KB. A key frame every second, so a seek lands within a second of its target.

``start`` launches ffmpeg and returns at once, so the video is encoded while the demo's
database work runs; ``finish`` waits for it. One thread and libvpx's fastest setting: on
the busy 2-core machine that costs 0.35 s of CPU, against 1.3-2.4 s with ffmpeg's default
threads and ``-cpu-used 8`` (measured with ``/usr/bin/time``). Without ffmpeg on
the PATH, or when it fails, ``finish`` returns no bytes and a sentence saying why, and the
demo goes on without the video.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

SECONDS = 20
FILENAME = "linear-algebra-lecture-3.webm"
MEDIA_TYPE = "video/webm"


@dataclass(frozen=True, slots=True)
class Video:
    """The encoded bytes, or None and ``why`` (a sentence for the operator)."""

    data: bytes | None
    why: str | None = None


def command(target: Path, ffmpeg: str = "ffmpeg") -> list[str]:
    """The ffmpeg command line that writes the demo video to ``target``."""
    source = f"testsrc=duration={SECONDS}:size=320x240:rate=10"
    tone = f"sine=frequency=440:duration={SECONDS}"
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
        "-f", "lavfi", "-i", source, "-f", "lavfi", "-i", tone,
        "-threads", "1", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "16",
        "-b:v", "100k", "-g", "10",
        "-c:a", "libopus", "-b:a", "32k", "-shortest", str(target),
    ]  # fmt: skip


class Encoding:
    """A running ffmpeg (or the reason there is none)."""

    def __init__(self, process: asyncio.subprocess.Process | None, folder: Path | None, why: str):
        self._process, self._folder, self._why = process, folder, why

    async def finish(self) -> Video:
        """Wait for ffmpeg; the video's bytes, or why there are none."""
        if self._process is None or self._folder is None:
            return Video(None, self._why)
        try:
            _, errors = await self._process.communicate()
            target = self._folder / FILENAME
            if self._process.returncode != 0 or not target.exists():
                detail = errors.decode("utf-8", "replace").strip().splitlines()
                last = detail[-1] if detail else f"exit {self._process.returncode}"
                return Video(None, f"ffmpeg could not make the demo lecture video ({last})")
            return Video(target.read_bytes())
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)


async def start(ffmpeg: str = "ffmpeg") -> Encoding:
    """Start encoding in a temporary directory; never raises for a missing ffmpeg."""
    found = shutil.which(ffmpeg)
    if found is None:
        why = "ffmpeg is not installed (apt-get install ffmpeg): the demo lecture has no video"
        return Encoding(None, None, why)
    folder = Path(tempfile.mkdtemp(prefix="exchange-demo-"))
    process = await asyncio.create_subprocess_exec(
        *command(folder / FILENAME, found),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    return Encoding(process, folder, "")
