"""The database a bench runs on: a SQLite file in the run's folder, or a PostgreSQL
database created on the given server for this run only and dropped at the end (a bench
never touches a database it did not create)."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class Database:
    def __init__(self, url: str | None, folder: Path | None = None, *, postgres_only: str | None = None):
        self.admin, self.name = None, None
        if not url:
            if postgres_only or folder is None:
                raise SystemExit(f"--database-url postgresql://... is required ({postgres_only or 'no folder'})")
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"
            return
        base = make_url(url).set(drivername="postgresql+psycopg")
        if not base.get_backend_name().startswith("postgresql"):
            raise SystemExit("--database-url must be a postgresql:// URL")
        self.admin = create_engine(base, isolation_level="AUTOCOMMIT")
        self.name = f"tremplin_bench_{secrets.token_hex(4)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = base.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()

    @property
    def label(self) -> str:
        return f"PostgreSQL (throwaway database {self.name})" if self.name else "SQLite (temporary file)"
