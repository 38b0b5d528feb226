"""A minimal Files API (`POST /v1/files`, `GET /v1/files/{id}`): just enough for JSON edits by `file_id`.

Files live in memory for the life of the sandbox; nothing else of the Files API is imitated.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from imagecontract.sandbox.messages import ApiError, quoted_list

FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
"""openai-openapi 2.3.0 CreateFileRequest.purpose."""

MAX_FILE_BYTES = 512 * 1024 * 1024
"""openai-openapi 2.3.0 createFile: "Individual files can be up to 512 MB"."""


@dataclass(frozen=True)
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def describe(self) -> dict[str, Any]:
        """The File object (openai-openapi 2.3.0 OpenAIFile, with its required deprecated `status`)."""
        return {
            "id": self.id, "object": "file", "bytes": len(self.data), "created_at": self.created_at,
            "filename": self.filename, "purpose": self.purpose, "status": "processed",
        }


@dataclass
class FileStore:
    """Uploaded files by id; ids count up so a run is reproducible."""

    clock: Callable[[], float]
    _files: dict[str, StoredFile] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add(self, filename: str, purpose: str, data: bytes) -> StoredFile:
        stored = StoredFile(f"file-sandbox{next(self._ids):06d}", filename, purpose, data, int(self.clock()))
        self._files[stored.id] = stored
        return stored

    def get(self, file_id: str, param: str = "file_id") -> StoredFile:
        """The file, or the 404 ApiError naming it."""
        stored = self._files.get(file_id)
        if stored is None:
            raise ApiError("file_not_found", file_id=file_id, param=param)
        return stored


async def upload(store: FileStore, request: Request) -> StoredFile:
    """`POST /v1/files`: a multipart `file` and a `purpose`."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise ApiError("expected_multipart", content_type=request.headers.get("content-type", "none"))
    try:
        form = await request.form(max_part_size=MAX_FILE_BYTES)
    except HTTPException as exc:
        raise ApiError("invalid_multipart", detail=exc.detail) from None
    try:
        upload_file, purpose = form.get("file"), form.get("purpose")
        if not isinstance(upload_file, UploadFile):
            raise ApiError("missing_parameter", param="file")
        if not isinstance(purpose, str) or not purpose:
            raise ApiError("missing_parameter", param="purpose")
        if purpose not in FILE_PURPOSES:
            raise ApiError("invalid_value", param="purpose", value=purpose, supported=quoted_list(FILE_PURPOSES))
        data = await upload_file.read()
        if len(data) > MAX_FILE_BYTES:
            raise ApiError("file_too_large", size=len(data), maximum=MAX_FILE_BYTES)
        return store.add(upload_file.filename or "upload", purpose, data)
    finally:
        await form.close()
