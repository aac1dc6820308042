"""The web import: upload a file, see what it would become (the same preview as
``cxpilot import --dry-run``), then import it, all or nothing. Thin: the warehouse's
``import_preview`` selector and ``table_import`` service do the work."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cxpilot.kernel import errors, roles
from cxpilot.warehouse import selectors, services
from cxpilot.warehouse.forms import ImportForm

PERMISSION = "organisation.import_data"
SESSION_KEY = "warehouse_imports"
#: Uploads not imported are removed after this many seconds.
KEEP_UPLOADS = 24 * 3600


def _uploads() -> Path:
    return Path(settings.CXPILOT_HOME) / "uploads"  # type: ignore[misc]


def _safe_name(name: str) -> str:
    """The upload's own name, as the user's file had it (a survey tool's export is named after
    its survey: the import reads the survey's name from it), without folders, and with only
    letters, digits, spaces and . , - _ ( ) ' + & kept."""
    base = Path(name.replace("\\", "/")).name
    stem = re.sub(r"[^\w .,()'+&-]", "_", base)[-150:].lstrip(". ")
    return stem or "upload"


def _store(folder: Path, upload: UploadedFile) -> Path:
    target = folder / _safe_name(upload.name or "upload")
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def _prune() -> None:
    """Remove the uploads that were previewed but never imported."""
    root = _uploads()
    if not root.is_dir():
        return
    limit = time.time() - KEEP_UPLOADS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _shown(text: str, folder: Path) -> str:
    """A message without the server's upload folder in it."""
    return text.replace(f"{folder}/", "")


def _error_context(exc: errors.CxPilotError, folder: Path) -> dict[str, Any]:
    problems = [{**p.as_dict(), "where": _shown(p.where, folder)} for p in exc.problems[:100]]
    return {"error": _shown(str(exc), folder), "problems": problems}


@require_http_methods(["GET", "POST"])
def data_import(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, PERMISSION)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "warehouse/import.html", context, status=status)
    _prune()
    token = secrets.token_urlsafe(16)
    folder = _uploads() / token
    folder.mkdir(parents=True)
    data = form.cleaned_data
    path = _store(folder, data["file"])
    mapping = _store(folder, data["mapping"]) if data["mapping"] else None
    params = {
        "table": data["table"],
        "source": data["source"].strip() or None,
        "survey_tool": data["survey_tool"] or None,
        "add_touchpoints": data["add_touchpoints"],
        "date_order": data["date_order"] or "ymd",
        "touchpoint": data["touchpoint"].key if data["touchpoint"] else None,
        "keep_test_responses": data["keep_test_responses"],
    }
    try:
        preview = selectors.import_preview(
            path=path, mapping_path=mapping, actor=request.user, **params
        )
    except errors.ValidationError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        context.update(_error_context(exc, folder))
        return render(request, "warehouse/import.html", context, status=422)
    imports = request.session.get(SESSION_KEY, {})
    imports[token] = {**params, "file": path.name, "mapping": mapping.name if mapping else None}
    request.session[SESSION_KEY] = imports
    context.update(
        preview=preview,
        token=token,
        file_name=path.name,
        problems=[{**p, "where": _shown(str(p["where"]), folder)} for p in preview.problems],
        columns=[k for k in (preview.preview[0] if preview.preview else {})],
    )
    return render(request, "warehouse/import.html", context)


@require_POST
def data_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    roles.require(request.user, PERMISSION)
    imports = request.session.get(SESSION_KEY, {})
    params = imports.pop(token, None)
    request.session[SESSION_KEY] = imports
    folder = _uploads() / token
    if params is None or not folder.is_dir():
        messages.error(request, _("This upload is no longer here: upload the file again."))
        return redirect("data_import")
    try:
        report = services.table_import(
            table=params["table"],
            path=folder / params["file"],
            mapping_path=folder / params["mapping"] if params["mapping"] else None,
            source=params["source"] or params["survey_tool"] or "import",
            survey_tool=params["survey_tool"],
            add_touchpoints=params["add_touchpoints"],
            date_order=params.get("date_order") or "ymd",
            touchpoint=params.get("touchpoint"),
            keep_test_responses=bool(params.get("keep_test_responses")),
            actor=request.user,
        )
    except errors.ValidationError as exc:
        context = {"form": ImportForm(), **_error_context(exc, folder)}
        return render(request, "warehouse/import.html", context, status=422)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    messages.success(
        request,
        _("%(added)s row(s) added to %(table)s (%(present)s already there).")
        % {
            "added": report.rows_added,
            "table": report.table,
            "present": report.rows_already_present,
        },
    )
    left_out = sum(item["respondents"] for item in report.left_out)
    if left_out:
        messages.info(
            request,
            _(
                "%(count)s test, preview or spam response(s) left out (tick “Keep the test, "
                "preview and spam responses” to import them)."
            )
            % {"count": left_out},
        )
    return redirect("data_import")
