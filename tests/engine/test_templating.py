"""Templating: Postman `{{name}}` syntax, typed whole-value substitution, unknown names are errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecontract.collection.templating import layered, parse_assignments, placeholders, render
from imagecontract.errors import TemplateError


def test_whole_placeholder_keeps_type_and_partial_becomes_text() -> None:
    variables = {"n": 2, "size": "512x512", "hd": True}
    assert render({"n": "{{n}}", "size": "{{ size }}", "label": "n={{n}} hd={{hd}}"}, variables) == {
        "n": 2, "size": "512x512", "label": "n=2 hd=true",
    }
    assert render(["{{n}}", 3, None], variables) == [2, 3, None]


def test_unknown_variable_is_an_error_with_suggestion_and_place() -> None:
    with pytest.raises(TemplateError) as caught:
        render({"prompt": "{{promt}}"}, {"prompt": "cat"}, where="c.yaml: requests[0].json")
    message = str(caught.value)
    assert "c.yaml: requests[0].json.prompt: unknown variable '{{promt}}'" in message
    assert "did you mean '{{prompt}}'" in message
    assert "--var NAME=VALUE" in message


def test_layers_first_wins() -> None:
    variables = layered({"a": "cli"}, {"a": "file", "b": "file"}, {"c": "env"})
    assert (variables["a"], variables["b"], variables["c"]) == ("cli", "file", "env")


def test_assignments_read_scalars() -> None:
    assert parse_assignments(["n=2", "size=512x512", "hd=true", "empty="]) == {
        "n": 2, "size": "512x512", "hd": True, "empty": "",
    }
    with pytest.raises(TemplateError, match="expected NAME=VALUE"):
        parse_assignments(["novalue"])


def test_placeholders_lists_every_name() -> None:
    assert placeholders({"a": ["{{x}} {{y}}", {"b": "{{z}}"}], "c": 1}) == {"x", "y", "z"}


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
))
def test_render_raises_only_template_errors(value: object) -> None:
    try:
        render(value, {"known": "v"})
    except TemplateError:
        pass
