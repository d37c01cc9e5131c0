"""Every ``exchange ...`` example in README.md names a command that exists, only options it
has, and -- when it shows any argument or option -- every option the command requires.

The trial found ``objects put FILE --work ID`` in the README while the command also
requires ``--partner``. In a table row, spans after the first separated by `` / `` are
further subcommands of the same group (``exchange objects put ...` / `get ID FILE```),
unless they start with another group's name (``work create ...` / `offer create ...``).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from exchange.cli.main import COMMANDS, cli

README = Path(__file__).resolve().parents[2] / "README.md"
SPAN = re.compile(r"`([^`]+)`")


def subcommands(group: str) -> set[str]:
    command = cli.get_command(click.Context(cli), group)
    return set(command.commands) if isinstance(command, click.Group) else set()


def examples() -> list[list[str]]:
    """Each example as its words after ``exchange``, group first."""
    found: list[list[str]] = []
    fenced = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and line.startswith((".venv/bin/exchange ", "exchange ")):
            line = f"`{line}`"  # a shell block's command line, read as one span
        group: str | None = None
        end = -1
        for match in SPAN.finditer(line):
            text = match.group(1).replace("\\|", "|")
            for part in text.split(" && "):
                words = part.split()
                if words and words[0].endswith("exchange") and len(words) > 1:
                    group = words[1]
                    found.append(words[1:])
                elif group is not None and line[end : match.start()] == " / " and words:
                    if words[0] in COMMANDS and words[0] not in subcommands(group):
                        group = words[0]  # another group: `work create ...` / `offer create ...`
                        found.append(words)
                    else:
                        found.append([group, *words])
                else:
                    group = None if part is text else group
            end = match.end()
    return found


def option_names(words: list[str]) -> set[str]:
    names = set()
    for word in words:
        word = word.strip("[]").removesuffix("...")
        if word.startswith("--"):
            names.add(word.split("=")[0])
    return names


def check(words: list[str]) -> list[str]:
    """The faults of one example (empty when it holds)."""
    command: click.Command | None = cli
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        found = [command.get_command(click.Context(command), n) for n in name.split("|")]
        if any(f is None for f in found):
            return [f"{' '.join(words)}: no command {name!r}"]
        command = found[0]
    assert command is not None
    known = {o for p in command.params for o in p.opts if o.startswith("--")} | {"--help"}
    shown = option_names(rest)
    faults = [f"{' '.join(words)}: no option {o}" for o in sorted(shown - known)]
    if rest and not isinstance(command, click.Group):
        required = {
            max(p.opts, key=len)
            for p in command.params
            if isinstance(p, click.Option) and p.required
        }
        faults += [f"{' '.join(words)}: misses required {o}" for o in sorted(required - shown)]
    return faults


def test_the_readme_has_examples() -> None:
    assert ["objects", "get", "ID", "FILE"] in examples()
    assert ["serve"] in examples()  # from the shell block
    assert len(examples()) >= 40


def test_every_readme_example_names_a_real_command_and_its_options() -> None:
    assert [fault for words in examples() for fault in check(words)] == []


def test_the_check_finds_the_trials_fault() -> None:
    assert check(["objects", "put", "FILE", "--work", "ID"]) == [
        "objects put FILE --work ID: misses required --partner"
    ]
    assert check(["objects", "fetch", "ID"]) == ["objects fetch ID: no command 'fetch'"]
