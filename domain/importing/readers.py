"""Streaming readers: CSV (UTF-8, UTF-8 with BOM or GB18030) and XLSX, a chunk of rows at a time.

A reader yields the header once, then lists of `(line, cells)` where `line` is the row's line in
the file (its first line, for a CSV record spanning several) and `cells` are strings. Nothing
reads the whole file into memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, Self

from domain.importing.errors import ImportRefused

SAMPLE_BYTES = 1 << 16
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DELIMITERS = (",", "\t", ";", "|")
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\x0c", "\x1a"}


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """`utf-8-sig`, `utf-8` or `gb18030` for the first bytes of a file, or ImportRefused.

    `complete` says the sample is the whole file (so a character cut at its end is an error).
    """
    if sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif sample.startswith(_UTF16_BOMS):
        raise ImportRefused(
            "the file is UTF-16 or UTF-32 text, which is not supported: save it as CSV UTF-8 (or GB18030)"
        )
    elif b"\x00" in sample:
        raise ImportRefused(
            "the file holds NUL bytes: it is binary, or UTF-16/UTF-32 text; save it as CSV UTF-8 (or GB18030)"
        )
    else:
        encoding = next((e for e in ("utf-8", "gb18030") if _decodes(sample, e, complete)), "")
        if not encoding:
            raise ImportRefused(
                "the file is neither UTF-8 nor GB18030 text (is it binary, or in another encoding?): "
                "save it as CSV UTF-8 (or GB18030)"
            )
    text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    if any(character in _CONTROL for character in text):
        raise ImportRefused("the file holds control characters: it looks binary, not CSV text")
    return encoding


def _decodes(sample: bytes, encoding: str, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


Row = tuple[int, list[str]]


class TableReader:
    """The header and the data rows of one file; `position` of `size` measures progress."""

    def __init__(
        self,
        *,
        path: Path,
        header: list[str],
        size: int,
        description: str,
        chunks: Callable[[int], Iterator[list[Row]]],
        position: Callable[[], int],
        close: Callable[[], None],
    ) -> None:
        self.path = path
        self.header = header
        self.size = size
        self.description = description
        self._chunks = chunks
        self._position = position
        self._close = close

    @property
    def position(self) -> int:
        return self._position()

    def chunks(self, size: int) -> Iterator[list[Row]]:
        """The data rows, `size` at a time; blank rows are left out."""
        return self._chunks(size)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(path: Path, *, max_bytes: int) -> TableReader:
    """Open a CSV or XLSX file for streaming, after checking it exists, fits and can be decoded."""
    if not path.exists():
        raise ImportRefused(f"file not found: {path}")
    if not path.is_file():
        raise ImportRefused(f"not a file: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportRefused(
            f"the file is {size / 2**20:,.0f} MB, over the limit of {max_bytes / 2**20:,.0f} MB "
            "([imports] max_file_mb): split it into smaller files"
        )
    if size == 0:
        raise ImportRefused(f"the file is empty: {path.name}")
    binary = path.open("rb")
    try:
        start = binary.read(SAMPLE_BYTES)
        binary.seek(0)
        if start.startswith(_ZIP_MAGIC) or path.suffix.lower() in {".xlsx", ".xlsm"}:
            binary.close()
            return _open_xlsx(path, size)
        if start.startswith(_OLE_MAGIC):
            raise ImportRefused("this is an old Excel .xls workbook: save it as .xlsx or as CSV UTF-8")
        return _open_csv(path, binary, start, size)
    except BaseException:
        binary.close()
        raise


_ENCODING_NAMES = {"utf-8-sig": "UTF-8 with BOM", "utf-8": "UTF-8", "gb18030": "GB18030"}


def _open_csv(path: Path, binary: BinaryIO, sample: bytes, size: int) -> TableReader:
    encoding = detect_encoding(sample, complete=len(sample) == size)
    name = _ENCODING_NAMES[encoding]
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    blank_lines = 0
    while True:
        first = _decoded(text.readline, blank_lines + 1, name)
        if not first:
            text.close()
            raise ImportRefused(f"the file is empty: {path.name} holds no header row")
        if first.strip():
            break
        blank_lines += 1
    reader = csv.reader(chain((first,), text), delimiter=_delimiter(first))
    header = _decoded(lambda: next(reader), blank_lines + 1, name)
    return TableReader(
        path=path,
        header=header,
        size=size,
        description=f"CSV, {name}",
        chunks=_csv_chunks(reader, blank_lines, path, encoding),
        position=binary.tell,
        close=text.close,
    )


def _decoded(read: Callable[[], Any], line: int, name: str) -> Any:
    try:
        return read()
    except UnicodeDecodeError:
        raise ImportRefused(f"line {line} is not valid {name}: save the file as CSV UTF-8") from None


def _csv_chunks(reader: Any, offset: int, path: Path, encoding: str) -> Callable[[int], Iterator[list[Row]]]:
    def chunks(size: int) -> Iterator[list[Row]]:
        try:
            while True:
                before = reader.line_num
                records = list(islice(reader, size))
                if not records:
                    return
                after = reader.line_num
                if after - before == len(records):
                    starts: Iterable[int] = range(before + 1 + offset, after + 1 + offset)
                else:
                    starts = _record_starts(records, before + 1 + offset)
                chunk = list(zip(starts, records))
                if not all(map(any, records)):
                    chunk = [row for row in chunk if any(row[1])]
                if chunk:
                    yield chunk
        except UnicodeDecodeError:
            raise ImportRefused(
                f"line {_undecodable_line(path, encoding)} is not valid {_ENCODING_NAMES[encoding]}: "
                "the file mixes encodings; save it again as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise ImportRefused(f"line {reader.line_num + offset}: the CSV cannot be read ({exc})") from None

    return chunks


def _undecodable_line(path: Path, encoding: str) -> int:
    """The line holding the first byte `encoding` cannot decode (read again from the start)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 1
    with path.open("rb") as file:
        while block := file.read(SAMPLE_BYTES):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return lines + exc.object[: exc.start].count(b"\n")
            lines += block.count(b"\n")
    return lines


