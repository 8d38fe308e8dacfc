"""Admin pages: people, agencies, settings and the audit log. Admins only, every route."""

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import services
from app.admin.forms import (
    GENERAL_SETTINGS,
    AgencyForm,
    AuditFilterForm,
    GeneralSettingsForm,
    HandoverForm,
    PeopleFilterForm,
    PersonForm,
)
from app.admin.menu import admin_counts, person_sections, register_admin_page
from app.auth.access import admin_required
from app.auth.models import Agency, User
from app.auth.services import AccountError
from app.content.import_record import last_import
from app.courses.forms import ActionForm, action_or_400
from app.errors import LmsError
from app.extensions import db
from app.forms import whole_number_arg, whole_numbers
from app.settings import get_setting, save_settings
from app.timeutil import PALU_TZ
from app.web import is_safe_next

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

register_admin_page("admin.people", _l("Pengguna"),
                    _l("cari, tambah, ubah peran, nonaktifkan, kata sandi sementara"))
register_admin_page("admin.agencies", _l("OPD dan unit"), _l("perangkat daerah Kota Palu"))
register_admin_page("admin.settings", _l("Pengaturan"),
                    _l("target JP, menit per JP, pendaftaran mandiri, unggahan"))
register_admin_page("admin.audit", _l("Log audit"), _l("siapa melakukan apa, kapan"))
register_admin_page("admin.content_import", _l("Impor konten"),
                    _l("masalah berkas kursus dan kuis pada impor terakhir"))


@bp.before_request
@admin_required
def _admins_only():
    """Every route of this blueprint: log in first, then be an admin."""


def _page_number():
    return max(whole_number_arg(request.args, "halaman", 1), 1)



@bp.route("/")
def index():
    """The admin home: the menu, and the self-registered accounts waiting for verification
    (one page of them: two queries however long the queue is)."""
    waiting = services.paginate(services.unverified_people(), _page_number())
    steps = services.first_steps()
    return render_template("admin/index.html", waiting=waiting, action_form=ActionForm(),
                           content_import=last_import(), counts=admin_counts(),
                           first_steps=steps if not all(done for done, *_ in steps) else None)


@bp.route("/impor-konten")
def content_import():
    """The last import of courses/ and quizzes/ (at start-up or by `flask content import`):
    what it did and each file it refused, as path:line: message."""
    return render_template("admin/content_import.html", record=last_import())


def _ticked_ids():
    return whole_numbers(request.form.getlist("akun"))


@bp.route("/verifikasi", methods=["POST"])
def verify_accounts():
    """Verify (or refuse) the ticked accounts of the queue, or the one of a person's page."""
    action_or_400()
    ids, refuse = _ticked_ids(), request.form.get("aksi") == "tolak"
    back = request.form.get("kembali")
    back = back if is_safe_next(back) else url_for(".index", _anchor="verifikasi")
    if not ids:
        flash(_("Pilih minimal satu akun."), "error")
        return redirect(back)
    try:
        count = (services.reject_accounts(ids, current_user) if refuse
                 else services.verify_accounts(ids, current_user))
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    if not count:
        flash(_("Tidak ada akun yang berubah: akun yang dipilih sudah diverifikasi, nonaktif, "
                "atau tidak ada."), "error")
    elif refuse:
        flash(_("%(n)d akun ditolak: dinonaktifkan dan NIP-nya dilepas.", n=count), "success")
    else:
        flash(_("%(n)d akun diverifikasi.", n=count), "success")
    skipped = len(set(ids)) - count
    if count and skipped:
        flash(_("%(n)d akun dilewati: sudah diverifikasi, nonaktif, atau tidak ada.",
                n=skipped), "info")
    return redirect(back)


# --- people ------------------------------------------------------------------------------------

@bp.route("/pengguna")
def people():
    form = PeopleFilterForm(request.args)
    valid = form.validate()
    status = form.status.data if valid else ""
    query = services.search_people(
        text=form.q.data if valid else None, agency_id=form.opd.data if valid else None,
        role=form.peran.data if valid else None,
        active={"aktif": True, "nonaktif": False}.get(status), unverified=status == "menunggu")
    page = services.paginate(query, _page_number())
    return render_template("admin/people.html", form=form, page=page,
                           filters={k: v for k, v in request.args.items() if k != "halaman"})


@bp.route("/pengguna/baru", methods=["GET", "POST"])
def new_person():
    form = PersonForm(data=None if request.method == "POST" else {"roles": ["learner"]})
    if form.validate_on_submit():
        try:
            user, password = services.create_person(form.fields(), current_user)
        except AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            return render_template("admin/password_once.html", user=user, password=password,
                                   created=True)
    return render_template("admin/person_form.html", form=form, user=None)


