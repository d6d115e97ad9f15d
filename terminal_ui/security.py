"""What every answer carries to keep the browser from being turned against the warehouse
(security headers), and where a request really came from behind a trusted TLS proxy."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from wms.config import Settings

# The pages load only their own script and style files (htmx runs without eval), post only
# to this app, and are never shown inside another site's frame.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SessionOverTls(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (as the trusted
    proxy says), or always when SESSION_COOKIE_SECURE is set. The API authenticates every
    call by its bearer token: its requests neither read nor write the cookie session."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import request

        return bool(super().get_cookie_secure(app)) or bool(request and request.is_secure)


def init_security(app: Flask, settings: Settings) -> None:
    """Security headers on every answer; ProxyFix for the configured number of proxies."""
    if settings.proxy_hops > 0:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    app.session_interface = SessionOverTls()

    @app.after_request
    def protect(response: Response) -> Response:
        # One pass over the answer's headers: Headers.setdefault raises and catches an
        # exception inside for every header that is missing, four times on every answer.
        present = {name.lower() for name, _ in response.headers}
        for name, value in HEADERS.items():
            if name.lower() not in present:
                response.headers.add(name, value)
        return response

