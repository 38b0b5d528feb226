"""`--target NAME` through collections/targets.yaml: base URL, key variable, declared gaps, unknown names."""

from __future__ import annotations

import pytest



def targets(project: pytest.Pytester, url: str, unsupported: str = "") -> None:
    (project.path / "collections" / "targets.yaml").write_text(
        f"- name: gateway\n  base_url: {url}\n  api_key_env: GATEWAY_KEY\n{unsupported}"
        "- name: openai\n  base_url: https://api.openai.com/v1\n  api_key_env: OPENAI_API_KEY\n"
    )


@pytest.fixture
def project(make_project, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    project = make_project(with_error=True)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("GATEWAY_KEY", "ic-gateway-key-0123456789")
    return project


def test_a_named_target_supplies_base_url_and_key_variable(project: pytest.Pytester, sandbox) -> None:
    server = sandbox(api_key="ic-gateway-key-0123456789")
    targets(project, server.base_url)
    result = project.runpytest("collections", "--target", "gateway", "--live", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([f"imagecontract: target {server.base_url}, live, key $GATEWAY_KEY set"])
    assert server.stats()["requests"] == 3


def test_api_key_env_overrides_the_targets_variable(project: pytest.Pytester, sandbox, monkeypatch) -> None:
    server = sandbox(api_key="ic-other-key-0123456789")
    targets(project, server.base_url)
    monkeypatch.setenv("OTHER_KEY", "ic-other-key-0123456789")
    result = project.runpytest("collections", "--target", "gateway", "--api-key-env", "OTHER_KEY", "--live",
                               "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*key $OTHER_KEY set"])


def test_declared_unsupported_requests_are_skipped_with_the_reason(project: pytest.Pytester, sandbox) -> None:
    server = sandbox()
    targets(project, server.base_url, (
        "  unsupported:\n"
        "    - {capability: variations, reason: no variations endpoint}\n"
        "    - {capability: 'demo.yaml::missing prompt', reason: errors are not enveloped}\n"
    ))
    result = project.runpytest("collections", "--target", "gateway", "--live", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2)
    output = result.stdout.str()
    assert "declared unsupported by gateway: no variations endpoint" in output
    assert "declared unsupported by gateway: errors are not enveloped" in output
    assert server.stats()["requests"] == 1


def test_an_unknown_target_is_a_usage_error_with_a_suggestion(project: pytest.Pytester) -> None:
    targets(project, "http://127.0.0.1:9/v1")
    result = project.runpytest("collections", "--target", "gatway", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--target 'gatway': no such target in collections/targets.yaml "
                                 "(did you mean 'gateway'?); known targets: gateway, openai*"])


def test_an_invalid_targets_file_is_a_usage_error_naming_the_place(project: pytest.Pytester) -> None:
    (project.path / "collections" / "targets.yaml").write_text("- name: gateway\n  base_url: nowhere\n  api_key_env: K\n")
    result = project.runpytest("collections", "--target", "gateway", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "collections/targets.yaml:2: [0].base_url: 'nowhere' does not have the expected form" in result.stderr.str()


def test_the_targets_file_is_not_collected_and_a_url_target_ignores_it(
    project: pytest.Pytester, sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox()
    targets(project, "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "ic-test-key")
    result = project.runpytest("collections", "--target", server.base_url, "--live", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*key $OPENAI_API_KEY set"])
