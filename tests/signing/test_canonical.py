"""The fast path of canonical JSON writes exactly what RFC 8785 says."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from exchange.signing.canonical import canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(alphabet=st.characters(max_codepoint=127), max_size=8), children, max_size=4
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_fast_path_matches_rfc8785(value: Any) -> None:
    try:
        expected = bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError:
        return
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"b": "인민대학습당", "a": '\u0000\u001f"\\\u2028😀', "c": [1, True, None]},
        {"é": 1, "z": 2, "\U0001f600": 3, "\ue000": 4},  # non-ASCII keys: UTF-16 order
        {"x": 1.5, "y": 1e21},
    ],
)
def test_known_values(value: Any) -> None:
    assert canonical_json(value) == bytes(rfc8785.dumps(value))


def test_integers_beyond_the_safe_range_are_refused_as_rfc8785_does() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"big": 2**60})
