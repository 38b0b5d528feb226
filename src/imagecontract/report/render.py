"""HTML fragments of the report, each a pure function of records and thumbnails.

Images are referenced by key (`<img data-ic="KEY">`) and their bytes are
embedded once, in `render_assets`, whose script fills in every `src` as
pytest-html draws its table; so a thumbnail shared by many tests costs once.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any, Iterable, Mapping, Sequence

from imagecontract.report.gallery import STYLE as GALLERY_STYLE
from imagecontract.report.gallery import size_problems, test_anchor
from imagecontract.report.pictures import Thumbnail
from imagecontract.report.summary import OUTCOMES

STYLE = """
.ic-test{font-size:13px}
.ic-test h4{margin:.8em 0 .3em}
.ic-cols{display:flex;flex-wrap:wrap;gap:16px}
.ic-cols>section{flex:1 1 420px;min-width:0}
.ic-test pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:6px;margin:4px 0;max-height:360px;overflow:auto}
.ic-test table,.ic-summary table{border-collapse:collapse;margin:4px 0}
.ic-test td,.ic-test th,.ic-summary td,.ic-summary th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
.ic-fail{color:#b00020}.ic-ok{color:#0a7d32}.ic-na{color:#777}
.ic-strip{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.ic-strip figure{margin:0;font-size:11px;max-width:260px}
.ic-strip img{display:block;max-width:256px;max-height:256px;border:1px solid #ccc;
background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px}
.ic-summary{margin:8px 0 16px}
.ic-summary svg{display:block;margin:6px 0}
"""

_LOADER = """(function(){
var table=JSON.parse(document.getElementById('ic-images').textContent);
function fill(root){if(!root.querySelectorAll)return;
root.querySelectorAll('img[data-ic]').forEach(function(img){
if(img.getAttribute('src'))return;var t=table[img.getAttribute('data-ic')];
if(t)img.setAttribute('src','data:'+t[0]+';base64,'+t[1]);});}
new MutationObserver(function(changes){changes.forEach(function(change){
change.addedNodes.forEach(function(node){if(node.nodeType===1)fill(node.parentNode||node);});});})
.observe(document.documentElement,{childList:true,subtree:true});
fill(document);})();"""


def render_assets(images: Mapping[str, Thumbnail]) -> str:
    """The style, every thumbnail once, and the script that points each `<img data-ic>` at its thumbnail."""
    table = json.dumps({key: [item.mime, item.data] for key, item in sorted(images.items())}, separators=(",", ":"))
    return (
        f"<style>{STYLE}{GALLERY_STYLE}</style>"
        f'<script type="application/json" id="ic-images">{table}</script>'
        f"<script>{_LOADER}</script>"
    )


def render_run_summary(summary: Mapping[str, Any]) -> str:
    """Target, mode, outcome counts, pass/fail per endpoint and model, and the latency table and chart."""
    run = summary["run"]
    counts = ", ".join(f"{run['counts'][outcome]} {outcome}" for outcome in OUTCOMES)
    if run.get("interrupted"):
        counts += f"; INTERRUPTED, {run.get('not_run', 0)} not run"
    elif run.get("not_run"):
        counts += f"; {run['not_run']} not run"
    facts = _table(
        ["target", "mode", "started", "duration", "tests"],
        [[run["target"], run["mode"], run["started"], f"{run['duration']:.1f} s", f"{run['counts']['total']} ({counts})"]],
    )
    endpoints = _table(
        ["endpoint", "model", *OUTCOMES],
        [[escape(row["endpoint"]), escape(row["model"]), *(_count(outcome, row[outcome]) for outcome in OUTCOMES)]
         for row in summary["endpoints"]],
        raw=True,
    )
    latency = summary["latency"]
    latency_table = _table(
        ["endpoint", "n", "p50 s", "p95 s", "max s", "budget s", ""],
        [
            [escape(row["endpoint"]), str(row["count"]), f"{row['p50']:.3f}", f"{row['p95']:.3f}", f"{row['max']:.3f}",
             f"{row['budget']:.2f}", _verdict(row["within_budget"], "within budget",
                                                 f"OVER budget ({row.get('over', '?')} of {row['count']})")]
            for row in latency
        ],
        raw=True,
    )
    return (
        '<div class="ic-summary"><h3>imagecontract run</h3>'
        f"{facts}<h4>Outcomes per endpoint and model</h4>{endpoints}"
        f"<h4>Latency against budget</h4>{latency_table}{latency_chart(latency)}</div>"
    )


def latency_chart(rows: Sequence[Mapping[str, Any]]) -> str:
    """An inline SVG: per endpoint, bars for max, p95 and p50 and a red tick at the budget."""
    if not rows:
        return ""
    label, width, row_height = 110, 360, 22
    scale = max(max(row["max"], row["budget"]) for row in rows) * 1.05 or 1.0
    parts = []
    for index, row in enumerate(rows):
        top = index * row_height + 4

        def bar(value: float, colour: str, name: str, row: Mapping[str, Any] = row, top: int = top) -> str:
            return (f'<rect x="{label}" y="{top}" width="{value / scale * width:.1f}" height="14" fill="{colour}">'
                    f"<title>{escape(row['endpoint'])} {name} {value:.3f} s</title></rect>")

        budget_x = label + row["budget"] / scale * width
        parts.append(
            f'<text x="{label - 6}" y="{top + 11}" text-anchor="end">{escape(row["endpoint"])}</text>'
            + bar(row["max"], "#c6dbef", "max") + bar(row["p95"], "#6baed6", "p95") + bar(row["p50"], "#2171b5", "p50")
            + f'<line x1="{budget_x:.1f}" x2="{budget_x:.1f}" y1="{top - 2}" y2="{top + 16}" stroke="#d62728" stroke-width="2">'
            f"<title>budget {row['budget']:.2f} s</title></line>"
        )
    axis_y = len(rows) * row_height + 4
    height = axis_y + 40
    legend = f'<text x="{label}" y="{height - 4}">p50 (dark), p95, max (light); red: budget</text>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{label + width + 30}" height="{height}" '
            f'font-family="sans-serif" font-size="11" role="img" aria-label="latency per endpoint">'
            f"{''.join(parts)}{_axis(label, width, axis_y, scale)}{legend}</svg>")


AXIS_TICKS = 5


def _axis(left: int, width: int, y: int, scale: float) -> str:
    """A seconds axis under the bars: a line and AXIS_TICKS evenly spaced, labelled ticks from 0 to full width."""
    ticks = []
    for step in range(AXIS_TICKS):
        x = left + width * step / (AXIS_TICKS - 1)
        seconds = scale * step / (AXIS_TICKS - 1)
        ticks.append(f'<line class="ic-tick" x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 4}" stroke="#555"/>'
                     f'<text x="{x:.1f}" y="{y + 15}" text-anchor="middle">{seconds:.3g} s</text>')
    return (f'<g class="ic-axis"><line x1="{left}" x2="{left + width}" y1="{y}" y2="{y}" stroke="#555"/>'
            f"{''.join(ticks)}</g>")


def render_test_section(record: Mapping[str, Any], images: Mapping[str, Thumbnail]) -> str:
    """One test's details: failed checks, 429 retries, request, response, returned and partial images, every check."""
    parts = [_failures(record), _retries(record.get("retries") or [])]
    exchange = record.get("exchange")
    if exchange:
        parts.append(
            f'<div class="ic-cols"><section>{_request(exchange["request"], images)}</section>'
            f'<section>{_response(exchange["response"], record)}</section></div>'
        )
        if exchange["images"]:
            wrong = size_problems(record)
            marked = [{**entry, "wrong_size": wrong.get(entry["path"])} for entry in exchange["images"]]
            parts.append(f"<h4>Returned images</h4>{_strip(marked, images, _image_caption)}")
        if exchange["partials"]:
            parts.append(f"<h4>Partial images</h4>{_strip(exchange['partials'], images, _partial_caption)}")
    parts.append(_checks(record["checks"]))
    return f'<div class="ic-test" id="{test_anchor(str(record.get("nodeid", "")))}">{"".join(parts)}</div>'


def _failures(record: Mapping[str, Any]) -> str:
    lines = []
    if record.get("error"):
        lines.append(f'<p class="ic-fail"><b>error:</b> {escape(record["error"])}</p>')
    elif record.get("message") and record["outcome"] != "passed":
        lines.append(f"<p><b>{escape(record['outcome'])}:</b> {escape(record['message'])}</p>")
    if record["failures"]:
        rows = [[f"<b>{escape(item['check'])}</b>", f"<code>{escape(item['path'])}</code>", escape(item["reason"])]
                for item in record["failures"]]
        lines.append('<h4 class="ic-fail">Failed checks</h4>' + _table(["check", "path", "reason"], rows, raw=True))
    return "".join(lines)


def _retries(lines: Sequence[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<h4 class="ic-retries">Retries ({len(lines)})</h4><ul class="ic-retries">{items}</ul>'


def _request(request: Mapping[str, Any], images: Mapping[str, Thumbnail]) -> str:
    body = request["body"]
    parts = [f"<h4>Request</h4><p><b>{escape(request['method'])}</b> <code>{escape(request['url'])}</code></p>",
             _headers(request["headers"])]
    if body["kind"] == "form":
        if body["fields"]:
            parts.append(_table(["field", "value"], [[name, value] for name, value in body["fields"].items()]))
        if body["files"]:
            parts.append(_strip(body["files"], images, _upload_caption))
    else:
        parts.append(_body(body))
    return "".join(parts)


def _response(response: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    budget = record["budget"]["max"] if record.get("budget") else None
    timing = f"{response['latency']:.3f} s"
    if budget is not None:
        timing += f" of {budget:.2f} s budget " + _verdict(response["latency"] <= budget, "ok", "OVER")
    if len(record["latency"]) > 1:
        timing += f" (last of {len(record['latency'])} runs: {', '.join(f'{value:.3f}' for value in record['latency'])})"
    status_ok = 200 <= response["status"] < 300
    replayed = f"<p>replayed from <code>{escape(record['cassette'])}</code></p>" if record.get("replayed") else ""
    return (f"<h4>Response</h4><p><b>{response['status']}</b> {'' if status_ok else '(error status) '}in {timing}</p>"
            f"{replayed}{_headers(response['headers'])}{_body(response['body'])}")


def _headers(headers: Mapping[str, Any]) -> str:
    rows = [[name, ", ".join(value) if isinstance(value, list) else value] for name, value in headers.items()]
    return f"<details><summary>headers ({len(rows)})</summary>{_table(['name', 'value'], rows)}</details>"


def _body(body: Mapping[str, Any]) -> str:
    kind = body["kind"]
    if kind == "json":
        return f"<pre>{escape(json.dumps(body['json'], indent=2, ensure_ascii=False))}</pre>"
    if kind == "events":
        lines = [f"{event['at']:.3f}s {event['event'] or 'message'}: {json.dumps(event['data'], ensure_ascii=False)}"
                 for event in body["events"]]
        return f"<p>{len(lines)} stream events</p><pre>{escape(chr(10).join(lines))}</pre>"
    if kind == "text":
        cut = " (cut)" if len(body["text"].encode()) < body["size"] else ""
        return f"<p>{body['size']} bytes{cut}</p><pre>{escape(body['text'])}</pre>"
    return "<p>(empty body)</p>"


def _strip(entries: Iterable[Mapping[str, Any]], images: Mapping[str, Thumbnail], caption: Any) -> str:
    figures = []
    for entry in entries:
        thumbnail = images.get(entry["image"]) if entry.get("image") else None
        image = (f'<img data-ic="{escape(entry["image"])}" width="{thumbnail.width}" height="{thumbnail.height}" '
                 f'alt="{escape(entry.get("description") or "")}">' if thumbnail else "")
        marked = ' class="ic-wrong-size"' if entry.get("wrong_size") else ""
        figures.append(f"<figure{marked}>{image}<figcaption>{caption(entry)}</figcaption></figure>")
    return f'<div class="ic-strip">{"".join(figures)}</div>'


def _image_caption(entry: Mapping[str, Any]) -> str:
    text = f"<code>{escape(entry['path'])}</code> {escape(entry.get('description') or '')}"
    if entry.get("wrong_size"):
        text += f'<br><span class="ic-badge">{escape(entry["wrong_size"])}</span>'
    return text + (f'<br><span class="ic-fail">{escape(entry["error"])}</span>' if entry.get("error") else "")


def _partial_caption(entry: Mapping[str, Any]) -> str:
    return f"partial {escape(str(entry['index']))}: {escape(entry.get('description') or '(not base64)')}"


def _upload_caption(entry: Mapping[str, Any]) -> str:
    return (f"<b>{escape(entry['field'])}</b> {escape(entry['filename'])} ({escape(entry['content_type'])})<br>"
            f"{escape(entry.get('description') or str(entry['size']) + ' bytes')}")


def _checks(checks: Sequence[Mapping[str, Any]]) -> str:
    if not checks:
        return ""
    failed = sum(1 for check in checks if check["failures"])
    skipped = sum(1 for check in checks if not check["applicable"])
    rows = []
    for check in checks:
        if not check["applicable"]:
            verdict = '<span class="ic-na">not applicable</span>'
        elif check["failures"]:
            verdict = '<span class="ic-fail">failed</span>: ' + "; ".join(
                f"<code>{escape(item['path'])}</code> {escape(item['reason'])}" for item in check["failures"])
        else:
            verdict = '<span class="ic-ok">passed</span>'
        rows.append([escape(check["name"]), verdict])
    title = f"checks: {len(checks) - failed - skipped} passed, {failed} failed, {skipped} not applicable"
    return f"<details><summary>{title}</summary>{_table(['check', 'verdict'], rows, raw=True)}</details>"


def _count(outcome: str, value: int) -> str:
    if not value:
        return "0"
    css = {"passed": "ic-ok", "failed": "ic-fail", "error": "ic-fail"}.get(outcome, "ic-na")
    return f'<span class="{css}">{value}</span>'


def _verdict(ok: bool, good: str, bad: str) -> str:
    return f'<span class="ic-ok">{good}</span>' if ok else f'<span class="ic-fail">{bad}</span>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False) -> str:
    """A table; cells are escaped unless `raw` (callers that built markup escaped it already)."""
    header = "".join(f"<th>{escape(cell)}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{cell if raw else escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"
