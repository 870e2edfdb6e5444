"""TLS errors name their cause in words (and keep OpenSSL's error for code that wants it)."""

from __future__ import annotations

import ssl

from reactor.error import ConnectionLost
from reactor.tls import TLSError, TLSFailure
from reactor.tls._errors import tlsErrorFrom


def _verifyError(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_code = code
    error.verify_message = message
    error.reason = "CERTIFICATE_VERIFY_FAILED"
    return error


def _reasonError(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] {reason.lower()}")
    error.reason = reason
    return error


def test_aTLSErrorIsAConnectionLost() -> None:
    assert issubclass(TLSError, ConnectionLost)


def test_anExpiredCertificateIsNamed() -> None:
    error = tlsErrorFrom(_verifyError(10, "certificate has expired"), duringHandshake=True)
    assert error.cause is TLSFailure.EXPIRED
    assert str(error).startswith("TLS handshake failed: certificate verify failed: certificate")
    assert "expired" in str(error)


def test_aSelfSignedCertificateIsUntrusted() -> None:
    error = tlsErrorFrom(_verifyError(18, "self-signed certificate"), duringHandshake=True)
    assert error.cause is TLSFailure.UNTRUSTED
    assert "(untrusted" in str(error)


def test_anUnknownVerifyCodeIsReportedWithItsNumber() -> None:
    error = tlsErrorFrom(_verifyError(99, "something odd"), duringHandshake=True)
    assert error.cause is TLSFailure.OTHER
    assert "something odd (OpenSSL verify code 99)" in str(error)


def test_aProtocolVersionAlertIsNamed() -> None:
    error = tlsErrorFrom(_reasonError("TLSV1_ALERT_PROTOCOL_VERSION"), duringHandshake=True)
    assert error.cause is TLSFailure.PROTOCOL_VERSION
    assert "protocol version" in str(error)
    assert "[TLSV1_ALERT_PROTOCOL_VERSION]" in str(error)


def test_plainTextOnATLSPortIsNamed() -> None:
    error = tlsErrorFrom(_reasonError("WRONG_VERSION_NUMBER"), duringHandshake=True)
    assert error.cause is TLSFailure.NOT_TLS
    assert "does not speak TLS" in str(error)


def test_anUnknownReasonKeepsOpenSSLsWords() -> None:
    original = _reasonError("SOMETHING_NEW")
    error = tlsErrorFrom(original, duringHandshake=False)
    assert error.cause is TLSFailure.OTHER
    assert str(error).startswith("TLS error: ")
    assert error.sslError is original and error.__cause__ is original
    assert not error.duringHandshake
