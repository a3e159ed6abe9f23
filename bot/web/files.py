"""Files in and out of the console: uploads saved for the file readers, and downloads built by the writers."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # any request to the server, an uploaded file included
MAX_UPLOAD_TEXT = f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"

CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadError(Exception):
    """The upload is missing or of the wrong type; the message is for the person uploading."""


def attachment(body: bytes, filename: str) -> web.Response:
    """A download; the Chinese file name in RFC 5987 form, with an ASCII fallback for old clients."""
    suffix = Path(filename).suffix.lower()
    disposition = f"attachment; filename=\"export{suffix}\"; filename*=UTF-8''{quote(filename)}"
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream"),
                                            "Content-Disposition": disposition})


def download(filename: str, write: Callable[[Path], None]) -> web.Response:
    """Let a file writer write to a scratch file and send what it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{Path(filename).suffix.lower()}"
        write(path)
        return attachment(path.read_bytes(), filename)


def read_upload(form, allowed: tuple[str, ...], read: Callable[[Path], object]):
    """Hand an uploaded file to a reader that expects a path with the right extension."""
    upload = form.get("file")
    if upload is None or not hasattr(upload, "file") or not upload.filename:
        raise UploadError("请选择要上传的文件")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in allowed:
        raise UploadError(f"不支持的文件类型 {suffix or '（无扩展名）'}，请使用 {' / '.join(allowed)}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{Path(upload.filename).stem[:40] or 'upload'}{suffix}"
        path.write_bytes(upload.file.read())
        return read(path)
