"""Open Badges 3.0: each valid certificate as an OpenBadgeCredential (W3C Verifiable
Credentials 2.0), signed by the institution as a VC-JWT. docs/open-badges.md describes the
formats for verifiers; the choices, in short:

- VC-JWT in the VC 2.0 JOSE style (VC-JOSE-COSE, Open Badges 3.0 section 8.2): the JWT payload
  is the credential itself, no `vc` wrapper, with the registered claims `iss` (issuer id),
  `nbf` (validFrom) and `jti` (credential id); no `sub` (the subject has no id, see below),
  no `exp` (a certificate does not expire; revocation is the status list). Header: `alg`
  EdDSA (Ed25519 keys only), `kid` = "<issuer DID>#<key thumbprint>", `typ` "vc+jwt".
- The issuer is did:web of the base URL's host: its DID document (/.well-known/did.json) and a
  JWKS (/.well-known/jwks.json) publish every public key ever used (badge_keys.py).
- The holder is never named by NIP: `credentialSubject.identifier` is an IdentityObject with
  identityHash "sha256$" + hex(sha256(NIP + salt)), the salt beside it (a per-certificate
  random value), identityType "ext:NIP". Someone who knows the NIP can confirm it.
- Revocation: `credentialStatus` is a BitstringStatusListEntry into a status list credential
  Kompeten serves and signs the same way (/credentials/status/<n>, status_list.py), made from
  the database at each request.
- The certificate's public /verify page is the credential's `evidence`. The credential id is a
  UUID URN derived from the verification code: the same certificate always has the same id.
- Everything the credential says comes from the certificate's snapshot, in Indonesian like the
  PDF (never the reader's language), so downloading again gives the same credential (and, as
  Ed25519 signatures are deterministic, the same JWT until the key is rotated).

Signing happens at download, with the current key: nothing is stored, and a rotation needs no
re-signing (credentials downloaded before it still name their old key).
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import quote, urlsplit

from app.certificates import badge_keys, status_list
from app.certificates.document import COURSE_KIND, SESSION_KIND
from app.certificates.services import verify_url
from app.settings import get_setting
from app.web import absolute_url, external_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]
ALGORITHM = "EdDSA"
TOKEN_TYPE = "vc+jwt"
MEDIA_TYPE = "application/vc+jwt"
IDENTITY_TYPE = "ext:NIP"
# Fixed for ever: credential ids are uuid5(this, verification code).
CREDENTIAL_NAMESPACE = uuid.UUID("0b7c3f0e-5a4d-4c1e-9f2a-6d1b8e9a3c57")
# How long a fetched status list may be relied on, and the refresh it suggests (`ttl`).
STATUS_LIST_VALIDITY = timedelta(days=1)
STATUS_LIST_TTL_MS = 5 * 60 * 1000


@cache
def _registry():
    """joserfc's registry allowing EdDSA alone, without its SecurityWarning.

    RFC 9864 deprecates the name "EdDSA" because it does not say which curve; it prefers
    "Ed25519". Open Badges verifiers (and PyJWT, jwcrypto) know only "EdDSA", and every
    Kompeten key is an Ed25519 key (badge_keys.CURVE), so the ambiguity does not arise.

    Made at the first signature: joserfc loads cryptography (~11 MiB), which a web worker
    needs only to sign (loaded on first use: keeps web workers light, docs/operations.md)."""
    from joserfc.errors import UnsupportedAlgorithmError
    from joserfc.jws import JWSRegistry

    class EdDSARegistry(JWSRegistry):
        def get_alg(self, name):
            if name != ALGORITHM:
                raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
            return self.algorithms[name]

    return EdDSARegistry(algorithms=[ALGORITHM])


# --- what each kind of certificate attests -----------------------------------------------

@dataclass(frozen=True)
class AchievementKind:
    """How one kind of certificate reads as an OB 3.0 Achievement."""

    achievement_type: str                  # OB 3.0 AchievementType
    page: Callable[[object], str]          # its public page, absolute: the achievement's id
    description: Callable[[object], str]
    criteria: Callable[[object], str]      # criteria.narrative


ACHIEVEMENT_KINDS = {}


def register_achievement_kind(kind, achievement_kind):
    """A kind of certificate (Certificate.kind) becomes an Open Badge: courses and sessions
    below; a programme certificate registers its own the same way."""
    ACHIEVEMENT_KINDS[kind] = achievement_kind


def _jp_and_competency(certificate):
    return f"{certificate.jp} JP (jam pelajaran), kompetensi {certificate.competency}"


register_achievement_kind(COURSE_KIND, AchievementKind(
    achievement_type="Course",
    page=lambda c: external_url("courses.course_detail", slug=c.course.slug),
    description=lambda c: (f"Kursus {c.course_code} di Kompeten, LMS {c.institution_name}: "
                           f"{c.course_title}. {_jp_and_competency(c)}."),
    criteria=lambda c: ("Menyelesaikan seluruh modul kursus dan lulus kuisnya di Kompeten; "
                        f"sertifikat diterbitkan {c.issuer_unit or c.institution_name}."),
))
register_achievement_kind(SESSION_KIND, AchievementKind(
    achievement_type="CertificateOfCompletion",
    page=lambda c: external_url("workshops.session_page", session_id=c.session_id),
    description=lambda c: (f"Workshop/webinar {c.course_title}, diselenggarakan melalui "
                           f"Kompeten, LMS {c.institution_name}. {_jp_and_competency(c)}."),
    criteria=lambda c: ("Hadir pada kegiatan ini, tercatat dalam presensi penyelenggara; "
                        f"sertifikat diterbitkan {c.issuer_unit or c.institution_name}."),
))


# --- the issuer ---------------------------------------------------------------------------

def _base_url():
    return (get_setting("base_url") or "").rstrip("/")


def issuer_did():
    """did:web of the base URL: its host (a port percent-encoded), then any path segments
    (the DID document is then <base URL>/did.json instead of /.well-known/did.json)."""
    parts = urlsplit(_base_url())
    authority = parts.hostname or "localhost"
    if parts.port:
        authority += f":{parts.port}"
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join(["did:web", quote(authority, safe=""), *segments])


def _verification_method(kid):
    return f"{issuer_did()}#{kid}"


def did_document():
    """The issuer's DID document: every public key, the current one first."""
    did = issuer_did()
    methods = [{"id": f"{did}#{item.kid}", "type": "JsonWebKey2020", "controller": did,
                "publicKeyJwk": item.key.as_dict(private=False)}
               for item in badge_keys.published_keys()]
    return {"@context": DID_CONTEXTS, "id": did, "verificationMethod": methods,
            "assertionMethod": [method["id"] for method in methods]}


