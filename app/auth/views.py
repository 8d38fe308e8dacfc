"""Login, logout, self-registration, profile, password change and reset by e-mail, e-mail
confirmation, and the one-time first-admin setup."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from app.audit import record_event
from app.auth import services, throttle
from app.auth.emails import confirm_hours, reset_minutes
from app.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    SetupAdminForm,
)
from app.auth.models import Agency
from app.auth.nip import parse_nip, plausibility_warnings
from app.extensions import db, limiter
from app.notifications.mail import mail_enabled
from app.settings import registration_open
from app.web import SAME_FOR_EVERYONE, is_safe_next, limit_text, redirect_next

bp = Blueprint("auth", __name__, template_folder="templates")

# Pages a user with a temporary password may still open before choosing a new one (the links
# from a mail work whoever this browser is signed in as).
OPEN_WITH_TEMPORARY_PASSWORD = {"auth.change_password", "auth.logout", "auth.reset_password",
                                "auth.confirm_email"}


@bp.before_app_request
def require_new_password():
    """Someone who logged in with a temporary password chooses their own before anything."""
    # Endpoint first: checking current_user loads the user.
    if request.endpoint in SAME_FOR_EVERYONE or request.endpoint in OPEN_WITH_TEMPORARY_PASSWORD:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        flash(_("Buat kata sandi baru terlebih dahulu."), "info")
        return redirect(url_for("auth.change_password"))
    return None


def _throttled_message(refusal):
    if refusal.scope == "account":
        return _("Terlalu banyak percobaan masuk yang gagal untuk akun ini. "
                 "Coba lagi dalam %(minutes)d menit.", minutes=refusal.wait_minutes)
    return _("Terlalu banyak percobaan masuk yang gagal dari jaringan ini. "
             "Coba lagi dalam %(minutes)d menit.", minutes=refusal.wait_minutes)


def _login_page(form, status=200, headers=None):
    return render_template("auth/login.html", form=form,
                           self_registration=registration_open()), \
        status, headers or {}


def _refuse_throttled(form, refusal):
    """Refused without looking at the password: the attacker learns nothing new, and a flood
    of guesses costs no Argon2 work."""
    record_event(None, "auth.login_throttled", "user", None,
                 identifier=(form.identifier.data or "")[:100], scope=refusal.scope,
                 wait_seconds=refusal.wait_seconds)
    db.session.commit()
    form.password.errors.append(_throttled_message(refusal))
    return _login_page(form, 429, {"Retry-After": str(refusal.wait_seconds)})


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect_next("courses.dashboard")
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        account = services.login_name(form.identifier.data)
        refusal = throttle.check(account, request.remote_addr)
        if refusal is not None:
            return _refuse_throttled(form, refusal)
        user = services.authenticate(form.identifier.data, form.password.data)
        if user is None:
            throttle.record_failure(account, request.remote_addr)
            services.record_failed_login(form.identifier.data)
            db.session.commit()
            form.password.errors.append(_("NIP/email atau kata sandi salah."))
        elif not user.is_active:
            services.record_failed_login(form.identifier.data, user, reason="inactive")
            db.session.commit()
            form.identifier.errors.append(
                _("Akun ini dinonaktifkan. Hubungi admin BKPSDM untuk mengaktifkannya kembali.")
            )
        else:
            throttle.reset_account(account, request.remote_addr)
            services.record_login(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                flash(_("Anda masuk dengan kata sandi sementara. Buat kata sandi baru sekarang."),
                      "info")
                return redirect(url_for("auth.change_password"))
            flash(_("Selamat datang, %(name)s.", name=user.name), "success")
            return redirect_next("courses.dashboard")
    return _login_page(form)


@bp.route("/keluar", methods=["POST"])
@login_required
def logout():
    # Logging out ends this account's sessions on every device, copied cookies included.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("courses.catalogue"))


@bp.route("/daftar", methods=["GET", "POST"])
def register():
    if not registration_open():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                nip=form.nip.data, name=form.name.data, password=form.password.data,
                email=form.email.data or None, agency=db.session.get(Agency, form.agency_id.data),
                jabatan_type=form.jabatan_type.data, jabatan_title=form.jabatan_title.data,
                golongan=form.golongan.data,
            )
        except services.AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Akun Anda sudah dibuat. Selamat belajar!"), "success")
            if user.email and mail_enabled():
                flash(_("Kami mengirim tautan konfirmasi ke %(address)s. Email baru dikirim ke "
                        "alamat itu setelah dikonfirmasi.", address=user.email), "info")
            flash(_("Admin BKPSDM akan memverifikasi NIP Anda. Sampai itu, Anda dapat belajar "
                    "dan mengerjakan kuis, tetapi sertifikat dan JP di laporan menunggu "
                    "verifikasi."), "info")
            # Odd but possible NIPs (old TMT dates) are accepted; the owner is asked to look.
            for warning in plausibility_warnings(parse_nip(user.nip)):
                flash(_("Periksa NIP Anda: %(warning)s.", warning=warning), "info")
            next_url = request.args.get("next")
            return redirect(next_url if is_safe_next(next_url) else url_for("courses.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def profile():
    """A person's own profile: what they may change, and what the roster decides (read-only)."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            saved = services.update_own_profile(current_user, **form.values())
        except services.AccountError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Profil disimpan.") if saved.changes else _("Tidak ada yang berubah."),
                  "success" if saved.changes else "info")
            if saved.confirmation_to:
                flash(_confirmation_sent_message(saved.confirmation_to), "info")
            return redirect(url_for(".profile"))
    return render_template("auth/profile.html", form=form, mail_on=mail_enabled(),
                           unconfirmed=services.unconfirmed_address(current_user))


