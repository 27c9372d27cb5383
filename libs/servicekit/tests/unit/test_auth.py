from __future__ import annotations

import json
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pydantic import SecretStr, ValidationError
from tsunagu_servicekit.http import (
    ROLES,
    Authenticator,
    AuthError,
    Principal,
    create_http_app,
    current_principal,
    require,
)
from tsunagu_servicekit.settings import ServiceSettings

SECRET = "local-test-secret-that-is-long-enough-0123456789"
ISSUER = "tsunagu-local"
AUDIENCE = "tsunagu"


@pytest.fixture
def auth() -> Authenticator:
    return Authenticator(secret=SECRET, issuer=ISSUER, audience=AUDIENCE)


# --------------------------------------------------------------------------------------------
# Tokens


def test_issue_verify_round_trip(auth: Authenticator) -> None:
    token = auth.issue(
        "staff-0042",
        ["municipality_staff"],
        ["reports:read", "cases:read"],
        municipality="131016",
        ttl_seconds=60,
    )

    principal = auth.verify(token)

    assert principal == Principal(
        subject="staff-0042",
        roles=frozenset({"municipality_staff"}),
        scopes=frozenset({"reports:read", "cases:read"}),
        municipality="131016",
        partner=None,
    )
    assert principal.has_role("municipality_staff")
    assert not principal.has_role("admin")
    assert principal.has_scope("reports:read")
    assert not principal.has_scope("reports:write")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["scope"] == "cases:read reports:read"
    assert claims["roles"] == ["municipality_staff"]
    assert claims["iss"] == ISSUER
    assert claims["exp"] - claims["iat"] == 60


def test_expired_token(auth: Authenticator) -> None:
    now = int(time.time())
    claims = {"sub": "u1", "roles": ["counsellor"], "iss": ISSUER, "aud": AUDIENCE, "iat": now - 600}
    token = jwt.encode({**claims, "exp": now - 120}, SECRET, algorithm="HS256")

    with pytest.raises(AuthError) as caught:
        auth.verify(token)
    assert caught.value.reason == "expired"
    assert "u1" not in str(caught.value)


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (Authenticator(secret=SECRET, issuer=ISSUER, audience="someone-else"), "invalid_audience"),
        (Authenticator(secret=SECRET, issuer="elsewhere", audience=AUDIENCE), "invalid_issuer"),
        (
            Authenticator(secret="another-secret-" + "x" * 40, issuer=ISSUER, audience=AUDIENCE),
            "invalid_signature",
        ),
    ],
)
def test_tokens_of_another_audience_issuer_or_key_are_refused(
    auth: Authenticator, other: Authenticator, reason: str
) -> None:
    with pytest.raises(AuthError) as caught:
        auth.verify(other.issue("u1", ["counsellor"]))
    assert caught.value.reason == reason


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_malformed_tokens(auth: Authenticator, token: str) -> None:
    with pytest.raises(AuthError):
        auth.verify(token)


def test_unsigned_and_claimless_tokens_are_refused(auth: Authenticator) -> None:
    now = int(time.time())
    base = {"sub": "u1", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}
    unsigned = jwt.encode(base, key=None, algorithm="none")
    with pytest.raises(AuthError):
        auth.verify(unsigned)
    no_exp = jwt.encode({k: v for k, v in base.items() if k != "exp"}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError) as caught:
        auth.verify(no_exp)
    assert caught.value.reason == "missing_claim"
    for malformed in ({"roles": [1, 2]}, {"roles": ["counsellor"], "municipality": 13}, {"scope": {"a": 1}}):
        with pytest.raises(AuthError) as caught:
            auth.verify(jwt.encode({**base, **malformed}, SECRET, algorithm="HS256"))
        assert caught.value.reason == "malformed_claims"
    staff_without_partner = jwt.encode({**base, "roles": ["partner_staff"]}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError) as caught:
        auth.verify(staff_without_partner)
    assert caught.value.reason == "missing_partner"


