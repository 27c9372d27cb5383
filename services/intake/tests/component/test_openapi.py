"""The OpenAPI document: web users and staff authenticate under distinct, named bearer schemes."""

from __future__ import annotations

from tsunagu_intake.testing import COUNSELLOR, IntakeService


async def test_web_users_and_staff_have_distinct_bearer_schemes(service: IntakeService) -> None:
    doc = (await service.client.get("/openapi.json")).json()
    assert set(doc["components"]["securitySchemes"]) == {"StaffBearer", "WebUserBearer"}
    paths = doc["paths"]
    for method, path in (("post", "/web/consultations"), ("get", "/web/consultations")):
        assert paths[path][method]["security"] == [{"WebUserBearer": []}], path
    for method, path in (("get", "/email/queue"), ("post", "/consultations"), ("get", "/escalations")):
        assert paths[path][method]["security"] == [{"StaffBearer": []}], path
    for method, path in (("post", "/web/sessions"), ("post", "/web/registrations"), ("get", "/phone/status")):
        assert "security" not in paths[path][method], path


async def test_a_path_that_names_no_id_is_not_taken_for_one(service: IntakeService) -> None:
    """``/cases/search`` and ``/persons/lookup`` take POST only; other methods are not allowed
    there (405), rather than reading ``search`` as a case id that fails validation."""
    for path in ("/cases/search", "/persons/lookup"):
        r = await service.client.get(path, headers=COUNSELLOR)
        assert r.status_code == 405
        assert r.headers["allow"] == "POST"
    assert (await service.client.get("/cases/not-an-id", headers=COUNSELLOR)).status_code == 404