def _confirmation_sent_message(address):
    return _("Tautan konfirmasi dikirim ke %(address)s dan berlaku %(hours)d jam. Alamat itu "
             "dipakai setelah Anda membuka tautannya.", address=address, hours=confirm_hours())


def _mail_link_limit():
    """How often a reset or confirmation link may be asked for (per address, account, person)."""
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _private(body, status=200):
    """A page whose address holds a secret: no cache keeps it, no Referer carries it on."""
    return body, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/akun/email/kirim-ulang", methods=["POST"])
@login_required
# Per person: a confirmation link can go to any address a person types, so not endlessly.
@limiter.limit(_mail_link_limit, key_func=lambda: f"email-confirm:{current_user.id}",
               error_message=lambda: limit_text(_mail_link_limit()))
def resend_confirmation():
    try:
        address = services.resend_confirmation(current_user)
    except services.AccountError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_confirmation_sent_message(address), "info")
    return redirect(url_for(".profile"))


@bp.route("/akun/email/konfirmasi/<token>")
def confirm_email(token):
    """The link in a confirmation mail; the signed token is the proof, no login needed."""
    try:
        user = services.confirm_email(token)
    except services.InvalidLink as error:
        db.session.rollback()
        return _private(render_template("auth/email_confirmed.html", problem=error.message), 404)
    except services.AccountError as error:
        db.session.rollback()
        return _private(render_template("auth/email_confirmed.html", problem=error.message), 409)
    db.session.commit()
    return _private(render_template("auth/email_confirmed.html", address=user.email))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(error.message)
        else:
            db.session.commit()
            # The session version changed: sign this browser in again with the new one,
            # keeping "ingat saya" if this browser had it.
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
            remembered = cookie in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Kata sandi sudah diganti. Sesi di perangkat lain telah diakhiri."), "success")
            return redirect(url_for("courses.dashboard"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/lupa-kata-sandi", methods=["GET", "POST"])
# Per client address; requests per account are counted in the service (throttle.py).
@limiter.limit(_mail_link_limit, methods=["POST"],
               error_message=lambda: limit_text(_mail_link_limit()))
def forgot_password():
    """Ask for a reset link by NIP or e-mail. The answer is one page, whoever asks about
    whichever account: nothing on it says whether the account exists or has an address."""
    if not mail_enabled():
        return render_template("auth/forgot_password.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.identifier.data)
        db.session.commit()
        return render_template("auth/forgot_password_sent.html", minutes=reset_minutes())
    return render_template("auth/forgot_password.html", form=form)


def _invalid_reset_link():
    return _private(render_template("auth/reset_invalid.html", minutes=reset_minutes()), 404)


@bp.route("/atur-ulang-kata-sandi/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password through the link from a reset mail (works once, in time)."""
    user = services.user_for_reset_token(token)
    if user is None:
        return _invalid_reset_link()
    form = ResetPasswordForm(nip=user.nip)
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.InvalidLink:
            db.session.rollback()
            return _invalid_reset_link()
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            logout_user()  # whoever this browser was signed in as: sign in afresh
            flash(_("Kata sandi sudah diganti dan semua sesi akun ini telah diakhiri. Silakan "
                    "masuk dengan kata sandi baru."), "success")
            return redirect(url_for(".login"))
    return _private(render_template("auth/reset_password.html", form=form, user=user))


@bp.route("/penyiapan/<token>", methods=["GET", "POST"])
def setup_admin(token):
    if not services.setup_token_valid(token):
        abort(404)
    form = SetupAdminForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_admin(
                token, nip=form.nip.data, name=form.name.data, password=form.password.data,
                email=form.email.data or None,
            )
        except services.AccountError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            login_user(user)
            flash(_("Admin pertama sudah dibuat. Tautan penyiapan tidak berlaku lagi."), "success")
            return redirect(url_for("courses.dashboard"))
    return render_template("auth/setup.html", form=form)
