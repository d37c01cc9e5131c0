"""The pages' languages: Korean and English, through gettext catalogues (Babel).

Catalogues live in ``web/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled to
``.mo`` by the install (``scripts/venv.sh`` runs ``pybabel compile``); this module only
reads compiled catalogues. The language of a request is the visitor's choice (the ``lang``
cookie set by the switch on every page), else the best match of ``Accept-Language``
(RFC 9110 §12.5.4), else English.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from starlette.requests import Request

from exchange.messages import Message, Ref
from exchange.pages import labels

if TYPE_CHECKING:  # babel and jinja2 are imported by the first page (issue 15)
    from babel.support import NullTranslations
    from jinja2.runtime import Context

LOCALE_DIR = Path(__file__).resolve().parents[2] / "web" / "locale"
LANGUAGES = ("en", "ko")
DEFAULT = "en"
COOKIE = "lang"


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language`` (English is the source text)."""
    from babel.support import NullTranslations, Translations

    if language == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


@functools.cache
def shown_labels(language: str) -> dict[str, dict[str, str]]:
    """``labels.SHOWN`` in ``language``: kind of value to value to its label, translated
    once per language (templates look labels up, ``labels.state.get(value, value)``)."""
    catalogue = translations(language)
    return {
        kind: {value: catalogue.gettext(label) for value, label in shown.items()}
        for kind, shown in labels.SHOWN.items()
    }


@functools.lru_cache(maxsize=4096)
def _number(language: str, value: int | float) -> str:
    """``value`` as ``language`` writes it (pages show the same few counts again and again)."""
    from babel import Locale, numbers

    return numbers.format_decimal(value, locale=Locale.parse(language))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue; it is translated where it is shown."""
    return message


def negotiate(request: Request) -> str:
    """The language to answer ``request`` in, one of ``LANGUAGES``."""
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")[:500]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


@dataclass(frozen=True, slots=True)
class Language:
    """What templates and routes need of the request's language."""

    code: str
    catalogue: NullTranslations

    def gettext(self, message: str, **variables: Any) -> str:
        text = self.catalogue.gettext(message)
        return text % variables if variables else text

    def say(self, message: str) -> str:
        """A domain message in this language: a ``Message``'s template looked up and its
        values filled in (values that are messages said in turn, enum values such as states
        and actions by their labels, ``labels.VALUES``, records by what people know them
        by, ``labels.record``); other text looked up whole. A translation whose fields do
        not fit shows the English text."""
        return str(self._said(message, html=False))

    def say_html(self, message: str) -> Markup:
        """``say`` as HTML: the text escaped, each record named in it a link to its page
        (``labels.PAGES``) and its name marked with its language."""
        return Markup(self._said(message, html=True))  # noqa: S704 (escaped in _said)

    def _said(self, message: str, *, html: bool) -> str:
        if not isinstance(message, Message):
            text = self.catalogue.gettext(message)
            return escape(text) if html else text
        template = self.catalogue.gettext(message.template)
        values = {name: self._value(value, html) for name, value in message.params.items()}
        try:
            if html:
                return escape(template).format(**values) if values else escape(template)
            return template.format(**values) if values else template
        except (KeyError, IndexError, ValueError):
            return escape(str(message)) if html else str(message)

    def _value(self, value: Any, html: bool) -> Any:
        if isinstance(value, Ref):
            return labels.record(value, self.catalogue.gettext, html=html)
        if isinstance(value, Message):
            return self._said(value, html=html)
        found = labels.value_labels(value) if isinstance(value, str) else None
        if found is None:
            return value
        return ", ".join(self.catalogue.gettext(label) for label in found)

    def field(self, name: str) -> str:
        """A form field's name as the pages say it (``labels.FIELDS``), else as it is."""
        return self.catalogue.gettext(labels.FIELDS[name]) if name in labels.FIELDS else name

    def format_datetime(self, value: datetime | None) -> str:
        if value is None:
            return ""
        from babel import Locale, dates

        return dates.format_datetime(value, format="medium", locale=Locale.parse(self.code))

    def format_date(self, value: datetime | None) -> str:
        if value is None:
            return ""
        from babel import Locale, dates

        return dates.format_date(value, format="medium", locale=Locale.parse(self.code))

    def format_number(self, value: int | float) -> str:
        return _number(self.code, value)

    def template_globals(self) -> dict[str, Any]:
        """``gettext``/``ngettext`` as Jinja's i18n extension calls them (new style:
        variables are escaped, the message is not), plus the locale's formatters and
        ``labels`` (``shown_labels``)."""
        from jinja2 import pass_context

        catalogue = self.catalogue

        @pass_context
        def gettext(context: Context, message: str, **variables: Any) -> str:
            text = catalogue.gettext(message)
            if context.eval_ctx.autoescape:
                text = Markup(text)  # noqa: S704 (our own catalogue; variables are escaped by %)
            return text % variables if variables else text

        @pass_context
        def ngettext(
            context: Context, singular: str, plural: str, count: int, **variables: Any
        ) -> str:
            variables.setdefault("num", count)
            text = catalogue.ngettext(singular, plural, count)
            if context.eval_ctx.autoescape:
                text = Markup(text)  # noqa: S704 (our own catalogue; variables are escaped by %)
            return text % variables

        return {
            "gettext": gettext,
            "ngettext": ngettext,
            "_": gettext,
            "format_datetime": self.format_datetime,
            "format_date": self.format_date,
            "format_number": self.format_number,
            "labels": shown_labels(self.code),
        }


def language_of(request: Request) -> Language:
    code = negotiate(request)
    return Language(code, translations(code))
