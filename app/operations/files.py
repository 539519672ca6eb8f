"""Files of operations: an import's upload kept for its job, an export's result kept for download.

They live with the other uploads (``app.files.storage``: outside the web root, named by the
SHA-256 of their content, written atomically) and are served only as attachments.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable

from app.files.storage import path_for, send_stored, upload_root


def _key(digest: str) -> str:
    return f"{digest[:2]}/{digest}"


def store_bytes(data: bytes) -> str:
    """Keep ``data``; return its storage key."""
    return store_chunks([data])[0]


def store_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write chunks to a file as they come; return its storage key and size in bytes."""
    root = upload_root()
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".operation-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        key = _key(digest.hexdigest())
        target = path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)  # atomic; the same content lands on the same name
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return key, size


def read_stored(storage_key: str) -> bytes:
    return path_for(storage_key).read_bytes()


def send_result_file(file: dict):
    """Serve an operation's result file (a dict of ``result["file"]``) as an attachment."""
    return send_stored(file["storage_key"], filename=file["filename"], content_type=file["content_type"])
