"""Open Badges on the web: the holder's downloads, and what verifiers fetch (the issuer's
public keys and the revocation status lists).

The public routes need no login and a fixed number of queries (the settings' one for the base
URL; the status list two more), whatever the number of certificates.
"""

import json

from flask import Blueprint, Response, abort
from flask_login import current_user, login_required
from sqlalchemy import select

from app.certificates import badges, status_list
from app.certificates.models import Certificate
from app.web import one_or_404

bp = Blueprint("open_badges", __name__)

# The public keys change only at a rotation; a verifier may keep them a few minutes.
KEYS_MAX_AGE = 300


def _json(data, max_age=None, **headers):
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json", headers=headers)
    if max_age is not None:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    return response


# --- the holder's downloads ---------------------------------------------------------------

def _own_valid_certificate_or_404(certificate_id):
    """The holder's (or, for an admin, anyone's) valid certificate; everyone else gets 404,
    as for the PDF. A revoked certificate has no Open Badge to offer."""
    certificate = one_or_404(select(Certificate).where(Certificate.id == certificate_id))
    if certificate.user_id != current_user.id and not current_user.is_admin:
        abort(404)
    if not certificate.is_valid:
        abort(404)
    return certificate


@bp.route("/sertifikat/<int:certificate_id>/open-badge.jwt")
@login_required
def credential_jwt(certificate_id):
    """The signed Open Badge (VC-JWT), to keep or to hand to a wallet or an employer."""
    certificate = _own_valid_certificate_or_404(certificate_id)
    filename = f"open-badge-{certificate.verification_code}.jwt"
    return Response(badges.credential_jwt(certificate), mimetype=badges.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/sertifikat/<int:certificate_id>/open-badge.json")
@login_required
def credential_json(certificate_id):
    """The same credential, readable (the JWT's content without its signature)."""
    return _json(badges.credential(_own_valid_certificate_or_404(certificate_id)))


# --- for verifiers ------------------------------------------------------------------------

@bp.route("/.well-known/jwks.json")
def jwks():
    return _json(badges.jwks(), KEYS_MAX_AGE)


@bp.route("/did.json")  # where did:web looks when the base URL has a path
@bp.route("/.well-known/did.json")  # registered first: the address url_for gives
def did_document():
    return _json(badges.did_document(), KEYS_MAX_AGE)


@bp.route("/credentials/status/<int:number>", endpoint="status_list")
def status_list_credential(number):
    """A revocation status list as a signed VC-JWT, made now from the database: a revocation
    shows at the next fetch (never cached)."""
    if not status_list.list_exists(number):
        abort(404)
    return Response(badges.status_list_jwt(number), mimetype=badges.MEDIA_TYPE)
