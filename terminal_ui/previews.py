"""Preview pictures of print jobs, shared by the API and the back office."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from printing.fonts import CJKFontMissing
from printing.render import render_preview


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def preview_response(document: str, data: dict[str, Any], printer_name: str) -> Response:
    """The job's preview as PNG; a document whose data cannot be laid out answers 422 with
    the reason (the print worker marks such a job failed with the same reason)."""
    printer = current_app.extensions["wms.site"].printers.get(printer_name)
    try:
        png = render_preview(document, data, printer.paper if printer else 80,
                             zone=current_app.config["WMS_SETTINGS"].timezone)
    except CJKFontMissing as exc:
        return _error(503, "unavailable", str(exc))
    except (KeyError, TypeError, ValueError) as exc:
        return _error(422, "invalid", f"this {document} cannot be drawn: {exc!r}")
    return Response(png, mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=60"})
