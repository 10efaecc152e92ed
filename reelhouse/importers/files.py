"""Reading import files safely: plain or gzip, UTF-8 (with or without a BOM), in constant memory.

Every problem is an `ImportFileError` naming the file and the line, never a traceback:
a truncated gzip stream, a decompression bomb, bytes that are not UTF-8, an overlong line.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# Longer than any real row (a TMDB movie with every appended list is well under 1 MB).
MAX_LINE_BYTES = 4 * 1024 * 1024
# Real gzip exports expand 4-10 times; past this ratio, after a few MB, it is an attack.
MAX_EXPANSION = 100
EXPANSION_GRACE_BYTES = 16 * 1024 * 1024
# How much is read, decoded and split at a time.
BLOCK_BYTES = 256 * 1024


class ImportFileError(Exception):
    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class _Counting(io.RawIOBase):
    """Counts the compressed bytes the gzip reader has taken, for the ratio check and progress."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0


class LineReader:
    """Iterates (line number, text) over a file; `bytes_read` tracks progress on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw = path.open("rb")
        self._counter = _Counting(self._raw)
        head = self._raw.read(2)
        self._raw.seek(0)
        self.is_gzip = head == b"\x1f\x8b"
        buffered = io.BufferedReader(self._counter, 1 << 20)
        self._stream: BinaryIO = (
            gzip.GzipFile(fileobj=buffered, mode="rb") if self.is_gzip else buffered  # type: ignore[assignment]
        )
        self.line = 0
        self._expanded = 0

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def close(self) -> None:
        self._stream.close()
        self._raw.close()

    def __enter__(self) -> LineReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for _, lines in self.blocks():
            for line in lines:
                self.line += 1
                yield self.line, line

    def blocks(self) -> Iterator[tuple[int, list[str]]]:
        """The lines a block at a time, with the number of the first: for a parser that passes
        over most lines in bulk. While a block is out, `line` is what its caller sets it to (the
        number of the line it is looking at, for RowChecker's messages); after it, its last.
        """
        # Read in blocks and split them: a readline() per line cost more than the split and
        # decode of the whole file together.
        pending = b""
        while True:
            chunk = self._read()
            if not chunk:
                if pending:
                    yield from self._numbered(pending + b"\n")
                return
            data = pending + chunk if pending else chunk
            cut = data.rfind(b"\n") + 1
            block, pending = data[:cut], data[cut:]
            # Only the first line can be long: any other began inside this chunk.
            first_end = block.find(b"\n") if block else len(pending)
            if first_end > MAX_LINE_BYTES:
                raise ImportFileError(
                    self.path,
                    self.line + 1,
                    f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: not a file of this "
                    "format",
                )
            if block:
                yield from self._numbered(block)

    def _numbered(self, block: bytes) -> Iterator[tuple[int, list[str]]]:
        for lines in self._lines(block):
            first = self.line + 1
            yield first, lines
            self.line = first + len(lines) - 1

    def _read(self) -> bytes:
        try:
            chunk = self._stream.read(BLOCK_BYTES)
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
            raise ImportFileError(
                self.path,
                self.line + 1,
                f"the gzip data is damaged or ends early ({error}); the file is truncated "
                "or corrupt: download it again",
            ) from error
        if self.is_gzip:
            self._expanded += len(chunk)
            if self._expanded > EXPANSION_GRACE_BYTES and self._expanded > MAX_EXPANSION * max(
                self.bytes_read, 1
            ):
                raise ImportFileError(
                    self.path,
                    self.line + 1,
                    f"expands more than {MAX_EXPANSION} times: refusing a likely decompression "
                    "bomb",
                )
        return chunk

    def _lines(self, block: bytes) -> Iterator[list[str]]:
        """The lines of `block` (whole lines, each ending in a newline): one list, or on bytes
        that are not UTF-8, the lines before them and then the error."""
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as error:
            start = block.rfind(b"\n", 0, error.start) + 1  # the bad line's first byte
            if start:
                yield from self._lines(block[:start])
            raise ImportFileError(
                self.path,
                self.line + 1,
                f"not UTF-8 (byte 0x{block[error.start]:02x} at column {error.start - start + 1}"
                "); save the file as UTF-8",
            ) from error
        lines = text.split("\n")
        lines.pop()  # the block ends with a newline: nothing after it
        if self.line == 0 and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        if "\r" in text:
            lines = [line.rstrip("\r") for line in lines]
        yield lines
