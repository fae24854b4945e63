"""The fast loader (libyaml's parser, our composer) and the pure-Python one agree.

Every YAML read goes through :class:`BoundedLoader`, which takes its events from libyaml
when PyYAML has it; the budgets live in the composer, so they hold for both parsers, and
an error is reported in the pure-Python parser's words (which name the character).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_yaml_aliases import bomb

from conformance.yamlsafe import (
    ALIAS_BUDGET,
    MAX_DEPTH,
    AliasBudgetExceeded,
    BoundedLoader,
    NestedTooDeep,
    PureBoundedLoader,
    load,
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.text(max_size=20)
)
DATA = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


def with_loader(text: str, loader: type[Any]) -> Any:
    reading = loader(text)
    try:
        return reading.get_single_data()
    finally:
        reading.dispose()


def test_pyyaml_here_has_libyaml() -> None:
    # The speed of reading large spec and Compose files relies on it (see yamlsafe.py).
    assert yaml.__with_libyaml__
    assert BoundedLoader is not PureBoundedLoader
    assert issubclass(BoundedLoader, yaml.cyaml.CParser)


@settings(max_examples=200, deadline=None)
@given(DATA, st.sampled_from([False, True, None]))
def test_both_loaders_read_the_same_data(data: Any, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    # Compared with PyYAML's own safe loader, not with `data`: the dumper does not round-trip
    # every string (a lone NEL comes back as a space, with either parser).
    expected = yaml.load(text, Loader=yaml.SafeLoader)
    assert with_loader(text, BoundedLoader) == expected
    assert with_loader(text, PureBoundedLoader) == expected


@pytest.mark.parametrize("loader", [BoundedLoader, PureBoundedLoader])
def test_both_loaders_keep_the_budgets(loader: type[Any]) -> None:
    with pytest.raises(AliasBudgetExceeded):
        with_loader(bomb(7), loader)
    with pytest.raises(NestedTooDeep):
        with_loader("x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), loader)
    assert with_loader(bomb(2), loader)["x-2"][0][0] == ["x"] * 9
    assert ALIAS_BUDGET > 9**3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("services:\n\tw: {}\n", "found character '\\t' that cannot start any token"),
        ("x: " + "[" * 2000 + "]" * 2000, f"nested more than {MAX_DEPTH} levels deep"),
    ],
)
def test_errors_are_in_the_python_parsers_words(text: str, words: str) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        load(text)
    assert words in str(caught.value)
