"""Backups of a SQLite gateway: files named wms-YYYYmmddTHHMMSSZ.sqlite3 (UTC) in
`Settings.backup_dir`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from wms.config import Settings

BACKUP_NAME = re.compile(r"wms-(\d{8}T\d{6}Z)\.sqlite3")


def last_backup(settings: Settings) -> tuple[Path, datetime] | None:
    """The newest backup file and the time its name gives, None when there is none."""
    folder = Path(settings.backup_dir)
    if not folder.is_dir():
        return None
    found: list[tuple[datetime, Path]] = []
    for path in folder.iterdir():
        match = BACKUP_NAME.fullmatch(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append((taken, path))
    if not found:
        return None
    taken, path = max(found)
    return path, taken
