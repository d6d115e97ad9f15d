"""deploy/install.sh run into a throwaway root (no root needed), and the systemd units checked
offline: `systemd-analyze verify`, `systemd-analyze security` exposure, shellcheck.
Without shellcheck or systemd-analyze those checks are skipped, or fail under
WMS_TEST_REQUIRE_ALL=1 (.ci/run installs both)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import missing

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
INSTALL = DEPLOY / "install.sh"
UNITS = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
SERVICES = [u for u in UNITS if u.suffix == ".service"]
MAX_EXPOSURE = 4.0


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (Debian: apt-get install {_package(name)})")
    assert path is not None
    return path


def _package(name: str) -> str:
    return {"systemd-analyze": "systemd"}.get(name, name)


def install(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["bash", str(INSTALL), "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under root: its mode, its modification time and its content's digest."""
    seen: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            seen[str(path.relative_to(root))] = (st.st_mode, st.st_mtime_ns, digest)
    return seen


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_the_units_the_script_installs_are_every_service_and_timer_in_deploy() -> None:
    names = {u.name for u in UNITS}
    assert {"wms-web.service", "wms-printer.service", "wms-bridge.service"} <= names


def test_install_into_an_empty_root_puts_every_file_in_place_with_its_owner_only_printed(
    tmp_path: Path,
) -> None:
    out = install(tmp_path)

    for unit in UNITS:
        installed = tmp_path / "etc/systemd/system" / unit.name
        assert installed.read_bytes() == unit.read_bytes(), unit.name
        assert mode(installed) == "0o644"
    rules = tmp_path / "etc/udev/rules.d"
    assert (rules / "70-wms.rules").read_bytes() == (DEPLOY / "70-wms.rules").read_bytes()
    assert (rules / "99-wms-names.rules").read_bytes() == (
        DEPLOY / "99-wms-names.rules"
    ).read_bytes()
    assert "ID_MM_DEVICE_IGNORE" in (rules / "70-wms.rules").read_text()
    assert 'SYMLINK+="wms-scanner-' in (rules / "99-wms-names.rules").read_text()
    assert 'SYMLINK+="wms-printer-' in (rules / "99-wms-names.rules").read_text()
    assert mode(rules / "70-wms.rules") == "0o644"

    journald = tmp_path / "etc/systemd/journald.conf.d/wms.conf"
    limits = dict(line.split("=", 1) for line in journald.read_text().splitlines() if "=" in line)
    assert limits["SystemMaxUse"] == "200M"
    assert limits["SystemKeepFree"] == "1G"
    assert limits["Storage"] == "persistent"

    avahi = ET.parse(tmp_path / "etc/avahi/services/wms.service").getroot()
    assert avahi.findtext("service/type") == "_http._tcp"
    assert avahi.findtext("service/port") == "8000"

    env = tmp_path / "etc/wms/wms.env"
    assert env.read_bytes() == (DEPLOY / "wms.env").read_bytes()
    assert mode(env) == "0o640"
    toml = tmp_path / "var/lib/wms/var/wms.toml"
    assert toml.read_bytes() == (DEPLOY / "wms.toml.example").read_bytes()
    assert mode(toml) == "0o640"
    assert mode(tmp_path / "var/lib/wms") == "0o750"
    assert mode(tmp_path / "etc/wms") == "0o755"

    code = tmp_path / "opt/wms"
    assert (code / "wms/cli.py").read_bytes() == (REPO / "wms/cli.py").read_bytes()
    assert (code / "deploy/gunicorn.conf.py").is_file()
    for left_out in (".git", ".venv", "tests", "var"):
        assert not (code / left_out).exists(), left_out
    assert not list(code.rglob("__pycache__"))

    # What happens outside the root is said, not done.
    assert re.search(r"not done \(--root\): useradd .*--groups dialout,lp wms", out)
    assert "not done (--root): apt-get install -y python3 python3-venv avahi-daemon" in out
    assert "not done (--root): chown root:wms " + str(env) in out
    enabled = re.search(r"not done \(--root\): systemctl enable --now (.*)", out)
    assert enabled is not None
    assert set(enabled.group(1).split()) == {
        u.name for u in UNITS if re.search(r"^WantedBy=", u.read_text(), re.M)
    }
    # New code: the database is backed up and migrated by `wms upgrade`, as the service user,
    # before any service starts on it.
    upgrade = re.search(r"not done \(--root\): systemd-run (.*) /opt/wms/.venv/bin/wms upgrade",
                        out)
    assert upgrade is not None and "--uid=wms" in upgrade.group(1)
    assert out.index("wms upgrade") < out.index("systemctl enable --now")


