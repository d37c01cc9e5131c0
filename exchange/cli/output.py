"""Everything a command prints goes through here, so data can never drive the terminal.

A receipt note holding CR and ESC once rewrote the "received" line of ``manifest verify``
on screen (issue 11). ``say`` shows control characters and bidirectional controls of what it
prints as escapes (``exchange.text.for_terminal``), keeping only the tabs that separate
columns; ``say_block`` does the same line by line for a document of several lines.
"""

from __future__ import annotations

import click

from exchange import text


def _line(line: str) -> str:
    return "\t".join(text.for_terminal(part) for part in line.split("\t"))


def say(line: object, *, err: bool = False) -> None:
    """Print one line (a newline inside it is shown as ``\\x0a``)."""
    click.echo(_line(str(line)), err=err)


def say_block(document: str, *, err: bool = False) -> None:
    """Print several lines of our own making (e.g. indented JSON), each one escaped."""
    click.echo("\n".join(_line(line) for line in document.split("\n")), err=err)
