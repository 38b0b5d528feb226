"""Postman import/export pieces: raw JSON with variables, script translation, URLs, auth, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagecontract.cli.postman import import_file
from imagecontract.collection.loader import load_collection
from imagecontract.errors import CollectionError
from imagecontract.postman.bodies import parse_raw_json
from imagecontract.postman.exporter import export_postman, raw_json
from imagecontract.postman.importer import import_postman
from imagecontract.postman.scripts import translate_script
from imagecontract.postman.yaml_output import to_yaml

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def collection(*items, **extra):
    return {"info": {"name": "T", "schema": SCHEMA}, "item": list(items), **extra}


def item(name="r", url="https://api.openai.com/v1/images/generations", body=None, event=None, **request):
    request = {"method": "POST", "url": {"raw": url}, **request}
    if body is not None:
        request["body"] = body
    result = {"name": name, "request": request}
    if event is not None:
        result["event"] = event
    return result


def test_unquoted_variables_become_quoted_placeholders() -> None:
    raw = '{\n "prompt": "{{prompt}}",\n "n": {{numberOfImages}},\n "stream": {{ stream }}, "list": [{{a}}, 2]}'
    assert parse_raw_json(raw) == {"prompt": "{{prompt}}", "n": "{{numberOfImages}}", "stream": "{{ stream }}",
                                   "list": ["{{a}}", 2]}


def test_placeholders_inside_strings_and_escapes_are_left_alone() -> None:
    raw = r'{"prompt": "say \"{{x}}\" and {{y}}", "size": "{{size}}"}'
    assert parse_raw_json(raw) == {"prompt": 'say "{{x}}" and {{y}}', "size": "{{size}}"}


def test_raw_that_is_not_json_even_so_raises() -> None:
    with pytest.raises(ValueError):
        parse_raw_json('{"n": {{n}},}')


def test_raw_json_export_unquotes_typed_placeholders_and_reimports_equal() -> None:
    body = {"prompt": "{{prompt}}", "n": "{{numberOfImages}}", "size": "{{size}}", "quality": "{{q}}"}
    raw = raw_json(body, {"prompt": "a cat", "numberOfImages": 1, "size": "1024x1024"})
    assert '"n": {{numberOfImages}}' in raw and '"prompt": "{{prompt}}"' in raw and '"quality": "{{q}}"' in raw
    assert parse_raw_json(raw) == body
    assert '"n": {{k}}' in raw_json({"n": "{{k}}"}, {}), "an undefined variable for a numeric parameter is unquoted"


@pytest.mark.parametrize(
    ("script", "expect"),
    [
        ('pm.test("ok", function () { pm.response.to.have.status(201); });', {"status": 201}),
        ("pm.response.to.have.status(400)", {"status": 400}),
        ("pm.expect(pm.response.code).to.eql(429);", {"status": 429}),
        ('pm.test("fast", () => {\n  pm.expect(pm.response.responseTime).to.be.below(8000);\n});', {"latency": 8}),
        ("pm.expect(pm.response.responseTime).to.be.below(1500)", {"latency": 1.5}),
    ],
)
def test_common_assertions_translate(script: str, expect: dict) -> None:
    result = translate_script(script.splitlines())
    assert result.expect == expect
    assert result.leftover == []


def test_visualizer_showing_b64_becomes_show_images_with_a_note() -> None:
    script = ["var data = JSON.parse(responseBody)", "const img = `data:image/png;base64, ` + data.data[0].b64_json",
              "pm.visualizer.set(`<img src=\"{{img}}\">`, {img: img})"]
    result = translate_script(script)
    assert result.show_images and result.leftover == []
    assert [level for level, _ in result.notes] == ["info"]


def test_json_schema_is_a_warning_unless_trivial() -> None:
    result = translate_script(["const schema = loadSchema();", "pm.response.to.have.jsonSchema(schema);"])
    assert any("jsonSchema" in message for level, message in result.notes if level == "warning")
    assert result.leftover == ["const schema = loadSchema();"]
    trivial = translate_script(['pm.response.to.have.jsonSchema({type: "object", required: ["created", "data"], '
                                'properties: {data: {type: "array"}}});'])
    assert trivial.expect == {"fields": {"data": {"type": "array"}, "created": {"exists": True}}}
    assert trivial.leftover == []


def test_other_statements_are_kept_as_comments_with_a_warning(tmp_path: Path) -> None:
    script = ['pm.test("status", function () { pm.response.to.have.status(200); });',
              'pm.environment.set("url", pm.response.json().data[0].url);']
    data = collection(item(body={"mode": "raw", "raw": '{"prompt": "x"}'},
                           event=[{"listen": "test", "script": {"exec": script}}]))
    result, notes = import_postman(data)
    assert result["requests"][0]["expect"] == {"status": 200}
    assert [str(note) for note in notes] == [
        'item[0] "r": test script statements not translated (kept as a comment); express them under expect: (fields, images, schema)'
    ]
    text = to_yaml(result, notes)
    assert '  # pm.environment.set("url", pm.response.json().data[0].url);' in text
    (tmp_path / "c.yaml").write_text(text)
    assert load_collection(tmp_path / "c.yaml").requests[0].expect == {"status": 200}


def test_folders_urls_auth_and_variables(tmp_path: Path) -> None:
    folder = {"name": "Edits", "item": [
        {"name": "Sub", "item": [item("deep", url="{{baseUrl}}/images/edits",
                                      header=[{"key": "Content-Type", "value": "multipart/form-data"}],
                                      body={"mode": "formdata", "formdata": [
                                          {"key": "prompt", "value": "{{prompt}}", "type": "text"},
                                          {"key": "image[]", "type": "file", "src": "pics/a.png"},
                                          {"key": "image[]", "type": "file", "src": ["pics/b.png"]},
                                          {"key": "off", "value": "x", "type": "text", "disabled": True}]})]}]}
    other = item("elsewhere", url="https://gateway.example/v1/images/generations",
                 auth={"type": "bearer", "bearer": [{"key": "token", "value": "sk-{{suffix}}"}]},
                 body={"mode": "raw", "raw": "not json"}, header=[{"key": "Content-Type", "value": "text/plain"}])
    data = collection(folder, other, variable=[{"key": "baseUrl", "value": "https://api.openai.com/v1"},
                                               {"key": "n", "value": "2"}, {"key": "prompt", "value": "a cat"}],
                      auth={"type": "bearer", "bearer": [{"key": "token", "value": "{{OPENAI_API_KEY}}"}]})
    result, notes = import_postman(data, source_dir=str(tmp_path / "in"), target_dir=str(tmp_path / "collections"))
    assert result["variables"] == {"n": 2, "prompt": "a cat"}
    assert result["defaults"] == {"auth": {"bearer_env": "OPENAI_API_KEY"}}
    deep, elsewhere = result["requests"]
    assert deep == {"name": "Edits / Sub / deep", "path": "/images/edits", "form": {
        "fields": {"prompt": "{{prompt}}"},
        "files": {"image[]": [{"fixture": "../in/pics/a.png"}, {"fixture": "../in/pics/b.png"}]}}}
    assert elsewhere["url"] == "https://gateway.example/v1/images/generations"
    assert elsewhere["auth"] == {"bearer": "sk-{{suffix}}"}
    assert elsewhere["body"] == "not json" and elsewhere["headers"] == {"Content-Type": "text/plain"}
    assert str(notes[0]).startswith('item[0].item[0].item[0] "Edits / Sub / deep": header Content-Type: multipart/form-data dropped')
    (tmp_path / "c.yaml").write_text(to_yaml(result, notes))
    assert [spec.name for spec in load_collection(tmp_path / "c.yaml").requests] == ["Edits / Sub / deep", "elsewhere"]


def test_export_recreates_folders_and_writes_generated_files(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        "name: C\nvariables: {n: 2}\nrequests:\n"
        "  - name: first\n    path: /images/generations\n    json: {prompt: a}\n    save: {x: {image: 0}}\n"
        "  - name: Edits / one\n    path: /images/edits\n    auth: none\n"
        "    form: {fields: {n: '{{n}}'}, files: {image: {png: 64x64}, mask: {saved: x}}}\n"
        "    expect: {status: 400, latency: 2}\n"
    )
    postman, files, notes = export_postman(load_collection(tmp_path / "c.yaml"), files_dir="C_files")
    folder = postman["item"][1]
    assert folder["name"] == "Edits" and folder["item"][0]["name"] == "one"
    request = folder["item"][0]["request"]
    assert request["auth"] == {"type": "noauth"}
    image, mask = request["body"]["formdata"][1:]
    assert image["src"] == "C_files/edits-one-image.png" and files[image["src"]].startswith(b"\x89PNG")
    assert mask["src"] == [] and any("saved" in note.message for note in notes)
    exec_ = folder["item"][0]["event"][0]["script"]["exec"]
    assert "    pm.response.to.have.status(400);" in exec_ and any("below(2000)" in line for line in exec_)
    assert {"key": "n", "value": "2", "type": "number"} in postman["variable"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"}, "item": []}',
         "expected a Postman collection v2.1"),
        ('{"id": "e", "values": [{"key": "a", "value": "b"}]}', "Postman environment"),
        ("[1, 2]", "expected a Postman collection"),
    ],
)
def test_bad_input_is_a_collection_error(tmp_path: Path, content: str, message: str) -> None:
    source = tmp_path / "in.json"
    source.write_text(content)
    with pytest.raises(CollectionError) as raised:
        import_file(source, tmp_path / "out.yaml")
    assert raised.value.file == str(source) and message in raised.value.message
    assert not (tmp_path / "out.yaml").exists()


def test_cli_wiring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import imagecontract.cli.main as cli

    source = tmp_path / "in.json"
    source.write_text(json.dumps(collection(item(body={"mode": "raw", "raw": '{"prompt": "x", "n": {{n}}}'}))))
    assert cli.main(["import-postman", str(source), "-o", str(tmp_path / "collections" / "x.yaml")]) == 0
    assert load_collection(tmp_path / "collections" / "x.yaml").requests[0].json == {"prompt": "x", "n": "{{n}}"}
    assert cli.main(["export-postman", str(tmp_path / "collections" / "x.yaml"), "-o", str(tmp_path / "x.json")]) == 0
    assert json.loads((tmp_path / "x.json").read_text())["info"]["schema"] == SCHEMA
    source.write_text("{")
    assert cli.main(["import-postman", str(source), "-o", str(tmp_path / "y.yaml")]) == 2
    assert "invalid JSON" in capsys.readouterr().err


def test_authorization_header_and_literal_token() -> None:
    data = collection(
        item("h", body={"mode": "raw", "raw": '{"prompt": "x"}'},
             header=[{"key": "Authorization", "value": "Bearer {{GATEWAY_KEY}}"}]),
        item("lit", body={"mode": "raw", "raw": '{"prompt": "x"}'},
             auth={"type": "bearer", "bearer": [{"key": "token", "value": "sk-literal"}]}),
        item("no", auth={"type": "noauth"}, method="GET", url="{{baseUrl}}/v1/models"),
    )
    result, notes = import_postman(data)
    h, lit, no = result["requests"]
    assert h["auth"] == {"bearer_env": "GATEWAY_KEY"} and "headers" not in h
    assert lit["auth"] == {"bearer": "sk-literal"}
    assert no == {"name": "no", "method": "GET", "path": "/models", "auth": "none"}
    assert any(str(note).startswith('item[1] "lit": a literal bearer token') for note in notes)


def test_fixture_sources_outside_the_project_are_warned_about(tmp_path: Path) -> None:
    sources = ["~/.ssh/id_rsa", "/etc/passwd", "../../../../../../etc/passwd", "pics/inside.png"]
    data = collection(item("edit", url="{{baseUrl}}/images/edits", body={"mode": "formdata", "formdata": [
        {"key": "image[]", "type": "file", "src": source} for source in sources]}))
    result, notes = import_postman(data, source_dir=str(tmp_path / "in"), target_dir=str(tmp_path / "collections"))
    warned = [note.message for note in notes if note.level == "warning" and "--allow-outside-fixtures" in note.message]
    assert [message.split(" is ")[0] for message in warned] == [
        f"file field 'image[]': src {source!r}" for source in sources[:3]]
    assert "in a home folder (~)" in warned[0] and "an absolute path" in warned[1] and "outside the project" in warned[2]
