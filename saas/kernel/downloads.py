"""A file handed to the browser as a download (exports of work logs and culture reports)."""
from __future__ import annotations

from flask import Response


def attachment(body: bytes, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # a team's notes or a report do not belong in shared caches
    return response
