"""`imagecontract import-postman` and `imagecontract export-postman`.

import-postman FILE.json -o collections/NAME.yaml
    converts a Postman v2.1 collection; each change or untranslated part is one
    line on stderr: `FILE: item[2] "Create image edit [URL]": what and why`.
export-postman collections/NAME.yaml -o FILE.json
    writes a v2.1 collection, and the files its form-data uploads in `FILE_files/`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from imagecontract.collection.loader import load_collection
from imagecontract.errors import CollectionError, ImageContractError
from imagecontract.postman.exporter import DEFAULT_KEY_ENV, DEFAULT_TARGET, export_postman
from imagecontract.postman.importer import import_postman
from imagecontract.postman.yaml_output import to_yaml


def read_postman(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CollectionError(str(path), "", "file not found") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise CollectionError(str(path), "", f"cannot read a Postman collection: {exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CollectionError(str(path), f"line {getattr(exc, 'lineno', '?')}", f"invalid JSON: {exc}") from None


def import_file(source: Path, output: Path, *, stderr=None) -> int:
    """Convert `source` into `output`; returns the number of warnings (notes excluded)."""
    stderr = stderr or sys.stderr
    data = read_postman(source)
    collection, notes = import_postman(
        data, source=str(source), source_dir=str(source.resolve().parent), target_dir=str(output.resolve().parent)
    )
    for note in notes:
        print(f"{source}: {note}", file=stderr)
    text = to_yaml(collection, notes, header=f"Imported from {source.name} by imagecontract import-postman.")
    output.parent.mkdir(parents=True, exist_ok=True)
    existed = output.exists()
    previous = output.read_bytes() if existed else None
    output.write_text(text, encoding="utf-8")
    try:
        load_collection(output)
    except ImageContractError:
        if previous is None:
            output.unlink()
        else:
            output.write_bytes(previous)
        raise
    warnings = sum(note.level == "warning" for note in notes)
    print(f"imported {len(collection['requests'])} requests into {output} ({warnings} warnings)", file=stderr)
    return warnings


def export_file(source: Path, output: Path, *, target: str = DEFAULT_TARGET, key_env: str = DEFAULT_KEY_ENV,
                stderr=None) -> dict:
    """Write `output` (a v2.1 collection) and its upload files in `<output stem>_files/`; returns the dict."""
    stderr = stderr or sys.stderr
    collection = load_collection(source)
    files_dir = f"{output.stem}_files"
    postman, files, notes = export_postman(collection, files_dir=files_dir, target=target, key_env=key_env)
    for note in notes:
        print(f"{source}: {note}", file=stderr)
    output.parent.mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        path = output.parent / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    temporary = output.with_name(output.name + ".tmp")
    temporary.write_text(json.dumps(postman, indent="\t", ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, output)
    extra = f" and {len(files)} files in {output.parent / files_dir}" if files else ""
    print(f"exported {len(collection.requests)} requests to {output}{extra}; run it with "
          f"newman run {output} --working-dir {output.parent} --env-var baseUrl=URL --env-var {key_env}=KEY",
          file=stderr)
    return postman


def _import(args: argparse.Namespace) -> int:
    import_file(Path(args.file), Path(args.output))
    return 0


def _export(args: argparse.Namespace) -> int:
    export_file(Path(args.collection), Path(args.output), target=args.target, key_env=args.api_key_env)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    importer = subparsers.add_parser(
        "import-postman", help="convert a Postman v2.1 collection into a YAML collection",
        description="Convert a Postman collection (v2.1 JSON) into a collection YAML file. "
                    "Warnings (what changed and why) go to stderr.",
    )
    importer.add_argument("file", metavar="FILE.json", help="the Postman collection export")
    importer.add_argument("-o", "--output", required=True, metavar="OUT.yaml", help="the collection to write, e.g. collections/mine.yaml")
    importer.set_defaults(func=_import)
    exporter = subparsers.add_parser(
        "export-postman", help="write a YAML collection as a Postman v2.1 collection",
        description="Write a collection as a Postman v2.1 collection (for Postman or Newman); "
                    "uploaded files are written to OUT_files/ beside it.",
    )
    exporter.add_argument("collection", metavar="COLLECTION.yaml")
    exporter.add_argument("-o", "--output", required=True, metavar="OUT.json")
    exporter.add_argument("--target", default=DEFAULT_TARGET, help=f"value of the baseUrl variable (default {DEFAULT_TARGET})")
    exporter.add_argument("--api-key-env", default=DEFAULT_KEY_ENV,
                          help=f"the variable holding the key for requests using the target's key (default {DEFAULT_KEY_ENV})")
    exporter.set_defaults(func=_export)
