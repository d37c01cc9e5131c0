"""The error conditions of OAI-PMH 2.0 (section 3.6). They are answers, not failures: the
response is a 200 with an ``error`` element carrying the code."""

from __future__ import annotations

from exchange.errors import ExchangeError


class ProtocolError(ExchangeError):
    """One OAI-PMH error; ``code`` is the protocol's (``badArgument``, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def bad_argument(message: str) -> ProtocolError:
    return ProtocolError("badArgument", message)


def bad_verb(message: str) -> ProtocolError:
    return ProtocolError("badVerb", message)


def bad_resumption_token(message: str = "the resumption token is invalid") -> ProtocolError:
    return ProtocolError("badResumptionToken", message)


def cannot_disseminate(prefix: str) -> ProtocolError:
    return ProtocolError(
        "cannotDisseminateFormat", f"{prefix!r} is not a format of this repository"
    )


def id_does_not_exist(identifier: str) -> ProtocolError:
    return ProtocolError("idDoesNotExist", f"{identifier!r} is not an item of this repository")


def no_records_match() -> ProtocolError:
    return ProtocolError("noRecordsMatch", "no records match the request")
