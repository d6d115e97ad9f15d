"""A restart after a crash must be quick: the start-up check that the database is at the
newest schema reads one row and loads none of Alembic's machinery or migration scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from tests.support.live_server import LiveServer, process_group
from wms.schema import HEAD_REVISION, alembic_config, current_revision, ensure_schema

REPO = Path(__file__).resolve().parents[2]

# What the server process imports to check the schema and build the app; measured at 740
# modules when this budget was set (the app, Flask, SQLAlchemy, pydantic, babel).
START_MODULE_BUDGET = 900

_START = """
import json, sys
from wms.schema import ensure_schema
migrated = ensure_schema(sys.argv[1])
from terminal_ui import create_app
create_app()
print(json.dumps({
    "migrated": migrated,
    "modules": len(sys.modules),
    "alembic": sorted(m for m in sys.modules if m == "alembic" or m.startswith("alembic.")),
    "migration_scripts": sorted(m for m in sys.modules if "migrations" in m),
}))
"""


def start_server_imports(url: str, workdir: Path) -> dict[str, object]:
    """What a fresh server process imports when it checks the schema and builds the app."""
    done = subprocess.run(
        [sys.executable, "-c", _START, url], capture_output=True, text=True, check=True,
        cwd=workdir, env={"WMS_DATABASE_URL": url, "PATH": "/usr/bin:/bin",
                          "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_head_revision_known_to_the_start_up_check_is_alembics_head() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert scripts.get_current_head() == HEAD_REVISION


def test_starting_against_an_up_to_date_database_imports_no_migration_machinery(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'wms.sqlite3'}"
    ensure_schema(url)
    started = start_server_imports(url, tmp_path)
    assert started["migrated"] is False
    assert started["alembic"] == []
    assert started["migration_scripts"] == []
    assert isinstance(started["modules"], int) and started["modules"] <= START_MODULE_BUDGET


def test_starting_against_an_empty_database_migrates_it_to_the_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert current_revision(url) is None
    assert ensure_schema(url) is True
    assert current_revision(url) == HEAD_REVISION
    assert ensure_schema(url) is False


def test_a_database_behind_the_head_is_migrated_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    from wms.schema import upgrade

    upgrade(url, "0004")
    assert current_revision(url) == "0004"
    assert ensure_schema(url) is True
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
            HEAD_REVISION
    engine.dispose()


def test_the_server_preloads_the_app_and_shortens_each_workers_gil_switch_interval() -> None:
    from gunicorn.config import Config

    from terminal_ui import serving

    cfg = Config()
    for name, value in vars(serving).items():  # as gunicorn reads a config module
        if name in cfg.settings:
            cfg.set(name, value)
    assert cfg.preload_app is True
    before = sys.getswitchinterval()
    try:
        cfg.post_fork(None, None)
        assert sys.getswitchinterval() == serving.SWITCH_INTERVAL_S < before
    finally:
        sys.setswitchinterval(before)


def test_a_warm_worker_sets_what_its_requests_built_aside_from_the_garbage_collector() -> None:
    import gc
    from itertools import count

    from terminal_ui import serving

    answered = serving._answered
    serving._answered = count(1)
    try:
        for _ in range(serving.WARM_AFTER_REQUESTS - 1):
            serving.post_request(None, None, None, None)
        cache = [[n] for n in range(1000)]  # what the warm-up requests left behind
        assert any(entry is cache for entry in gc.get_objects())
        serving.post_request(None, None, None, None)
        # set aside (frozen): no collection walks it any more
        assert not any(entry is cache for entry in gc.get_objects())
        frozen = gc.get_freeze_count()
        serving.post_request(None, None, None, None)
        assert gc.get_freeze_count() == frozen  # once per worker
    finally:
        serving._answered = answered
        gc.unfreeze()


def _file_system_type(path: str) -> str:
    """The type of the file system that holds `path` (the deepest mount point above it)."""
    found, kind = "", ""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        mount_point, fs_type = line.split()[1:3]
        mount_point = mount_point.replace("\\040", " ")
        inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(found):
            found, kind = mount_point, fs_type
    return kind


def _heartbeat_files(pid: int) -> list[str]:
    """The gunicorn heartbeat files a process holds open (unlinked once opened)."""
    files = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if Path(target).name.startswith("wgunicorn-"):
            files.append(target.removesuffix(" (deleted)"))
    return files


def test_the_server_keeps_its_heartbeat_files_in_memory_and_nothing_in_its_home_folder(
        tmp_path: Path) -> None:
    """gunicorn touches each worker's heartbeat file many times a second; in the temporary
    folder (on a Pi, the SD card) every touch is a journal write. Nor does the server leave a
    control socket in its home folder (on the gateway, the data folder)."""
    home = tmp_path / "home"
    home.mkdir()
    server = LiveServer(f"sqlite:///{tmp_path / 'wms.sqlite3'}", tmp_path,
                        env={"HOME": str(home), "XDG_RUNTIME_DIR": ""})
    server.start()
    try:
        assert server.process is not None
        workers = [pid for pid in process_group(server.process.pid)
                   if pid != server.process.pid]
        # A worker closes the heartbeat files of the workers forked before it just after its
        # own fork, then logs that it boots; on a busy machine the server may answer before a
        # later worker got that far.
        log = tmp_path / "server-1.log"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(
                f"Booting worker with pid: {pid}" in log.read_text() for pid in workers):
            time.sleep(0.05)
        files = [f for pid in workers for f in _heartbeat_files(pid)]
    finally:
        server.stop()
    assert len(workers) == 2 and len(files) == 2, files
    for file in files:
        assert Path(file).parent == Path("/dev/shm")
        assert _file_system_type(file) == "tmpfs"
    assert list(home.iterdir()) == []
    assert "Control socket" not in (tmp_path / "server-1.log").read_text()


def test_under_systemd_the_heartbeat_files_go_to_the_services_runtime_directory(
        tmp_path: Path) -> None:
    unit = (REPO / "deploy/wms-web.service").read_text().splitlines()
    assert "RuntimeDirectory=wms" in unit  # /run/wms, a tmpfs
    runtime = tmp_path / "run-wms"
    runtime.mkdir()
    read = subprocess.run(  # as gunicorn reads its settings file, in a fresh process
        [sys.executable, "-c", "import runpy, sys; "
         "print(runpy.run_path(sys.argv[1])['worker_tmp_dir'])",
         str(REPO / "deploy/gunicorn.conf.py")],
        env={**os.environ, "RUNTIME_DIRECTORY": str(runtime)}, cwd=REPO,
        capture_output=True, text=True, check=True)
    assert read.stdout.strip() == str(runtime)
