"""The blog actor's RSA key pair (made once, stored) and draft-cavage HTTP Signatures as
Mastodon makes and checks them: rsa-sha256 over "(request-target) host date digest",
with a Digest: SHA-256=… header for the body. Written here with `cryptography`.
"""

import base64
import functools
import hashlib
import re
from email.utils import format_datetime, parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import KeyPair

SIGNED_HEADERS = ("(request-target)", "host", "date", "digest")
_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(Exception):
    """Why a request's signature is not accepted, in words for the sender."""


def key_pair():
    """The newest stored pair, made (2048-bit RSA) on first use; two first uses make one."""
    found = KeyPair.objects.order_by("-created_at", "-pk").first()
    if found:
        return found
    with transaction.atomic():
        if not KeyPair.objects.select_for_update().exists():
            return new_key_pair()
    return KeyPair.objects.order_by("-created_at", "-pk").first()


def new_key_pair():
    """A new pair, stored: from now on the one used (rotate_fediverse_key)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return KeyPair.objects.create(private_pem=private_pem, public_pem=public_pem_of(private))


def public_pem_of(private):
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def digest_header(body):
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment=None):
    return format_datetime(moment or timezone.now(), usegmt=True)


def signing_string(names, method, path, headers):
    """The lines that are signed: each named header as `name: value`, in order."""
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            value = headers.get(name)
            if value is None:
                raise SignatureError(_("the signed header %(name)s is missing") % {"name": name})
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def sign_post(private_pem, key_id, host, path, body, content_type):
    """The headers of a signed POST of body to host+path."""
    headers = {
        "host": host,
        "date": http_date(),
        "digest": digest_header(body),
        "content-type": content_type,
    }
    private = _loaded(private_pem)
    text = signing_string(SIGNED_HEADERS, "post", path, headers).encode()
    signature = base64.b64encode(private.sign(text, padding.PKCS1v15(), hashes.SHA256()))
    headers["signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",'
        f'headers="{" ".join(SIGNED_HEADERS)}",signature="{signature.decode()}"'
    )
    return {name.title(): value for name, value in headers.items() if name != "host"}


@functools.lru_cache(maxsize=4)
def _loaded(private_pem):
    """The parsed key, once per process: parsing checks the key, which takes ~70 ms."""
    return serialization.load_pem_private_key(private_pem.encode(), password=None)


def parse_signature(header):
    """The Signature header's parameters (keyId, algorithm, headers, signature)."""
    params = dict(_PARAM.findall(header or ""))
    if not params.get("keyId") or not params.get("signature"):
        raise SignatureError(_("no Signature header with a keyId and a signature"))
    if params.get("algorithm", "hs2019").lower() not in ("rsa-sha256", "hs2019"):
        raise SignatureError(
            _("the algorithm %(name)s is not supported") % {"name": params["algorithm"]}
        )
    params["headers"] = params.get("headers", "date").lower().split()
    return params


def check_request(params, method, path, headers, body, max_skew):
    """Everything but the key: signed headers, the body's Digest, the Date's age.

    headers: lower-case names. Raises SignatureError.
    """
    names = params["headers"]
    required = ["(request-target)", "host", "date"] + (["digest"] if method == "POST" else [])
    if missing := [name for name in required if name not in names]:
        raise SignatureError(
            _("the signature must cover %(names)s") % {"names": ", ".join(missing)}
        )
    if method == "POST":
        sent = dict(
            part.strip().split("=", 1)
            for part in headers.get("digest", "").split(",")
            if "=" in part
        )
        sha = sent.get("SHA-256") or sent.get("sha-256")
        if sha != digest_header(body).split("=", 1)[1]:
            raise SignatureError(_("the Digest header does not match the body"))
    try:
        date = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError) as exc:
        raise SignatureError(_("the Date header is not a date")) from exc
    if date.tzinfo is None or abs((timezone.now() - date).total_seconds()) > max_skew:
        raise SignatureError(_("the Date header is more than %(n)s s from now") % {"n": max_skew})
    return signing_string(names, method, path, headers)


def verify(public_pem, text, signature):
    """Whether signature (base64) is the key's rsa-sha256 signature of text."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