def test_a_dry_run_prints_every_change_and_makes_none(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    out = install(tmp_path, "--dry-run")
    assert snapshot(tmp_path) == before == {}
    for unit in UNITS:
        assert f"would: install -D -m 0644 {DEPLOY / unit.name} " in out
    assert "etc/wms/wms.env" in out
    assert "etc/systemd/journald.conf.d/wms.conf" in out
    assert "etc/avahi/services/wms.service" in out
    assert "changes to make (dry run: none made)" in out


def test_a_second_run_changes_nothing_and_a_dry_run_after_it_has_nothing_to_do(
    tmp_path: Path,
) -> None:
    install(tmp_path)
    first = snapshot(tmp_path)
    out = install(tmp_path)
    assert snapshot(tmp_path) == first
    assert "Nothing to change" in out and "wms upgrade" not in out
    assert "+ " not in out
    assert "would:" not in install(tmp_path, "--dry-run")


def test_settings_and_device_names_stay_as_edited_while_units_return_to_the_shipped_ones(
    tmp_path: Path,
) -> None:
    install(tmp_path)
    env = tmp_path / "etc/wms/wms.env"
    env.write_text("WMS_PROXY_HOPS=1\nWMS_BIND=127.0.0.1:8000\n")
    names = tmp_path / "etc/udev/rules.d/99-wms-names.rules"
    names.write_text('SUBSYSTEM=="tty", ATTRS{serial}=="S1", SYMLINK+="wms-scanner-dock"\n')
    unit = tmp_path / "etc/systemd/system/wms-web.service"
    unit.write_text("[Service]\nExecStart=/bin/false\n")
    env.chmod(0o644)

    out = install(tmp_path)

    assert env.read_text() == "WMS_PROXY_HOPS=1\nWMS_BIND=127.0.0.1:8000\n"
    assert mode(env) == "0o640"
    assert "wms-scanner-dock" in names.read_text()
    assert unit.read_bytes() == (DEPLOY / "wms-web.service").read_bytes()
    assert "not done (--root): systemctl daemon-reload" in out
    # Behind the TLS proxy the gateway announces https.
    avahi = ET.parse(tmp_path / "etc/avahi/services/wms.service").getroot()
    assert avahi.findtext("service/type") == "_https._tcp"
    assert avahi.findtext("service/port") == "443"


def test_litestream_is_installed_with_the_app_only_once_wms_env_asks_for_replication(
    tmp_path: Path,
) -> None:
    out = install(tmp_path)
    assert "pip install '/opt/wms[postgres]'" in out
    env = tmp_path / "etc/wms/wms.env"
    env.write_text(env.read_text() + "WMS_LITESTREAM=1\n")

    out = install(tmp_path)

    assert "pip install '/opt/wms[postgres,replication]'" in out
    # Its unit is installed and enabled, but runs only once replication is configured.
    unit = (tmp_path / "etc/systemd/system/wms-litestream.service").read_text()
    assert "ConditionPathExists=/etc/wms/litestream.yml\n" in unit
    assert "-config /etc/wms/litestream.yml" in unit
    example = (DEPLOY / "litestream.yml.example").read_text()
    assert "type: file" in example and "path: /var/lib/wms/var/wms.sqlite3" in example


def test_avahi_answers_as_wms_local_once_its_configuration_is_there(tmp_path: Path) -> None:
    conf = tmp_path / "etc/avahi/avahi-daemon.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[server]\n#host-name=foo\nuse-ipv4=yes\n")
    install(tmp_path)
    assert conf.read_text() == "[server]\nhost-name=wms\nuse-ipv4=yes\n"
    assert "avahi-daemon.conf" not in install(tmp_path)

    other = tmp_path / "other"
    conf = other / "etc/avahi/avahi-daemon.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[server]\nuse-ipv4=yes\n")
    install(other, "--mdns-name", "wms-dock")
    assert conf.read_text() == "[server]\nhost-name=wms-dock\nuse-ipv4=yes\n"


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_finds_nothing_wrong_with_the_unit(
    unit: Path, tmp_path: Path
) -> None:
    analyze = tool("systemd-analyze")
    # The units name /opt/wms; here the same programs are this checkout's .venv and deploy/.
    venv_bin = Path(sys.executable).parent
    text = unit.read_text().replace("/opt/wms/.venv/bin/", f"{venv_bin}/")
    text = text.replace("/opt/wms/", f"{REPO}/")
    copy = tmp_path / unit.name
    copy.write_text(text)
    done = subprocess.run(
        [analyze, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
    )
    ours = [line for line in (done.stdout + done.stderr).splitlines() if unit.name in line]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


@pytest.mark.parametrize("unit", SERVICES, ids=lambda u: u.name)
def test_the_service_is_hardened_to_an_exposure_of_4_or_less(unit: Path) -> None:
    analyze = tool("systemd-analyze")
    done = subprocess.run(
        [analyze, "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=unit.parent,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert found is not None, done.stdout + done.stderr
    assert float(found.group(1)) <= MAX_EXPOSURE, done.stdout


def test_shellcheck_finds_nothing_in_the_install_script() -> None:
    shellcheck = tool("shellcheck")
    done = subprocess.run([shellcheck, str(INSTALL)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_install_into_a_root_needs_no_root_privileges() -> None:
    """Run as an unprivileged user: as the suite's own user, or as nobody when it runs as
    root (CI); the files still land, with the modes they should have."""
    with tempfile.TemporaryDirectory() as name:  # in /tmp, which nobody can enter
        root = Path(name) / "root"
        root.mkdir()
        # A copy of the checkout that any user can read (CI's clone may sit under /root).
        source = Path(name) / "source"
        shutil.copytree(
            REPO,
            source,
            symlinks=True,
            ignore=shutil.ignore_patterns(
                ".git", ".venv", "var", "tests", "test-artifacts", "*.whl", "__pycache__"
            ),
        )
        command = ["bash", str(source / "deploy/install.sh"), "--root", str(root)]
        owner = os.geteuid()
        if owner == 0:
            setpriv = tool("setpriv")
            owner = 65534
            os.chmod(name, 0o755)
            os.chown(root, owner, owner)
            command = [setpriv, f"--reuid={owner}", f"--regid={owner}", "--clear-groups", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert mode(root / "etc/wms/wms.env") == "0o640"
        assert (root / "etc/systemd/system/wms-web.service").stat().st_uid == owner
