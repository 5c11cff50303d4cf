"""The journal page, its exports, and the form routes that work without JavaScript."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ..accounts.preferences import zone_of
from ..errors import BadRequest
from ..journal import exports, workbook
from ..journal.entries import (
    clean_text,
    confirm_entry,
    correct_entry,
    create_typed_entry,
    delete_entry,
    find_prompt,
    owned_entry,
    parse_client_id,
    recording_file,
    user_entries,
)
from ..journal.progress import progress
from ..models import Entry, User
from ..program import Program, Stage, current_program
from .forms import ConfirmForm, CorrectionForm, TypedAnswerForm
from .limits import ANSWERS, EXPORTS, per_account

bp = Blueprint("journal", __name__, url_prefix="/journal")

EXPORT_TYPES = {
    "json": ("application/json", "json"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "zip": ("application/zip", "zip"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
}


NEWEST = 3
"""Answers at the top of the journal, newest first, before everything by stage."""


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every journal page needs a session (a redirect to sign-in otherwise)."""


@bp.app_template_global()
def new_client_id() -> str:
    """A fresh UUID for a form, so that sending it twice saves one answer."""
    return str(uuid.uuid4())


@bp.get("")
def page() -> str:
    """Entries by stage and day, with search, progress and exports."""
    user = current_user._get_current_object()
    query = (request.args.get("q") or "").strip()
    stage_id = request.args.get("stage") or ""
    everything = user_entries(user, newest_first=False)
    shown = (
        user_entries(user, stage_id, query, newest_first=False)
        if (query or stage_id)
        else (everything)
    )
    program = current_program()
    steps = progress(everything, program)
    return render_template(
        "journal.html",
        groups=exports.grouped(shown, program, zone_of(user)),
        newest=sorted(everything, key=lambda e: (e.created_at, e.id), reverse=True)[:NEWEST],
        steps=steps,
        completed=sum(s.complete for s in steps),
        total_entries=len(everything),
        query=query,
        stage_id=stage_id,
        filtered=bool(query or stage_id),
        shown_count=len(shown),
        has_recording=lambda e: recording_file(e) is not None,
    )


@bp.get("/questions/<stage_id>/<prompt_id>")
def question(stage_id: str, prompt_id: str) -> str:
    """Every answer to one question, newest first: how the answers changed over time."""
    stage, part = find_prompt(stage_id, prompt_id)
    answers = user_entries(current_user._get_current_object(), stage.id, prompt=part.id)
    return render_template(
        "journal/question.html",
        stage=stage,
        part=part,
        number=stage.prompts.index(part) + 1,
        answers=answers,
        has_recording=lambda e: recording_file(e) is not None,
    )


@bp.get("/export")
@per_account("EXPORT_RATE_LIMIT", EXPORTS)
def export() -> Response:
    """Download the journal: ?format=json, md, zip (with the recordings), or the workbook
    as html or pdf; `&stage=<id>`, repeatable, keeps only those stages."""
    kind = request.args.get("format", "json")
    if kind not in EXPORT_TYPES:
        raise BadRequest("Choose an export format: " + ", ".join(EXPORT_TYPES) + ".")
    user = current_user._get_current_object()
    program = current_program()
    stages = _chosen_stages(program)
    chosen = {s.id for s in stages}
    entries = [e for e in user_entries(user, newest_first=False) if e.stage in chosen or not chosen]
    mimetype, extension = EXPORT_TYPES[kind]
    now = datetime.now(UTC)
    name = (
        f"voiceguide-journal-{user.username}-{now.astimezone(zone_of(user)):%Y-%m-%d}.{extension}"
    )
    if kind == "zip":
        response = send_file(
            exports.to_zip(user, entries, program),
            mimetype=mimetype,
            as_attachment=True,
            download_name=name,
        )
    else:
        response = Response(_export_body(kind, user, entries, stages, now), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_body(
    kind: str, user: User, entries: list[Entry], stages: list[Stage], now: datetime
) -> str | bytes:
    """A one-piece export (everything but the zip), made in memory."""
    program = current_program()
    if kind == "json":
        return exports.to_json(user, entries, program)
    if kind == "md":
        return exports.to_markdown(user, entries, program)
    html = workbook.to_html(
        user, entries, program, stages or list(program.stages), zone_of(user), now
    )
    return html if kind == "html" else workbook.to_pdf(html, request.host_url)


def _chosen_stages(program: Program) -> list[Stage]:
    """The stages named by `?stage=` (none: the whole program); BadRequest for an unknown one."""
    chosen = []
    for stage_id in request.args.getlist("stage"):
        stage = program.stage(stage_id)
        if stage is None:
            raise BadRequest(f"There is no stage {stage_id!r} in this program.")
        if stage not in chosen:
            chosen.append(stage)
    return chosen


@bp.post("/entries")
@per_account("UPLOAD_RATE_LIMIT", ANSWERS, scope="answers")
def add_typed() -> ResponseReturnValue:
    """A typed answer from a stage page; back to the question afterwards."""
    form = TypedAnswerForm()
    stage, part = find_prompt(form.stage.data, form.prompt.data)
    back = url_for("pages.stage", stage_id=stage.id, _anchor=f"part-{part.id}")
    if not form.validate():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(back, 303)
    client_id = parse_client_id(form.client_id.data)
    _, created = create_typed_entry(
        current_user._get_current_object(), stage, part, client_id, clean_text(form.text.data)
    )
    if created:
        flash("Your answer is saved in your journal.", "success")
    else:
        flash("That answer was already saved.", "info")
    return redirect(back, 303)


def _back_to_journal(entry: Entry | None = None) -> str:
    anchor = f"entry-{entry.id}" if entry is not None else None
    return url_for("journal.page", _anchor=anchor)


@bp.route("/entries/<id:entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: int) -> ResponseReturnValue:
    """Correct a transcript; the machine's text is kept alongside."""
    entry = owned_entry(current_user, entry_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        correct_entry(entry, clean_text(form.transcript.data, "transcript"))
        flash("Your correction is saved.", "success")
        return redirect(_back_to_journal(entry), 303)
    if not form.is_submitted():
        form.transcript.data = entry.transcript or ""
    status = 400 if form.is_submitted() else 200
    return render_template("journal/edit.html", entry=entry, form=form), status


@bp.post("/entries/<id:entry_id>/confirm")
def confirm(entry_id: int) -> ResponseReturnValue:
    """ "Looks right": the machine's transcript is checked; back to where the person was."""
    entry = owned_entry(current_user, entry_id)
    if not ConfirmForm().validate_on_submit():
        raise BadRequest("The form has expired; please try again.")
    confirm_entry(entry)
    flash("Marked as checked by you.", "success")
    # `back` names a question ("<stage>/<prompt>") or the journal; never a free URL.
    stage_id, _, prompt_id = (request.form.get("back") or "").partition("/")
    if stage_id == entry.stage and prompt_id == entry.prompt:
        target = url_for("journal.question", stage_id=stage_id, prompt_id=prompt_id)
        return redirect(f"{target}#entry-{entry.id}", 303)
    return redirect(_back_to_journal(entry), 303)


@bp.route("/entries/<id:entry_id>/delete", methods=["GET", "POST"])
def delete(entry_id: int) -> ResponseReturnValue:
    """Ask, then delete an entry and its recording."""
    entry = owned_entry(current_user, entry_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        delete_entry(entry)
        flash("The entry and its recording are deleted.", "success")
        return redirect(_back_to_journal(), 303)
    return render_template("journal/delete.html", entry=entry, form=form)
