from __future__ import annotations

import pytest

from exchange.errors import ValidationFailed
from exchange.ids import parse_id, uuid7


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert all(i.version == 7 and i.variant == "specified in RFC 4122" for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("raw", ["", "nope", "1234", "0190b6a0-0000-7000-8000-00000000000g"])
def test_malformed_ids_are_validation_errors(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_id(raw, "partnerId")
    assert (raised.value.errors[0].field, raised.value.errors[0].code) == (
        "partnerId",
        "invalid_id",
    )
