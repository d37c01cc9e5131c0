"""The ``exchange`` group: a command's module is imported only when that command runs, and
click's usage errors are one line.

Importing every command module made ``exchange serve`` import the demo loader, the catalogue
formats, the sync bundles and their libraries before it served anything: 2.6 s of a 3.0 s
start in issue 15 (``bench/startup.py`` measures it). ``LazyGroup`` knows each command by
name and ``module:attribute`` and imports it on first use; ``--help`` still lists them all.

A usage error (unknown option, missing argument, a value refused by its type) prints one
line, ``error: <click's message>``, and the hint ``Try '<command> --help' for help.``, and
exits 2 (``exit_codes.BAD_INPUT``) -- instead of click's usage block, blank line and
``Error:`` line.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import IO, Any

import click

from exchange.cli.inputs import guard
from exchange.cli.output import say


class OneLineUsageError(click.UsageError):
    """A usage error shown as ``error: <message>`` and the help hint, nothing else."""

    # exit_codes.BAD_INPUT (a test holds them equal); that module imports SQLAlchemy, and
    # this one loads before the collector is tuned (collector.hold).
    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        say(f"error: {self.format_message()}", err=True)
        if self.ctx is not None:
            names = self.ctx.command.get_help_option_names(self.ctx)
            if names:
                say(f"Try '{self.ctx.command_path} {sorted(names)[0]}' for help.", err=True)


def _one_line(error: click.UsageError) -> click.UsageError:
    if isinstance(error, OneLineUsageError | click.exceptions.NoArgsIsHelpError):
        return error  # the latter is the help page asked for by giving no command
    return OneLineUsageError(error.format_message(), error.ctx)


class LazyGroup(click.Group):
    """A group whose subcommands are ``{name: "package.module:attribute"}``, imported when
    first asked for; each loaded command passes ``inputs.guard`` (the text rule)."""

    def __init__(self, *args: Any, lazy: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        """The command called ``cmd_name`` (its module imported now), or ``None``."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            guard(command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            raise _one_line(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _one_line(error) from None
