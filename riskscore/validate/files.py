"""Read a user-supplied file without trusting it: its type, place, size and encoding come first.

Every reader of user input (package CSVs, datapackage.json, scenario TOML/CSV) goes through
`read_input` and `text_body`, so no file can make riskscore wait (a FIFO is never opened, and
the file is opened non-blocking besides), read without bound, follow a link out of the package,
or feed undecodable bytes further. Each check is linear in the file's size.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from riskscore.validate import failures as fl
from riskscore.validate.failures import Code

BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark (Excel writes one); tolerated and dropped
_CHUNK = 1 << 20

_KINDS = [
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
]


class InputError(Exception):
    """A file that cannot be read as input: a registered code, the offending value, its line."""

    def __init__(self, code: Code, value: str, line: int = 0, detail: str = ""):
        super().__init__(f"{code.rule(detail)}: {value}")
        self.rule = code.rule(detail)
        self.value = value
        self.line = line


def _kind(mode: int) -> str | None:
    """None for a regular file, else what it is instead."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "special file")


def _stat(path: Path, how) -> os.stat_result:
    try:
        return how(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(fl.MISSING_FILE, str(path)) from None
    except OSError as err:
        raise InputError(fl.UNREADABLE, f"{path}: {err.strerror or err}") from None


def _resolve_link(path: Path, root: Path | None) -> Path:
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(fl.MISSING_FILE, f"{path} is a link to nothing") from None
    except (OSError, RuntimeError) as err:  # a loop of links
        raise InputError(fl.UNREADABLE, f"{path}: {err}") from None
    if root is not None and not target.is_relative_to(root.resolve()):
        raise InputError(fl.OUTSIDE_PACKAGE, f"{path} -> {target}")
    return target


def read_input(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of `path`: a regular file (or a link to one inside `root`) of <= `limit` bytes.

    Raises InputError (missing_file, not_regular_file, outside_package, file_too_large,
    unreadable); never blocks and never reads more than `limit` + 1 bytes.
    """
    info = _stat(path, os.lstat)
    target = path
    if stat.S_ISLNK(info.st_mode):
        target = _resolve_link(path, root)
        info = _stat(target, os.stat)
    kind = _kind(info.st_mode)
    if kind:
        raise InputError(fl.NOT_REGULAR_FILE, f"{path} is a {kind}")
    if info.st_size > limit:
        raise InputError(fl.FILE_TOO_LARGE, f"{info.st_size} bytes > limit {limit}")
    # O_NONBLOCK: should the path have been swapped for a FIFO since lstat, open() returns at
    # once instead of waiting for a writer; fstat below then refuses it. O_NOFOLLOW: no new link.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise InputError(fl.NOT_REGULAR_FILE, f"{path} became a link") from None
        raise InputError(fl.UNREADABLE, f"{path}: {err.strerror or err}") from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            raise InputError(fl.NOT_REGULAR_FILE, f"{path} is a {kind}")
        chunks, size = [], 0
        while size <= limit:
            # the stat size in one read when it can; growth or a lying size in further reads
            want = max(_CHUNK, os.fstat(fd).st_size + 1) if not chunks else _CHUNK
            chunk = os.read(fd, min(want, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise InputError(fl.UNREADABLE, f"{path}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if size > limit:  # it grew after the stat
        raise InputError(fl.FILE_TOO_LARGE, f"more than {limit} bytes")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def text_body(raw: bytes) -> bytes:
    """The file's bytes without a UTF-8 BOM, once known to be non-empty UTF-8 text.

    Raises InputError: empty_file; not_text (a NUL byte on the first line: binary or UTF-16);
    encoding (the line of the first byte that is not UTF-8, decoded once, linear time).
    """
    body = raw.removeprefix(BOM)
    if not body or body.isspace():  # isspace stops at the first other byte, unlike strip
        raise InputError(fl.EMPTY_FILE, "")
    end = body.find(b"\n")
    if b"\0" in (body if end < 0 else body[:end]):
        raise InputError(fl.NOT_TEXT, "NUL byte on line 1", line=1)
    try:
        if not body.isascii():  # ASCII is UTF-8; the check is far cheaper than a decode
            body.decode("utf-8")
    except UnicodeDecodeError as err:
        start = body.rfind(b"\n", 0, err.start) + 1
        before = body[max(start, err.start - 24) : err.start].decode("utf-8", errors="ignore")
        bad = body[err.start : err.end].hex()
        line = body.count(b"\n", 0, err.start) + 1
        value = f"byte 0x{bad} after {before!r}"
        raise InputError(fl.ENCODING, value, line=line, detail="utf-8") from None
    return body