def _record_starts(records: list[list[str]], first: int) -> list[int]:
    """The line each record starts on, when some span several lines (a quoted value with newlines)."""
    starts = []
    line = first
    for cells in records:
        starts.append(line)
        line += 1 + sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells)
    return starts


def _open_xlsx(path: Path, size: int) -> TableReader:
    from openpyxl import load_workbook  # heavy: only when a workbook is imported

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRefused(f"not a readable XLSX workbook ({exc.__class__.__name__}): save it again from Excel") from None
    try:
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        rows = sheet.iter_rows(values_only=True)
        line = 0
        header: list[str] | None = None
        for values in rows:
            line += 1
            cells = [_cell(v) for v in values]
            if any(c.strip() for c in cells):
                header = cells
                break
        if header is None:
            raise ImportRefused(f"the workbook is empty: the first sheet of {path.name} holds no header row")
        while header and not header[-1].strip():
            header.pop()
    except BaseException:
        workbook.close()
        raise
    counter = _Counter(line)
    width = len(header)

    def data() -> Iterator[Row]:
        for values in rows:
            counter.value += 1
            cells = [_cell(v) for v in values]
            if len(cells) > width and not any(cells[width:]):
                del cells[width:]
            elif len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            if any(cells):
                yield counter.value, cells

    def chunks(size: int) -> Iterator[list[Row]]:
        rows = data()
        while chunk := list(islice(rows, size)):
            yield chunk

    return TableReader(
        path=path,
        header=header,
        size=max(total, 1),
        description=f"XLSX, sheet {sheet.title!r}",
        chunks=chunks,
        position=lambda: counter.value,
        close=workbook.close,
    )


class _Counter:
    def __init__(self, value: int) -> None:
        self.value = value


def _cell(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)