def test_issue_checks_roles_and_ties(auth: Authenticator) -> None:
    with pytest.raises(ValueError, match="Unknown role"):
        auth.issue("u1", ["superuser"])
    with pytest.raises(ValueError, match="municipality"):
        auth.issue("u1", ["municipality_staff"])
    with pytest.raises(ValueError, match="partner"):
        auth.issue("u1", ["partner_staff"])
    assert auth.verify(auth.issue("u1", ["partner_staff"], partner="npo-7")).partner == "npo-7"
    assert set(ROLES) == {
        "counsellor",
        "supervisor",
        "municipality_staff",
        "partner_staff",
        "expert",
        "trainer",
        "subsidy_reviewer",
        "subsidy_approver",
        "learner",
        "training_coordinator",
        "admin",
    }


# --------------------------------------------------------------------------------------------
# Settings


def test_local_secret_is_generated_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "state" / "nested"
    settings = ServiceSettings(data_dir=data_dir)

    first = Authenticator.from_settings(settings)
    secret_file = data_dir / "jwt-secret"
    assert secret_file.is_file()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    content = secret_file.read_text()
    assert len(content.strip()) >= 32

    second = Authenticator.from_settings(settings)
    assert secret_file.read_text() == content
    assert second.verify(first.issue("u1", ["trainer"])).subject == "u1"
    assert [p.name for p in data_dir.iterdir()] == ["jwt-secret"]
    assert first.mode == "local"


def test_explicit_secret_wins_over_the_file(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, jwt_secret=SecretStr(SECRET), jwt_audience="aud-x")
    auth = Authenticator.from_settings(settings)
    assert not (tmp_path / "jwt-secret").exists()
    token = auth.issue("u1", ["expert"])
    assert jwt.decode(token, SECRET, algorithms=["HS256"], audience="aud-x")["sub"] == "u1"


def test_production_needs_a_jwks_url_or_a_secret(tmp_path: Path) -> None:
    production = {
        "data_dir": tmp_path,
        "environment": "production",
        "database_url": "postgresql+psycopg://db/kit",
        "nats_url": "tls://nats:4222",
    }
    with pytest.raises(ValidationError, match="jwt_jwks_url or jwt_secret"):
        ServiceSettings(**production)  # type: ignore[arg-type]
    # Settings built without validation still get no generated secret.
    with pytest.raises(RuntimeError, match="jwt_jwks_url"):
        Authenticator.from_settings(ServiceSettings.model_construct(**production))  # type: ignore[arg-type]
    assert not (tmp_path / "jwt-secret").exists()


# --------------------------------------------------------------------------------------------
# HTTP dependencies

router = APIRouter()


@router.get("/me")
async def me(principal: Annotated[Principal, Depends(current_principal)]) -> dict[str, Any]:
    return {"subject": principal.subject, "municipality": principal.municipality}


@router.get("/cases")
async def cases(
    principal: Annotated[Principal, Depends(require("counsellor", "supervisor"))],
) -> dict[str, str]:
    return {"subject": principal.subject}


@router.get("/reports")
async def reports(
    principal: Annotated[Principal, Depends(require("municipality_staff", scopes=["reports:read"]))],
) -> dict[str, str]:
    return {"subject": principal.subject}


@router.get("/signed-in")
async def signed_in(principal: Annotated[Principal, Depends(require(scopes=["profile"]))]) -> dict[str, str]:
    return {"subject": principal.subject}


