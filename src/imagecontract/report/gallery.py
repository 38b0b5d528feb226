"""The gallery at the top of the report: every returned image of the run, so a green run shows what came back.

Each thumbnail links to its test (opening pytest-html's collapsed row first); an image whose size is not the one
asked for is framed in red with the check's words, here and in the test's own strip.
"""

from __future__ import annotations

import hashlib
import re
from html import escape
from typing import Any, Iterable, Mapping

from imagecontract.report.pictures import Thumbnail

SIZE_CHECKS = ("image_decodes", "expected_images")
"""Checks whose failures about an image's size are shown on its thumbnail."""
WRONG_SIZE = re.compile(r"expected .*\d+x\d+.*, got \"?\d+x\d+")

STYLE = """
.ic-gallery .ic-strip figure{max-width:140px}
.ic-gallery .ic-strip img{max-width:128px;max-height:128px}
.ic-wrong-size img{outline:3px solid #d62728;outline-offset:-3px}
.ic-badge{display:inline-block;background:#d62728;color:#fff;border-radius:3px;padding:0 4px;font-size:11px}
"""

OPEN_TEST = """document.addEventListener('click',function(event){
var link=event.target.closest&&event.target.closest('a[data-ic-test]');if(!link)return;
var id=link.getAttribute('data-ic-test'),target=document.getElementById(id);if(!target)return;
event.preventDefault();var body=target.closest('tbody');
var cell=body&&body.querySelector('.collapsible > .col-result.collapsed');if(cell)cell.click();
setTimeout(function(){var again=document.getElementById(id);if(again)again.scrollIntoView();},0);});"""


def test_anchor(nodeid: str) -> str:
    """A stable HTML id for a test's section, the same in a shard and in the merged report."""
    return "ic-test-" + hashlib.sha256(nodeid.encode()).hexdigest()[:12]


def size_problems(record: Mapping[str, Any]) -> dict[str, str]:
    """Image path -> the failing check's reason, for images that came back at a size not asked for."""
    return {failure["path"]: failure["reason"] for failure in record.get("failures") or []
            if failure["check"] in SIZE_CHECKS and WRONG_SIZE.search(failure["reason"])}


def render_gallery(records: Iterable[Mapping[str, Any]], images: Mapping[str, Thumbnail]) -> str:
    """Every returned image, in test order, each linking to its test; empty when the run returned none."""
    figures = []
    for record in records:
        exchange = record.get("exchange") or {}
        wrong = size_problems(record)
        for entry in exchange.get("images") or []:
            thumbnail = images.get(entry["image"]) if entry.get("image") else None
            if thumbnail is None:
                continue
            problem = wrong.get(entry["path"])
            badge = f'<br><span class="ic-badge">{escape(problem)}</span>' if problem else ""
            figures.append(
                f'<figure class="{"ic-wrong-size" if problem else "ic-right-size"}">'
                f'<a href="#{test_anchor(record["nodeid"])}" data-ic-test="{test_anchor(record["nodeid"])}" '
                f'title="{escape(record["nodeid"])}"><img data-ic="{escape(entry["image"])}" width="{thumbnail.width}" '
                f'height="{thumbnail.height}" alt="{escape(entry.get("description") or "")}"></a>'
                f'<figcaption>{escape(record["request"])} <code>{escape(entry["path"])}</code> '
                f'{escape(entry.get("description") or "")}{badge}</figcaption></figure>'
            )
    if not figures:
        return ""
    return (f'<div class="ic-gallery"><script>{OPEN_TEST}</script>'
            f'<h4>Returned images ({len(figures)})</h4><div class="ic-strip">{"".join(figures)}</div></div>')
