"""Uploaded files: type checked from the content, stored outside the web root by content hash.

Allowed: PDF, ODT/ODS, DOCX/XLSX, PNG and JPEG, up to 20 MB. The name given by the
browser is never used to find or type a file; it is only cleaned and shown back.
Files live under ``UPLOAD_PATH`` (default ``instance/uploads``) as ``ab/abcdef…`` where
``abcdef…`` is the SHA-256 of the content, so the same file is stored once.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from werkzeug.datastructures import FileStorage

MAX_BYTES = 20 * 1024 * 1024

# kind -> (MIME type, extension)
KINDS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpeg": ("image/jpeg", "jpg"),
    "odt": ("application/vnd.oasis.opendocument.text", "odt"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class UploadError(ValueError):
    """A refused upload; ``code`` says why (empty, too_large, bad_type)."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size_bytes: int
    content_type: str
    filename: str
    storage_key: str


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                for kind in ("odt", "ods"):
                    if mimetype == KINDS[kind][0]:
                        return kind
                return None
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "docx"
                if any(n.startswith("xl/") for n in names):
                    return "xlsx"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The kind of a file from its bytes, or None when it is not an accepted type."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def clean_filename(name: str | None, kind: str) -> str:
    """A displayable name with the extension of the real type; never used as a path."""
    base = unicodedata.normalize("NFKC", os.path.basename((name or "").replace("\\", "/")))
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = re.sub(r"[^\w\- ()\[\]]+", "_", stem, flags=re.UNICODE).strip(" ._")[:120] or "document"
    return f"{stem}.{KINDS[kind][1]}"


def upload_root() -> Path:
    root = Path(current_app.config.get("UPLOAD_PATH") or Path(current_app.instance_path) / "uploads")
    root.mkdir(parents=True, exist_ok=True)
    return root


def path_for(storage_key: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{64}", storage_key):
        raise ValueError("bad storage key")
    return upload_root() / storage_key


def store_upload(upload: FileStorage | None) -> StoredFile:
    """Check and store an uploaded file; raise UploadError and store nothing when refused."""
    if upload is None:
        raise UploadError("empty")
    data = upload.stream.read(MAX_BYTES + 1)
    if not data:
        raise UploadError("empty")
    if len(data) > MAX_BYTES:
        raise UploadError("too_large")
    kind = sniff(data)
    if kind is None:
        raise UploadError("bad_type")
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}"
    target = path_for(key)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)  # atomic: readers never see half a file
    return StoredFile(digest, len(data), KINDS[kind][0], clean_filename(upload.filename, kind), key)


def send_stored(storage_key: str, *, filename: str, content_type: str):
    """Serve a stored file as a download that browsers never render or sniff."""
    response = send_file(
        path_for(storage_key),
        mimetype=content_type,
        as_attachment=True,
        download_name=filename,
        conditional=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
