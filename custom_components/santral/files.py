"""Writing downloaded documents: only as regular files, never through what is in the way."""

from __future__ import annotations

import errno
from pathlib import Path
import stat

from homeassistant.util.file import WriteError, write_utf8_file


class NotAFileError(OSError):
    """Something other than a regular file (a link, a pipe, a folder) is where a file goes."""

    def __init__(self, path: Path) -> None:
        """Name the path that is in the way."""
        super().__init__(errno.EEXIST, "not a regular file", str(path))
        self.path = path


def write_document(path: Path, content: bytes) -> None:
    """Write `content` to `path`, creating its folder; blocking, so run it in the executor.

    A regular file already at `path` (an earlier download) is replaced. Anything else there
    is refused: writing through a link could land outside the allowed folders, and opening
    a pipe would wait forever. The content goes to a temporary file in the same folder that
    is then renamed over `path`, so the write never follows a link made meanwhile either.
    Raises `NotAFileError`, or `OSError` when the folder or the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(mode):
            raise NotAFileError(path)
    try:
        write_utf8_file(str(path), content, mode="wb")
    except WriteError as err:
        cause = err.__cause__
        raise cause if isinstance(cause, OSError) else OSError(str(err)) from None
