"""OCDS exports are checked against the official OCDS 1.1.5 schemas, read offline from the
``shared/ocds`` folder that sits beside the repository (as in CI)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

OCDS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "ocds" / "standard-1__1__5" / "schema"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


class OCDSValidators:
    """Draft 4 validators of the release and record package schemas, resolving every
    reference to the local files, with the date-time and uri formats checked."""

    def __init__(self, folder: Path):
        from jsonschema import Draft4Validator, FormatChecker
        from referencing import Registry
        from referencing.jsonschema import DRAFT4

        schemas = {name: json.loads((folder / name).read_text(encoding="utf-8")) for name in (
            "release-schema.json", "release-package-schema.json", "record-package-schema.json",
            "versioned-release-validation-schema.json")}
        registry = Registry().with_resources(
            (SCHEMA_BASE + name, DRAFT4.create_resource(schema)) for name, schema in schemas.items()
        )
        checker = FormatChecker()

        @checker.checks("date-time", raises=ValueError)
        def _date_time(value) -> bool:
            if not isinstance(value, str):
                return True
            if not _DATE_TIME.fullmatch(value):
                raise ValueError(f"not an RFC 3339 date-time with a time zone: {value!r}")
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return True

        @checker.checks("uri")
        def _uri(value) -> bool:
            if not isinstance(value, str):
                return True
            parts = urlsplit(value)
            return bool(parts.scheme and parts.netloc)

        self.release_package = Draft4Validator(schemas["release-package-schema.json"], registry=registry,
                                               format_checker=checker)
        self.record_package = Draft4Validator(schemas["record-package-schema.json"], registry=registry,
                                              format_checker=checker)
        self.codelists = folder / "codelists"

    def _check(self, validator, document) -> None:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:20])

    def check_release_package(self, document: dict) -> None:
        self._check(self.release_package, document)

    def check_record_package(self, document: dict) -> None:
        self._check(self.record_package, document)

    def codes(self, codelist: str) -> set[str]:
        lines = (self.codelists / f"{codelist}.csv").read_text(encoding="utf-8").splitlines()[1:]
        return {line.split(",", 1)[0] for line in lines if line}


@pytest.fixture(scope="session")
def ocds():
    if not OCDS_DIR.is_dir():
        pytest.skip(f"the OCDS 1.1.5 schemas are not beside the repository (expected {OCDS_DIR.resolve()})")
    return OCDSValidators(OCDS_DIR)
