"""``tsunagu outbox``: list, show, retry and discard outbox rows of a real, migrated SQLite database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from tsunagu_cli import services
from tsunagu_cli.main import app
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.messaging.tables import outbox
from typer.testing import CliRunner

runner = CliRunner()
CANARY = "山田花子 090-1234-5678"
"""In every payload: it must never reach the output."""
CREATED = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)

# Two quarantined rows (no stream for the subject; payload too large) and one pending row.
Q1 = "0195f0a0-0000-7000-8000-000000000001"
Q2 = "0195f0a0-0000-7000-8000-000000000002"
P1 = "0195f0a0-0000-7000-8000-000000000003"
UNKNOWN = "0195f0a0-0000-7000-8000-0000000000ff"


@pytest.fixture(autouse=True)
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two installed services, whatever this environment has installed; no database URL in the env."""
    eps = [
        EntryPoint(name="intake", value="tsunagu_intake", group="tsunagu.services"),
        EntryPoint(name="scheduling", value="tsunagu_scheduling", group="tsunagu.services"),
    ]
    monkeypatch.setattr(services, "entry_points", lambda group: [e for e in eps if e.group == group])
    monkeypatch.delenv("TSUNAGU_INTAKE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TSUNAGU_SCHEDULING_DATABASE_URL", raising=False)


def make_database(path: Path) -> str:
    """A SQLite file migrated with the kit's migrations, holding Q1, Q2 (quarantined) and P1 (pending)."""
    url = f"sqlite:///{path.as_posix()}"
    engine = create_db_engine(url)
    try:
        migrate(engine, service="intake")
        rows = [
            (Q1, "tsunagu.intake.nowhere.v1", 5, "NoStreamResponseError", CREATED + timedelta(minutes=5)),
            (Q2, "tsunagu.intake.case.opened.v1", 3, "MaxPayloadError", CREATED + timedelta(minutes=6)),
            (P1, "tsunagu.intake.case.opened.v1", 1, "TimeoutError", None),
        ]
        with engine.begin() as conn:
            for event_id, subject, attempts, error, quarantined_at in rows:
                conn.execute(
                    sa.insert(outbox).values(
                        event_id=event_id,
                        subject=subject,
                        payload=f'{{"id": "{event_id}", "data": {{"name": "{CANARY}"}}}}'.encode(),
                        headers={"Nats-Msg-Id": event_id},
                        created_at=CREATED,
                        attempts=attempts,
                        last_error=error,
                        quarantined_at=quarantined_at,
                    )
                )
            # A published row: never listed, never touched.
            conn.execute(
                sa.insert(outbox).values(
                    event_id="0195f0a0-0000-7000-8000-0000000000aa",
                    subject="tsunagu.intake.case.opened.v1",
                    payload=CANARY.encode(),
                    headers={},
                    created_at=CREATED,
                    published_at=CREATED,
                )
            )
    finally:
        engine.dispose()
    return url


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return make_database(tmp_path / "intake.db")


