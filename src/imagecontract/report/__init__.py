"""The HTML report and `summary.json`: records built from results, rendered as pure functions of data.

`records` turns one request's result into a JSON-safe record, `summary` adds
the run facts and writes `summary.json`, `render` draws HTML from records, and
`hooks` wires them into pytest and pytest-html. Keeping the HTML a function of
records and their thumbnails lets several shards' summaries be merged into
one report later.
"""