@pytest.fixture
def client(auth: Authenticator, tmp_path: Path) -> Iterator[TestClient]:
    app = create_http_app(
        settings=ServiceSettings(data_dir=tmp_path), title="Auth", routers=[router], authenticator=auth
    )
    with TestClient(app) as c:
        yield c


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_missing_or_invalid_token_is_a_401_problem(client: TestClient, auth: Authenticator) -> None:
    for headers, rule, challenge in (
        ({}, "authentication_required", "Bearer"),
        ({"Authorization": "Basic dXNlcjpwdw=="}, "authentication_required", "Bearer"),
        (_bearer("garbage"), "token_invalid", 'Bearer error="invalid_token"'),
        (
            _bearer(Authenticator(secret="x" * 40, issuer=ISSUER, audience=AUDIENCE).issue("u1", ["admin"])),
            "token_invalid",
            'Bearer error="invalid_token"',
        ),
    ):
        response = client.get("/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == challenge
        body = response.json()
        assert body["rule"] == rule
        assert body["type"] == f"urn:tsunagu:problem:{rule}"
    expired = auth.issue("u1", ["counsellor"], ttl_seconds=-3600)
    response = client.get("/cases", headers=_bearer(expired))
    assert response.status_code == 401
    assert response.json() == {
        "type": "urn:tsunagu:problem:token_expired",
        "title": "Token expired",
        "status": 401,
        "detail": "The bearer token has expired.",
        "rule": "token_expired",
    }


def test_current_principal(client: TestClient, auth: Authenticator) -> None:
    token = auth.issue("staff-1", ["municipality_staff"], municipality="131016")
    response = client.get("/me", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"subject": "staff-1", "municipality": "131016"}


def test_roles_are_checked(client: TestClient, auth: Authenticator) -> None:
    counsellor = auth.issue("c1", ["counsellor"])
    trainer = auth.issue("t1", ["trainer"])

    assert client.get("/cases", headers=_bearer(counsellor)).status_code == 200
    response = client.get("/cases", headers=_bearer(trainer))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:tsunagu:problem:role_required",
        "title": "Role required",
        "status": 403,
        "detail": "The caller lacks a required role.",
        "rule": "role_required",
    }


def test_scopes_are_checked(client: TestClient, auth: Authenticator) -> None:
    without = auth.issue("m1", ["municipality_staff"], municipality="131016")
    with_scope = auth.issue("m1", ["municipality_staff"], ["reports:read"], municipality="131016")
    wrong_role = auth.issue("c1", ["counsellor"], ["reports:read"])

    response = client.get("/reports", headers=_bearer(without))
    assert response.status_code == 403
    assert response.json()["rule"] == "scope_required"
    assert client.get("/reports", headers=_bearer(with_scope)).status_code == 200
    response = client.get("/reports", headers=_bearer(wrong_role))
    assert response.status_code == 403
    assert response.json()["rule"] == "role_required"
    assert (
        client.get("/signed-in", headers=_bearer(auth.issue("x", ["expert"], ["profile"]))).status_code == 200
    )
    assert client.get("/signed-in", headers=_bearer(auth.issue("x", ["expert"]))).status_code == 403


def test_admin_passes_every_check(client: TestClient, auth: Authenticator) -> None:
    admin = _bearer(auth.issue("root", ["admin"]))
    for path in ("/me", "/cases", "/reports", "/signed-in"):
        assert client.get(path, headers=admin).status_code == 200, path


def test_require_rejects_unknown_roles() -> None:
    with pytest.raises(ValueError, match="Unknown role"):
        require("counselor")
    with pytest.raises(TypeError):
        require("counsellor", scopes="reports:read")


def test_authenticator_is_built_from_settings_when_not_given(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path)
    app = create_http_app(settings=settings, title="Lazy", routers=[router])
    token = Authenticator.from_settings(settings).issue("u9", ["supervisor"])
    with TestClient(app) as c:
        assert c.get("/cases", headers=_bearer(token)).status_code == 200
    assert isinstance(app.state.authenticator, Authenticator)


# --------------------------------------------------------------------------------------------
# JWKS (production mode), served from 127.0.0.1


