"""The staff directory's rules: how a work e-mail address and a display name are written down.

Staff type addresses on Japanese keyboards, so full-width forms (ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ,
a full-width space) are brought to their ASCII forms by NFKC before anything is checked. The
address is then checked as a mailbox the SMTP server will take: a dot-atom local part (ASCII; no
quoted strings, no comments) and a domain of host-name labels, a non-ASCII one written in its
IDNA form. The domain is lower-cased (it is case-insensitive); the local part is kept as typed
(it need not be).
"""

from __future__ import annotations

import re
import unicodedata

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(\.{_ATOM})*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
MAX_ADDRESS = 254
MAX_LOCAL = 64
MAX_NAME = 100


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _domain(raw: str) -> str | None:
    try:
        domain = raw.encode("idna").decode("ascii").lower() if not raw.isascii() else raw.lower()
    except UnicodeError:
        return None
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return None  # a bare host, or an IP address: not where staff mail goes
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return domain


def normalise_address(raw: str) -> str | None:
    """The address as stored and mailed to, or None when it is not a valid address."""
    text = _nfkc(raw).strip()
    if text.count("@") != 1:
        return None
    local, _, domain_text = text.partition("@")
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local):
        return None
    domain = _domain(domain_text)
    if domain is None:
        return None
    address = f"{local}@{domain}"
    return address if len(address) <= MAX_ADDRESS else None


def normalise_name(raw: str) -> str | None:
    """The display name as stored (NFKC, runs of white space as one space, trimmed), or None when
    it is empty, too long or holds control characters."""
    text = " ".join(_nfkc(raw).split())
    if not text or len(text) > MAX_NAME:
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return None
    return text
