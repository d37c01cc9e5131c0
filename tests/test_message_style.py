"""Every message the domain shows follows the one style written in ``exchange/errors.py``:
lower case at the start (names, codes and acronyms keep their case), no period at the end."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "exchange"
# constructor -> the position of its message argument
MESSAGE_AT = {
    "FieldError": 2,
    "single": 2,  # ValidationFailed.single(field, code, message)
    "Conflict": 0,
    "Unauthenticated": 0,
    "ExchangeError": 0,
    "VerificationFailed": 0,
    "StorageUnavailable": 0,
    "PartsRejected": 0,
    "ProtocolError": 1,
}
STARTS_WITH_A_WORD = re.compile(r"^[A-Z][a-z]")


def _text(node: ast.expr) -> str | None:
    """The literal text of a string, of an f-string's constant parts (``{}`` for values),
    or of a ``N_("template", ...)`` message."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_" and node.args:
        return _text(node.args[0])
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
            for v in node.values
        )
    return None


def messages() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "pages":  # pages speak in sentences, through the catalogues
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            at = MESSAGE_AT.get(str(name))
            if at is None or len(node.args) <= at:
                continue
            text = _text(node.args[at])
            if text is not None:
                found.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", text))
    return found


def test_messages_start_in_lower_case_and_end_without_a_period() -> None:
    found = messages()
    assert len(found) > 100  # the walk finds the messages
    wrong = [
        (where, text)
        for where, text in found
        if STARTS_WITH_A_WORD.match(text) or text.rstrip().endswith(".")
    ]
    assert wrong == []


def test_a_library_message_is_brought_to_the_house_style() -> None:
    import uuid

    from exchange.catalogue.identifiers import normalize
    from exchange.catalogue.models import IdentifierScheme
    from exchange.errors import FieldError

    errors: list[FieldError] = []
    assert normalize(IdentifierScheme.ISBN, "978-0", "identifiers[0]", errors, uuid.uuid4()) is None
    assert errors == [
        FieldError("identifiers[0]", "invalid_format", "the number has an invalid length")
    ]
