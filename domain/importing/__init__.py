"""`rmbot import`: load the bank's exports (CSV or XLSX) into the database.

    report = import_file(engine, "clients", Path("clients.csv"), settings=settings)

Files are streamed in chunks of `settings.imports.chunk_rows`, every row is validated (references
included), rows are upserted by natural key through `domain.bulk`, and the clients' derived fields
are refreshed, all in one transaction. The formats are in `docs/import.md`.
"""

from domain.importing.columns import COLUMNS, Column
from domain.importing.errors import ImportRefused, ImportReport, Problem, Reject
from domain.importing.pipeline import (
    KINDS,
    Progress,
    check_request,
    default_rejects_path,
    import_file,
)

__all__ = [
    "COLUMNS",
    "KINDS",
    "Column",
    "ImportRefused",
    "ImportReport",
    "Problem",
    "Progress",
    "Reject",
    "check_request",
    "default_rejects_path",
    "import_file",
]
