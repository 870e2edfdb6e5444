"""The errors of TLS connections: one exception type whose message names the cause.

This module owns :class:`TLSError` and :class:`TLSFailure` (the causes it distinguishes), and
:func:`tlsErrorFrom`, which turns what the stdlib ``ssl`` module raised -- a terse OpenSSL
reason such as ``TLSV1_ALERT_UNKNOWN_CA`` or a verification code -- into a sentence saying what
went wrong and, where we can tell, what to check. It does no I/O and knows no transport.

``TLSError`` subclasses :class:`reactor.error.ConnectionLost`, so code that only asks "was the
connection lost uncleanly?" keeps working, and it keeps the original ``ssl.SSLError`` as
``sslError`` (and as ``__cause__``) for code that wants OpenSSL's own words.
"""

from __future__ import annotations

import enum
import ssl

from reactor.error import ConnectionLost

__all__ = ["TLSError", "TLSFailure", "tlsErrorFrom"]


class TLSFailure(enum.Enum):
    """Why a TLS connection failed (:attr:`TLSError.cause`)."""

    #: Our peer's certificate does not chain to a CA we trust (or is self-signed).
    UNTRUSTED = "untrusted"
    #: Our peer's certificate has expired.
    EXPIRED = "expired"
    #: Our peer's certificate is not valid yet.
    NOT_YET_VALID = "not yet valid"
    #: Our peer's certificate is not valid for the host name (or IP address) we asked for.
    HOSTNAME_MISMATCH = "host name mismatch"
    #: The two sides have no TLS version in common (one of them is too old for the other).
    PROTOCOL_VERSION = "protocol version"
    #: The peer refused our certificate (or our lack of one) with an alert.
    PEER_REJECTED_CERTIFICATE = "peer rejected our certificate"
    #: The peer sent no certificate though we require one.
    NO_PEER_CERTIFICATE = "no peer certificate"
    #: No cipher suite or ALPN protocol in common, or another handshake refusal.
    HANDSHAKE_REFUSED = "handshake refused"
    #: The handshake did not finish within the handshake timeout.
    HANDSHAKE_TIMEOUT = "handshake timeout"
    #: The connection closed before the handshake finished (the peer may not speak TLS).
    HANDSHAKE_INTERRUPTED = "handshake interrupted"
    #: The peer closed the connection without a TLS close_notify: data may be missing.
    TRUNCATED = "truncated"
    #: The peer does not speak TLS (or sent garbage).
    NOT_TLS = "not TLS"
    #: Anything else OpenSSL reported; the message carries its words.
    OTHER = "other"


