from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from reelhouse.importers import files
from reelhouse.importers.files import MAX_LINE_BYTES, ImportFileError, LineReader


def _lines(path: Path) -> list[tuple[int, str]]:
    with LineReader(path) as reader:
        return list(reader)


def test_it_reads_plain_and_gzip_files_alike(tmp_path: Path) -> None:
    text = 'a\tb\nLéonide\t"quoted"\r\n'
    (tmp_path / "plain.tsv").write_text(text, encoding="utf-8")
    (tmp_path / "packed.tsv.gz").write_bytes(gzip.compress(text.encode()))
    expected = [(1, "a\tb"), (2, 'Léonide\t"quoted"')]
    assert _lines(tmp_path / "plain.tsv") == expected
    assert _lines(tmp_path / "packed.tsv.gz") == expected


def test_it_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "bom.csv").write_bytes("\ufeffmovieId,title\n".encode())
    assert _lines(tmp_path / "bom.csv") == [(1, "movieId,title")]


def test_it_names_the_line_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin1.tsv").write_bytes("ok\nL\u00e9onide\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match=r"latin1.tsv:2: not UTF-8 \(byte 0xe9 at column 2\)"):
        _lines(tmp_path / "latin1.tsv")


def test_it_reports_a_truncated_gzip(tmp_path: Path) -> None:
    packed = gzip.compress(b"line\n" * 100_000)
    (tmp_path / "cut.tsv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ImportFileError, match=r"cut.tsv.gz:\d+: the gzip data is damaged"):
        _lines(tmp_path / "cut.tsv.gz")


def test_it_refuses_an_overlong_line(tmp_path: Path) -> None:
    (tmp_path / "long.tsv").write_bytes(b"x" * (MAX_LINE_BYTES + 10) + b"\n")
    with pytest.raises(ImportFileError, match=r"long.tsv:1: line longer than 4 MB"):
        _lines(tmp_path / "long.tsv")


def test_it_refuses_a_decompression_bomb(tmp_path: Path) -> None:
    # 256 lines of 1 MB compress to about 250 KB; the reader must stop long before the end.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"0" * ((1 << 20) - 1) + b"\n"
    with (tmp_path / "bomb.tsv.gz").open("wb") as handle:
        for _ in range(256):
            handle.write(compressor.compress(chunk))
        handle.write(compressor.flush())
    with (
        LineReader(tmp_path / "bomb.tsv.gz") as reader,
        pytest.raises(ImportFileError, match="decompression bomb"),
    ):
        for _ in reader:
            pass
    assert reader.line < 64


def test_lines_across_read_blocks_come_out_whole_and_numbered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "BLOCK_BYTES", 7)
    lines = ["short", "a line longer than a block", "", "é" * 9, "last, with no newline"]
    (tmp_path / "blocks.tsv").write_text("\r\n".join(lines), encoding="utf-8")
    assert _lines(tmp_path / "blocks.tsv") == list(enumerate(lines, 1))


def test_the_lines_before_a_bad_byte_still_come_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "BLOCK_BYTES", 64)
    (tmp_path / "late.tsv").write_bytes(b"one\ntwo\nthree\nfo\xe9ur\nfive\n")
    seen: list[str] = []
    with (
        LineReader(tmp_path / "late.tsv") as reader,
        pytest.raises(ImportFileError, match=r"late.tsv:4: not UTF-8 \(byte 0xe9 at column 3\)"),
    ):
        seen.extend(line for _, line in reader)
    assert seen == ["one", "two", "three"]


def test_blocks_of_lines_come_with_the_number_of_their_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "BLOCK_BYTES", 16)
    lines = [f"line {n}" for n in range(1, 30)]
    (tmp_path / "blocks.tsv").write_bytes(("\n".join(lines) + "\n\xe9\n").encode("latin-1"))
    seen: list[tuple[int, str]] = []
    firsts = []

    def read(reader: LineReader) -> None:
        for first, block in reader.blocks():
            assert reader.line == first - 1  # where the previous block ended
            firsts.append(first)
            seen.extend(enumerate(block, first))
            reader.line = first  # a parser looking at a line of the block

    with (
        LineReader(tmp_path / "blocks.tsv") as reader,
        pytest.raises(ImportFileError, match=r"blocks.tsv:30: not UTF-8"),
    ):
        read(reader)
    assert seen == list(enumerate(lines, 1))
    assert len(firsts) > 5
