"""Reading the database raw, as an attacker with a dump would: every table, every value."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa


def raw_database_text(engine: sa.Engine) -> str:
    """Every value of every table as text (bytes decoded leniently), plus the SQLite files' bytes."""
    parts: list[str] = []
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value).decode("utf-8", errors="replace"))
                    else:
                        parts.append(str(value))
    if engine.dialect.name == "sqlite" and engine.url.database:
        for suffix in ("", "-wal"):
            path = Path(engine.url.database + suffix)
            if path.exists():
                parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def sealed_values_of(engine: sa.Engine, person_id: str) -> dict[tuple[str, str, str], bytes]:
    """(table, column, row id) -> ciphertext, for every sealed column of one person's rows."""
    found: dict[tuple[str, str, str], bytes] = {}
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            if not table.startswith("intake_"):
                continue
            columns = [c["name"] for c in inspector.get_columns(table)]
            sealed = [c for c in columns if c.endswith("_ct")]
            if not sealed:
                continue
            key = "id" if table == "intake_person" else "person_id"
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE "{key}" = :p'), {"p": person_id}):
                mapping = row._mapping
                for column in sealed:
                    if mapping[column] is not None:
                        found[(table, column, mapping["id"])] = bytes(mapping[column])
    return found