def _person_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
def edit_person(user_id):
    user = _person_or_404(user_id)
    data = None if request.method == "POST" else {
        "name": user.name, "email": user.email, "agency_id": user.agency_id or 0,
        "jabatan_type": user.jabatan_type or "", "jabatan_title": user.jabatan_title,
        "golongan": user.golongan or "", "roles": sorted(user.roles),
        "programme_author": user.programme_author, "institution_id": user.institution_id or 0}
    form = PersonForm(data=data, user=user)
    if form.validate_on_submit():
        try:
            services.update_person(user, form.fields(), current_user)
        except LmsError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Data %(name)s disimpan.", name=user.name), "success")
            return redirect(url_for(".edit_person", user_id=user.id))
    return render_template("admin/person_form.html", form=form, user=user,
                           action_form=ActionForm(), sections=person_sections(user))


@bp.route("/pengguna/<int:user_id>/status", methods=["POST"])
def set_person_active(user_id):
    user = _person_or_404(user_id)
    action_or_400()
    active = request.form.get("aktif") == "1"
    try:
        services.set_active(user, active, current_user)
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Akun %(name)s diaktifkan kembali.", name=user.name) if active else
              _("Akun %(name)s dinonaktifkan: tidak dapat masuk lagi, semua sesinya berakhir, "
                "riwayat belajarnya tetap tersimpan.", name=user.name), "success")
    return redirect(url_for(".edit_person", user_id=user.id))


@bp.route("/pengguna/<int:user_id>/kata-sandi", methods=["POST"])
def reset_password(user_id):
    user = _person_or_404(user_id)
    action_or_400()
    password = services.reset_password(user, current_user)
    db.session.commit()
    # Shown once, on this response only: the password is stored nowhere but as a hash.
    return render_template("admin/password_once.html", user=user, password=password,
                           created=False)


@bp.route("/pengguna/<int:user_id>/serahkan-nip", methods=["GET", "POST"])
def hand_over_nip(user_id):
    """Give the NIP an account holds to its real owner, as a new account (docs/admin.md)."""
    holder = _person_or_404(user_id)
    form = HandoverForm(holder=holder)
    if form.validate_on_submit():
        try:
            user, password = services.hand_over_nip(holder, form.fields(), current_user)
        except LmsError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            return render_template("admin/password_once.html", user=user, password=password,
                                   created=True, handed_over_from=holder)
    return render_template("admin/handover.html", form=form, holder=holder,
                           problem=services.release_problem(holder, current_user))


# --- agencies ----------------------------------------------------------------------------------

@bp.route("/opd")
def agencies():
    return render_template("admin/agencies.html", rows=services.agencies_with_counts(),
                           action_form=ActionForm())


def _save_agency_page(agency):
    form = AgencyForm(obj=agency, agency=agency,
                      data={"parent_id": agency.parent_id or 0} if agency and
                      request.method == "GET" else None)
    if form.validate_on_submit():
        fields = {"code": form.code.data, "name": form.name.data,
                  "parent": db.session.get(Agency, form.parent_id.data or 0)}
        try:
            services.save_agency(agency, fields, current_user)
        except LmsError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("OPD %(name)s disimpan.", name=form.name.data), "success")
            return redirect(url_for(".agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency)


@bp.route("/opd/baru", methods=["GET", "POST"])
def new_agency():
    return _save_agency_page(None)


@bp.route("/opd/<int:agency_id>", methods=["GET", "POST"])
def edit_agency(agency_id):
    agency = db.session.get(Agency, agency_id) or abort(404)
    return _save_agency_page(agency)


@bp.route("/opd/<int:agency_id>/hapus", methods=["POST"])
def delete_agency(agency_id):
    agency = db.session.get(Agency, agency_id) or abort(404)
    action_or_400()
    try:
        services.delete_agency(agency, current_user)
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("OPD %(name)s dihapus.", name=agency.name), "success")
    return redirect(url_for(".agencies"))


# --- settings and audit ------------------------------------------------------------------------

@bp.route("/pengaturan", methods=["GET", "POST"])
def settings():
    form = GeneralSettingsForm(data=None if request.method == "POST" else {
        field: get_setting(key) for field, key in GENERAL_SETTINGS.items()})
    if form.validate_on_submit():
        changed = save_settings({key: getattr(form, field).data
                                 for field, key in GENERAL_SETTINGS.items()}, current_user)
        db.session.commit()
        flash(_("Pengaturan disimpan.") if changed else _("Tidak ada yang berubah."), "success")
        return redirect(url_for(".settings"))
    return render_template("admin/settings.html", form=form)


def _utc_bounds(first_day, last_day):
    """WITA calendar days -> UTC instants [start, end) for comparing stored timestamps."""
    start = datetime.combine(first_day, time(), PALU_TZ) if first_day else None
    end = (datetime.combine(last_day + timedelta(days=1), time(), PALU_TZ)
           if last_day else None)
    return start, end


@bp.route("/audit")
def audit():
    form = AuditFilterForm(request.args, actions=services.audit_actions())
    valid = form.validate()
    since, until = _utc_bounds(form.dari.data, form.sampai.data) if valid else (None, None)
    query = services.audit_events(action=form.aksi.data if valid else None,
                                  actor_nip=form.nip.data if valid else None,
                                  since=since, until=until)
    page = services.paginate(query, _page_number())
    return render_template("admin/audit.html", form=form, page=page,
                           filters={k: v for k, v in request.args.items() if k != "halaman"})