def states(url: str) -> dict[str, str]:
    """Each unpublished row's state, by event id (a discarded row is absent)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(outbox.c.event_id, outbox.c.quarantined_at, outbox.c.attempts).where(
                    outbox.c.published_at.is_(None)
                )
            ).all()
    finally:
        engine.dispose()
    return {
        r.event_id: ("quarantined" if r.quarantined_at is not None else f"pending/{r.attempts}") for r in rows
    }


def invoke(*args: str, input: str | None = None) -> Result:
    result = runner.invoke(app, ["outbox", *args], input=input)
    assert CANARY not in result.output
    assert CANARY not in (result.stderr or "")
    return result


def test_list_shows_quarantined_rows_only(db_url: str) -> None:
    result = invoke("list", "intake", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert Q1 in result.output
    assert Q2 in result.output
    assert P1 not in result.output
    assert "NoStreamResponseError" in result.output
    assert "MaxPayloadError" in result.output
    assert "tsunagu.intake.nowhere.v1" in result.output
    # Times in Tokyo: quarantined at 00:05 UTC
    assert "2026-04-01 09:05:00.000 JST" in result.output
    assert re.search(r"\b\d+ B\b", result.output)  # payload size, not payload
    assert "2 quarantined row(s)" in result.output


def test_list_pending_and_limit(db_url: str) -> None:
    result = invoke("list", "intake", "--pending", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert P1 in result.output
    assert Q1 not in result.output
    assert Q2 not in result.output
    assert "TimeoutError" in result.output

    limited = invoke("list", "intake", "--limit", "1", "--database-url", db_url)
    assert limited.exit_code == 0, limited.output
    assert Q1 in limited.output
    assert Q2 not in limited.output
    assert "1 quarantined row(s) shown of 2" in limited.output


def test_list_says_when_there_are_none(db_url: str) -> None:
    assert invoke("discard", "intake", "--all", "--yes", "--database-url", db_url).exit_code == 0
    result = invoke("list", "intake", "--database-url", db_url)
    assert result.exit_code == 0
    assert "No quarantined outbox rows in intake's database." in result.output


def test_show_one_row(db_url: str) -> None:
    result = invoke("show", "intake", Q2, "--database-url", db_url)
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (Q2, "tsunagu.intake.case.opened.v1", "quarantined", "MaxPayloadError", "bytes)"):
        assert expected in out
    assert "2026-04-01 09:00:00.000 JST" in out  # created
    assert "2026-04-01 09:06:00.000 JST" in out  # quarantined

    pending = invoke("show", "intake", P1, "--database-url", db_url)
    assert pending.exit_code == 0
    assert "pending" in pending.output


def test_show_of_an_unknown_id_exits_1(db_url: str) -> None:
    result = invoke("show", "intake", UNKNOWN, "--database-url", db_url)
    assert result.exit_code == 1
    assert f"no unpublished outbox row of intake has event id '{UNKNOWN}'" in result.output


def test_retry_by_id_then_all(db_url: str) -> None:
    result = invoke("retry", "intake", Q1, "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert "1 quarantined row(s) of intake released" in result.output
    assert states(db_url) == {Q1: "pending/0", Q2: "quarantined", P1: "pending/1"}

    result = invoke("retry", "intake", "--all", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert "1 quarantined row(s) of intake released" in result.output
    assert states(db_url) == {Q1: "pending/0", Q2: "pending/0", P1: "pending/1"}


def test_retry_names_ids_that_are_not_quarantined(db_url: str) -> None:
    result = invoke("retry", "intake", Q1, P1, UNKNOWN, "--database-url", db_url)
    assert result.exit_code == 1
    assert "1 quarantined row(s) of intake released" in result.output
    assert "2 event id(s) not found" in result.output
    assert P1 in result.output
    assert UNKNOWN in result.output
    assert states(db_url) == {Q1: "pending/0", Q2: "quarantined", P1: "pending/1"}


@pytest.mark.parametrize("args", [[], [Q1, "--all"]], ids=["neither", "both"])
def test_retry_needs_ids_or_all(db_url: str, args: list[str]) -> None:
    result = invoke("retry", "intake", *args, "--database-url", db_url)
    assert result.exit_code == 2
    assert "give event id(s) or --all (not both)" in result.output
    assert states(db_url) == {Q1: "quarantined", Q2: "quarantined", P1: "pending/1"}


def test_discard_with_yes_deletes_only_quarantined_rows(db_url: str) -> None:
    result = invoke("discard", "intake", Q1, P1, "--yes", "--database-url", db_url)
    assert result.exit_code == 1  # P1 is pending: not found among the quarantined rows
    assert "1 quarantined row(s) of intake discarded" in result.output
    assert "1 event id(s) not found" in result.output
    assert states(db_url) == {Q2: "quarantined", P1: "pending/1"}

    result = invoke("discard", "intake", "--all", "--yes", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert "1 quarantined row(s) of intake discarded" in result.output
    assert states(db_url) == {P1: "pending/1"}


def test_discard_asks_first(db_url: str) -> None:
    result = invoke("discard", "intake", "--all", "--database-url", db_url, input="n\n")
    assert "Discard all 2 quarantined row(s) of intake?" in result.output
    assert result.exit_code == 1
    assert "Nothing discarded." in result.output
    assert states(db_url) == {Q1: "quarantined", Q2: "quarantined", P1: "pending/1"}

    result = invoke("discard", "intake", Q2, "--database-url", db_url, input="y\n")
    assert result.exit_code == 0, result.output
    assert states(db_url) == {Q1: "quarantined", P1: "pending/1"}


def test_unknown_service_names_the_installed_ones(db_url: str) -> None:
    for args in (["list", "subsidy"], ["show", "subsidy", Q1], ["retry", "subsidy", "--all"]):
        result = invoke(*args, "--database-url", db_url)
        assert result.exit_code == 1
        assert "no installed service named 'subsidy' (installed: intake, scheduling)" in result.output


def test_default_database_is_the_sqlite_file_up_gives_the_service(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    missing = invoke("list", "intake", "--data-dir", str(data_dir))
    assert missing.exit_code == 1
    assert "no database for intake at" in missing.output
    assert not (data_dir / "intake" / "intake.db").exists()  # no empty database created

    (data_dir / "intake").mkdir(parents=True)
    make_database(data_dir / "intake" / "intake.db")
    result = invoke("list", "intake", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert Q1 in result.output
    assert Q2 in result.output


def test_environment_variable_comes_before_the_data_dir(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_INTAKE_DATABASE_URL", db_url)
    result = invoke("show", "intake", Q1, "--data-dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 0, result.output
    assert Q1 in result.output


def test_a_missing_sqlite_file_given_by_url_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "typo.db"
    result = invoke("list", "intake", "--database-url", f"sqlite:///{target.as_posix()}")
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert not target.exists()


def test_a_database_without_the_outbox_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    engine = create_db_engine(f"sqlite:///{path.as_posix()}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE other (x INTEGER)"))
    engine.dispose()
    result = invoke("list", "intake", "--database-url", f"sqlite:///{path.as_posix()}")
    assert result.exit_code == 1
    assert "has no tsunagu_outbox table" in result.output


def test_a_password_in_the_url_is_never_printed() -> None:
    url = "postgresql://tsunagu:s3cret-pw@127.0.0.1:1/tsunagu"  # port 1: nothing listens
    result = invoke("list", "intake", "--database-url", url)
    assert result.exit_code == 1
    assert "cannot reach intake's database" in result.output
    assert "s3cret-pw" not in result.output
