"""Templating: Postman `{{name}}` syntax, typed whole-value substitution, unknown names are errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecontract.collection.templating import layered, parse_assignments, placeholders, render
from imagecontract.collection.typed_values import typed_body
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


def test_a_variable_holding_placeholders_is_resolved_and_a_loop_is_refused_with_its_place() -> None:
    assert render({"p": "{{a}}!", "q": "{{a}}"}, {"a": "{{b}} cat", "b": "white"}) == {"p": "white cat!", "q": "white cat"}
    assert render("{{a}}", {"a": "{{n}}", "n": 2}) == 2
    with pytest.raises(TemplateError) as looped:
        render("{{a}}", {"a": "{{b}}", "b": "x {{a}}"}, where="c.yaml: requests[0].json.prompt")
    assert str(looped.value) == ("c.yaml: requests[0].json.prompt: variables refer to each other in a loop "
                                 "({{a}} -> {{b}} -> {{a}}); give one of them a plain value")
    with pytest.raises(TemplateError, match=r"unknown variable '\{\{zz\}\}' \(in the value of '\{\{a\}\}'\)"):
        render("{{a}}", {"a": "{{zz}}"}, where="c.yaml: requests[0].json.prompt")


def test_environment_text_is_typed_where_the_api_wants_a_number_or_a_boolean() -> None:
    template = {"n": "{{n}}", "prompt": "{{p}}", "stream": "{{s}}", "size": "{{size}}", "partial_images": "x{{c}}"}
    sent = typed_body(template, {"n": "2", "prompt": "2", "stream": "true", "size": "512x512", "partial_images": "x1"})
    assert sent == {"n": 2, "prompt": "2", "stream": True, "size": "512x512", "partial_images": "x1"}
    assert typed_body({"n": "two"}, {"n": "two"}) == {"n": "two"} and typed_body({"n": "{{n}}"}, {"n": "true"}) == {"n": "true"}
