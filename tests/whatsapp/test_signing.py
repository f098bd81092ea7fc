"""Webhook HMAC: signatures as GOWA computes them (CONTRACT §6.2)."""

import hashlib
import hmac

from devices.whatsapp.signing import sign, verify

BODY = b'{"device_id":"6281111111111@s.whatsapp.net","event":"message","payload":{"id":"X"}}'


def test_sign_matches_hmac_sha256_hex_with_prefix():
    expected = hmac.new(b"secret", BODY, hashlib.sha256).hexdigest()
    assert sign("secret", BODY) == "sha256=" + expected


def test_verify_accepts_own_signature_and_uppercase_hex():
    header = sign("secret", BODY)
    assert verify("secret", BODY, header) is True
    assert verify("secret", BODY, "sha256=" + header[7:].upper()) is True


def test_verify_rejects_wrong_secret_body_or_missing_header():
    header = sign("secret", BODY)
    assert verify("other", BODY, header) is False
    assert verify("secret", BODY + b" ", header) is False
    assert verify("secret", BODY, None) is False
    assert verify("secret", BODY, "") is False


def test_verify_requires_the_sha256_prefix():
    bare = sign("secret", BODY)[len("sha256=") :]
    assert verify("secret", BODY, bare) is False
    assert verify("secret", BODY, "sha1=" + bare) is False


def test_verify_rejects_junk_without_raising():
    assert verify("secret", BODY, "sha256=zz\u00e9") is False
    assert verify("", BODY, sign("", BODY)) is False
