"""Every text option and argument of every command passes the domain's text rule.

``guard`` swaps the plain ``click.STRING`` type of each parameter for ``CheckedText``, which
refuses what ``exchange.text`` refuses (characters XML 1.0 forbids, text beyond
``text.MAX_ANY``) with a usage error naming the parameter (exit code 2), and hands the
command the text in NFC.
"""

from __future__ import annotations

from typing import Any

import click

from exchange import text


class CheckedText(click.ParamType[Any]):  # Any: values other than text pass unchanged
    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        field = param.name if param is not None and param.name else "value"
        normal, problems = text.problems(value, field)
        if problems:
            self.fail(text.for_terminal(problems[0].message), param, ctx)
        return normal


CHECKED_TEXT = CheckedText()


def guard(command: click.Command) -> None:
    """Give every plain-text parameter of ``command`` and its subcommands ``CheckedText``."""
    for param in command.params:
        if isinstance(param.type, click.types.StringParamType):
            param.type = CHECKED_TEXT
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            guard(sub)
