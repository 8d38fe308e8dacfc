"""Security headers on every response: a strict CSP (no inline script or style), no MIME
sniffing, no framing, HSTS when the site is served over HTTPS (LMS_HTTPS=1), and no caching
of anything that is not explicitly public."""

from flask import current_app

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HSTS = "max-age=31536000; includeSubDomains"
PRIVATE = "private, no-store"


def add_vary(response, name):
    """Add `name` to the response's Vary header, edited as text: werkzeug's `response.vary`
    parses the header into a set and writes it back, several µs on every page."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = name
    elif name.lower() not in (part.strip().lower() for part in vary.split(",")):
        response.headers["Vary"] = f"{vary}, {name}"


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Only over HTTPS: sent from a plain-HTTP install it would lock browsers out of it.
    if current_app.config.get("HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def add_cache_policy(response):
    """Pages are made for whoever asks (their menu, their CSRF token, their grades), so no
    browser or proxy may keep one: after logout, on a shared computer in an OPD office, the
    back button must not show the last user's dashboard. Only responses that declare
    themselves public (versioned static files, course media) stay cacheable; a weaker private
    policy (the certificate PDF's max-age=0) is made no-store too, and every private
response says the same two words."""
    if response.cache_control.public:
        return response
    response.headers["Cache-Control"] = PRIVATE
    return response
