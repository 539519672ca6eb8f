"""Evidence files for the demo's declared purchases: small, real PDF documents stored as
uploads are (content-checked, by hash), so that « download the evidence » works in the demo.
"""

from __future__ import annotations

import io
import unicodedata

from werkzeug.datastructures import FileStorage

from app.files.storage import StoredFile, store_upload

_ASCII = {"\u2019": "'", "\u202f": " ", "\u00a0": " ", "\u2014": "-", "\u2013": "-", "\u20ac": "EUR",
          "\u00ab": '"', "\u00bb": '"'}


def _pdf_text(text: str) -> str:
    """Plain ASCII for the standard Helvetica font, PDF string escapes applied."""
    for char, ascii_text in _ASCII.items():
        text = text.replace(char, ascii_text)
    plain = unicodedata.normalize("NFKD", text)
    plain = plain.encode("ascii", "ignore").decode()
    return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def evidence_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and a few lines of text (with a correct cross-reference table)."""
    text = [f"BT /F1 16 Tf 60 770 Td ({_pdf_text(title)}) Tj ET"]
    for n, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 60 {735 - 20 * n} Td ({_pdf_text(line)}) Tj ET")
    stream = "\n".join(text).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def store_evidence(filename: str, title: str, lines: list[str]) -> StoredFile:
    return store_upload(FileStorage(io.BytesIO(evidence_pdf(title, lines)), filename=filename))