class TLSError(ConnectionLost):
    """A TLS connection failed; ``str(error)`` says why, ``cause`` says it as a value.

    ``duringHandshake`` is True when the connection never became secure (the handshake failed,
    timed out or was interrupted): a client factory hears of such a connection through
    ``clientConnectionFailed``. ``sslError`` is the stdlib exception, when there was one.
    """

    def __init__(
        self,
        message: str,
        cause: TLSFailure = TLSFailure.OTHER,
        duringHandshake: bool = False,
        sslError: ssl.SSLError | None = None,
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.duringHandshake = duringHandshake
        self.sslError = sslError
        if sslError is not None:
            self.__cause__ = sslError


# OpenSSL verification codes (X509_V_ERR_*) and the cause each one means.
_VERIFY_CODES: dict[int, TLSFailure] = {
    2: TLSFailure.UNTRUSTED,  # unable to get issuer certificate
    18: TLSFailure.UNTRUSTED,  # self-signed certificate
    19: TLSFailure.UNTRUSTED,  # self-signed certificate in certificate chain
    20: TLSFailure.UNTRUSTED,  # unable to get local issuer certificate
    21: TLSFailure.UNTRUSTED,  # unable to verify the first certificate
    24: TLSFailure.UNTRUSTED,  # invalid CA certificate
    9: TLSFailure.NOT_YET_VALID,
    10: TLSFailure.EXPIRED,
    62: TLSFailure.HOSTNAME_MISMATCH,
    64: TLSFailure.HOSTNAME_MISMATCH,  # IP address mismatch
}

_VERIFY_HINTS: dict[TLSFailure, str] = {
    TLSFailure.UNTRUSTED: "untrusted: the peer's certificate does not chain to a trusted CA",
    TLSFailure.EXPIRED: "expired: the peer's certificate is past its notAfter date",
    TLSFailure.NOT_YET_VALID: "not yet valid: the peer's certificate is before its notBefore",
    TLSFailure.HOSTNAME_MISMATCH: "host name mismatch",
}

# OpenSSL reason codes (SSLError.reason) and (cause, explanation).
_REASONS: dict[str, tuple[TLSFailure, str]] = {
    "UNSUPPORTED_PROTOCOL": (
        TLSFailure.PROTOCOL_VERSION,
        "protocol version: the peer offered only TLS versions we refuse (below our minimum)",
    ),
    "VERSION_TOO_LOW": (
        TLSFailure.PROTOCOL_VERSION,
        "protocol version: the peer's TLS version is below our minimum",
    ),
    "NO_PROTOCOLS_AVAILABLE": (
        TLSFailure.PROTOCOL_VERSION,
        "protocol version: our context enables no TLS version",
    ),
    "TLSV1_ALERT_PROTOCOL_VERSION": (
        TLSFailure.PROTOCOL_VERSION,
        "protocol version: the peer refused every TLS version we offered",
    ),
    "WRONG_VERSION_NUMBER": (
        TLSFailure.NOT_TLS,
        "wrong version number: the peer does not speak TLS (plain text on a TLS port?)",
    ),
    "HTTP_REQUEST": (TLSFailure.NOT_TLS, "the peer sent a plain HTTP request to a TLS port"),
    "TLSV1_ALERT_UNKNOWN_CA": (
        TLSFailure.PEER_REJECTED_CERTIFICATE,
        "the peer does not trust our certificate (alert: unknown CA)",
    ),
    "SSLV3_ALERT_BAD_CERTIFICATE": (
        TLSFailure.PEER_REJECTED_CERTIFICATE,
        "the peer rejected our certificate (alert: bad certificate -- wrong host name?)",
    ),
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": (
        TLSFailure.PEER_REJECTED_CERTIFICATE,
        "the peer rejected our certificate as expired (alert: certificate expired)",
    ),
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": (
        TLSFailure.PEER_REJECTED_CERTIFICATE,
        "the peer rejected our certificate (alert: certificate unknown)",
    ),
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": (
        TLSFailure.PEER_REJECTED_CERTIFICATE,
        "the peer requires a client certificate and we sent none",
    ),
    "PEER_DID_NOT_RETURN_A_CERTIFICATE": (
        TLSFailure.NO_PEER_CERTIFICATE,
        "the peer sent no certificate, and we require one",
    ),
    "SSLV3_ALERT_HANDSHAKE_FAILURE": (
        TLSFailure.HANDSHAKE_REFUSED,
        "the peer refused the handshake (alert: handshake failure -- no cipher in common?)",
    ),
    "NO_SHARED_CIPHER": (TLSFailure.HANDSHAKE_REFUSED, "no cipher suite in common with the peer"),
    "NO_APPLICATION_PROTOCOL": (
        TLSFailure.HANDSHAKE_REFUSED,
        "no application protocol (ALPN) in common with the peer",
    ),
    "TLSV1_ALERT_NO_APPLICATION_PROTOCOL": (
        TLSFailure.HANDSHAKE_REFUSED,
        "the peer supports none of our application protocols (ALPN)",
    ),
}


def tlsErrorFrom(error: ssl.SSLError, duringHandshake: bool) -> TLSError:
    """Return the :class:`TLSError` saying in words what ``error`` (from ``ssl``) means."""
    where = "TLS handshake failed" if duringHandshake else "TLS error"
    if isinstance(error, ssl.SSLCertVerificationError):
        code = error.verify_code
        detail = str(error.verify_message or "").rstrip(".")
        cause = _VERIFY_CODES.get(code, TLSFailure.OTHER)
        if cause is TLSFailure.HOSTNAME_MISMATCH:
            # OpenSSL says "Hostname mismatch, certificate is not valid for 'x'".
            _, _, rest = detail.partition(", ")
            message = f"{where}: certificate verify failed: host name mismatch: {rest or detail}"
        else:
            hint = _VERIFY_HINTS.get(cause)
            suffix = f" ({hint})" if hint else f" (OpenSSL verify code {code})"
            message = f"{where}: certificate verify failed: {detail}{suffix}"
        return TLSError(message, cause, duringHandshake, error)
    reason = error.reason or ""
    known = _REASONS.get(reason)
    if known is not None:
        cause, explanation = known
        return TLSError(f"{where}: {explanation} [{reason}]", cause, duringHandshake, error)
    words = error.args[1] if len(error.args) > 1 else str(error)
    return TLSError(f"{where}: {words}", TLSFailure.OTHER, duringHandshake, error)