def jwks():
    """The same public keys as a JWK Set; each `kid` is what a JWT header names."""
    return {"keys": [dict(item.key.as_dict(private=False), kid=_verification_method(item.kid),
                          alg=ALGORITHM, use="sig")
                     for item in badge_keys.published_keys()]}


# --- the credential -----------------------------------------------------------------------

def _timestamp(moment):
    """XML Schema dateTime in UTC, whole seconds (the JWT's nbf has no fractions)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds(moment):
    return int(moment.astimezone(UTC).replace(microsecond=0).timestamp())


def identity_hash(nip, salt):
    """OB 3.0 IdentityObject.identityHash of a NIP: "sha256$" and the hex digest."""
    return "sha256$" + hashlib.sha256(f"{nip}{salt}".encode()).hexdigest()


def status_list_url(number):
    return external_url("open_badges.status_list", number=number)


def credential_id(certificate):
    return f"urn:uuid:{uuid.uuid5(CREDENTIAL_NAMESPACE, certificate.verification_code)}"


def credential(certificate):
    """The OpenBadgeCredential of a certificate, as a JSON-ready dict (no proof)."""
    kind = ACHIEVEMENT_KINDS[certificate.kind]
    institution = certificate.institution_name or get_setting("institution_name") or ""
    achievement = {
        "id": kind.page(certificate),
        "type": ["Achievement"],
        "achievementType": kind.achievement_type,
        "name": certificate.course_title,
        "description": kind.description(certificate),
        "criteria": {"narrative": kind.criteria(certificate)},
        # 1 credit = 1 JP (jam pelajaran, 45 minutes of learning), as BKPSDM counts them.
        "creditsAvailable": certificate.jp,
        "fieldOfStudy": f"Kompetensi {certificate.competency}",
        "tag": [f"{certificate.jp} JP", f"Kompetensi {certificate.competency}"],
        "inLanguage": "id",
    }
    if certificate.course_code:
        achievement["humanCode"] = certificate.course_code
    issuer = {"id": issuer_did(), "type": ["Profile"], "name": institution,
              "url": absolute_url("/")}
    if certificate.issuer_unit:
        issuer["description"] = certificate.issuer_unit
    list_url = status_list_url(certificate.status_list_number)
    page = verify_url(certificate.verification_code)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.course_title,
        "description": f"Sertifikat nomor {certificate.number}, {institution}.",
        "issuer": issuer,
        "validFrom": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": identity_hash(certificate.holder_nip,
                                              certificate.identity_salt),
                "identityType": IDENTITY_TYPE,
                "hashed": True,
                "salt": certificate.identity_salt,
            }],
            "achievement": achievement,
            "creditsEarned": certificate.jp,
        },
        "credentialStatus": {
            "id": f"{list_url}#{certificate.status_list_position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_list_position),
            "statusListCredential": list_url,
        },
        "evidence": [{
            "id": page,
            "type": ["Evidence"],
            "name": f"Halaman verifikasi sertifikat {certificate.number}",
            "narrative": ("Halaman publik penerbit yang menyatakan apakah sertifikat ini sah "
                          "atau sudah dicabut."),
        }],
    }


def credential_jwt(certificate):
    """The certificate's credential as a compact VC-JWT, signed with the current key."""
    document = credential(certificate)
    claims = {"iss": document["issuer"]["id"], "nbf": _seconds(certificate.issued_at),
              "jti": document["id"]}
    return sign({**document, **claims})


def sign(payload):
    from joserfc import jws  # loaded on first use, see _registry()

    key = badge_keys.signing_key()
    header = {"alg": ALGORITHM, "kid": _verification_method(key.kid), "typ": TOKEN_TYPE}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, body, key.key, registry=_registry())


# --- the status list credential -----------------------------------------------------------

def status_list_jwt(number, now=None):
    """Status list `number` as a signed BitstringStatusListCredential (a VC-JWT like the
    badges): the revocation bit of each certificate in it, as the database says now."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    until = now + STATUS_LIST_VALIDITY
    url = status_list_url(number)
    did = issuer_did()
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": _timestamp(now),
        "validUntil": _timestamp(until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list.encode_bitstring(status_list.revoked_positions(number)),
            "ttl": STATUS_LIST_TTL_MS,
        },
    }
    return sign({**document, "iss": did, "nbf": _seconds(now), "exp": _seconds(until),
                 "jti": url})