class _Jwks:
    def __init__(self) -> None:
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
        ec_jwk = ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True)
        self.document = {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
                {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
            ]
        }
        self.requests = 0


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, _Jwks]]:
    jwks = _Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            jwks.requests += 1
            body = json.dumps(jwks.document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", jwks
    finally:
        server.shutdown()
        server.server_close()


IDP = "https://idp.example.test/realms/tsunagu"


def _idp_token(key: Any, kid: str, algorithm: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": IDP,
        "aud": AUDIENCE,
        "sub": "oidc-user-1",
        "iat": now,
        "exp": now + 300,
        "roles": ["supervisor"],
        "scope": "openid cases:read",
        **overrides,
    }
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def test_jwks_mode_verifies_rs256_and_es256_tokens(jwks_server: tuple[str, _Jwks], tmp_path: Path) -> None:
    url, jwks = jwks_server
    settings = ServiceSettings(
        data_dir=tmp_path,
        environment="production",
        database_url="postgresql+psycopg://db/kit",
        nats_url="tls://nats:4222",
        jwt_jwks_url=url,
        jwt_issuer=IDP,
        jwt_audience=AUDIENCE,
    )
    auth = Authenticator.from_settings(settings)
    assert auth.mode == "jwks"

    principal = auth.verify(_idp_token(jwks.rsa_key, "rsa-1", "RS256"))
    assert principal.subject == "oidc-user-1"
    assert principal.roles == frozenset({"supervisor"})
    assert principal.scopes == frozenset({"openid", "cases:read"})
    assert auth.verify(_idp_token(jwks.ec_key, "ec-1", "ES256")).subject == "oidc-user-1"
    assert jwks.requests == 1  # the key set is cached
    assert not (tmp_path / "jwt-secret").exists()

    with pytest.raises(RuntimeError):
        auth.issue("u1", ["admin"])


def test_jwks_mode_refuses_foreign_keys_and_algorithm_confusion(jwks_server: tuple[str, _Jwks]) -> None:
    url, jwks = jwks_server
    auth = Authenticator(jwks_client=jwt.PyJWKClient(url), issuer=IDP, audience=AUDIENCE)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with pytest.raises(AuthError) as caught:
        auth.verify(_idp_token(stranger, "rsa-1", "RS256"))
    assert caught.value.reason == "invalid_signature"
    with pytest.raises(AuthError) as caught:
        auth.verify(_idp_token(stranger, "unknown-kid", "RS256"))
    assert caught.value.reason == "unknown_key"
    with pytest.raises(AuthError):
        auth.verify(_idp_token("a-shared-secret-" + "x" * 40, "rsa-1", "HS256"))
    with pytest.raises(AuthError) as caught:
        auth.verify(_idp_token(jwks.rsa_key, "rsa-1", "RS256", aud="another-api"))
    assert caught.value.reason == "invalid_audience"


def test_jwks_mode_through_the_http_dependency(jwks_server: tuple[str, _Jwks], tmp_path: Path) -> None:
    url, jwks = jwks_server
    settings = ServiceSettings(data_dir=tmp_path, jwt_jwks_url=url, jwt_issuer=IDP, jwt_audience=AUDIENCE)
    app = create_http_app(settings=settings, title="Prod", routers=[router])
    with TestClient(app) as c:
        token = _idp_token(jwks.rsa_key, "rsa-1", "RS256")
        assert c.get("/cases", headers=_bearer(token)).json() == {"subject": "oidc-user-1"}
        assert c.get("/reports", headers=_bearer(token)).status_code == 403


def test_jwks_unavailable_is_401_not_500(tmp_path: Path) -> None:
    auth = Authenticator(
        jwks_client=jwt.PyJWKClient("http://127.0.0.1:9/jwks.json", timeout=2), issuer=IDP, audience=AUDIENCE
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError) as caught:
        auth.verify(_idp_token(key, "rsa-1", "RS256"))
    assert caught.value.reason == "jwks_unavailable"

    app = create_http_app(
        settings=ServiceSettings(data_dir=tmp_path), title="Prod", routers=[router], authenticator=auth
    )
    with TestClient(app) as c:
        response = c.get("/cases", headers=_bearer(_idp_token(key, "rsa-1", "RS256")))
    assert response.status_code == 401
    assert response.json()["rule"] == "token_unverifiable"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
