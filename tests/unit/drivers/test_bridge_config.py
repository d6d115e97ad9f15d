"""The bridge's tables in the gateway's TOML file: what is read, and how mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.config import ConfigError, config_path, parse_config

FULL = """
[printers.packing]
backend = "directory"
target = "var/prints/packing"

[bridge]
app_url = "http://127.0.0.1:8000/"
token_file = "var/station-token"
spool = "var/bridge-spool"

[scanners.dock]
url = "var/dev/dock-scanner"
station = "dock"
terminator = "CR"
baudrate = 9600
gs_replacement = "~"
presentation_mode = true
repeat_window_ms = 1500

[scanners.pack-1]
url = "/dev/serial/by-id/usb-Honeywell-if00"
station = "packing"
terminator = "CRLF"
baudrate = 115200
"""


def test_the_bridge_reads_its_tables_and_ignores_the_printers() -> None:
    config = parse_config(FULL)
    assert config.app_url == "http://127.0.0.1:8000"
    assert config.token is None and config.token_file == Path("var/station-token")
    assert config.spool == Path("var/bridge-spool")
    dock, packing = config.scanners["dock"], config.scanners["pack-1"]
    assert (dock.url, dock.station, dock.terminator, dock.baudrate, dock.gs_replacement,
            dock.repeat_window) == ("var/dev/dock-scanner", "dock", "CR", 9600, "~", 1.5)
    assert (packing.station, packing.terminator, packing.baudrate, packing.gs_replacement,
            packing.repeat_window) == ("packing", "CRLF", 115200, None, None)


def test_a_file_without_bridge_tables_gives_defaults_and_no_scanners() -> None:
    config = parse_config('[printers.x]\nbackend = "dummy"\n')
    assert config.scanners == {}
    assert config.app_url == "http://127.0.0.1:8000"
    assert config.token_file == Path("var/station-token")


def test_a_token_in_the_file_is_used_as_is() -> None:
    config = parse_config('[bridge]\ntoken = "s3cret"\n')
    assert config.read_token() == "s3cret"
    assert config.token_file is None


@pytest.mark.parametrize(("toml", "message"), [
    ('[bridge]\napp_url = "127.0.0.1:8000"', "[bridge] app_url: an http:// or https://"),
    ('[bridge]\ntoken = "a"\ntoken_file = "b"', "[bridge] token, token_file: set one"),
    ('[bridge]\nretry_max_seconds = "soon"', "[bridge] retry_max_seconds: a number"),
    ('[bridge]\napp_uri = "http://x"', "[bridge] app_uri: unknown key"),
    ('[scanners.dock]\nstation = "dock"', "[scanners.dock] url: missing"),
    ('[stations.dock]\n[stations.packing]\n[scanners.dock]\nurl = "/dev/ttyACM0"\n'
     'station = "dok"',
     "[scanners.dock] station: one of the [stations] tables (dock, packing), not 'dok'"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"', "[scanners.dock] station: the name of a station"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nterminator = "cr lf"',
     "[scanners.dock] terminator: one of CR, LF, CRLF"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nbaudrate = "9600"',
     "[scanners.dock] baudrate: a positive whole number"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nbaudrate = 0',
     "[scanners.dock] baudrate"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\ngs_replacement = "ab"',
     "[scanners.dock] gs_replacement: one printable character"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\ngs_replacement = "A"',
     "[scanners.dock] gs_replacement"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\ndedupe_seconds = 1',
     "[scanners.dock] dedupe_seconds: no longer used; every read of a trigger scanner counts"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nrepeat_window_ms = 500',
     "[scanners.dock] repeat_window_ms: only for a scanner in presentation mode"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\npresentation_mode = "yes"',
     "[scanners.dock] presentation_mode: true or false"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\npresentation_mode = true\n'
     'repeat_window_ms = 0', "[scanners.dock] repeat_window_ms: a whole number of milliseconds"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nterminater = "CR"',
     "[scanners.dock] terminater: unknown key"),
    ('[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dock"\nreconnect_max_seconds = 0.1',
     "[scanners.dock] reconnect_max_seconds: at least reconnect_min_seconds"),
    ('[scanners."dock scanner"]\nurl = "/dev/ttyACM0"\nstation = "dock"',
     "[scanners.dock scanner]: a scanner name is"),
    ('[scanners.a]\nurl = "/dev/ttyACM0"\nstation = "dock"\n'
     '[scanners.b]\nurl = "/dev/ttyACM0"\nstation = "packing"',
     "[scanners.b] url: '/dev/ttyACM0' is already [scanners.a]'s device"),
    ("scanners = 3", "[scanners]: must be a table"),
    ("[bridge\n", "configuration: "),
])
def test_a_bad_value_is_refused_with_its_table_and_key(toml: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(toml)
    assert str(error.value).startswith(message)


def test_the_config_path_comes_from_the_option_then_the_environment_then_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WMS_CONFIG_PATH", raising=False)
    assert config_path() == Path("var/wms.toml")
    monkeypatch.setenv("WMS_CONFIG_PATH", "/etc/wms/wms.toml")
    assert config_path() == Path("/etc/wms/wms.toml")
    assert config_path("site.toml") == Path("site.toml")


def test_the_environment_can_point_the_bridge_at_another_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drivers.config import load_config

    file = tmp_path / "wms.toml"
    file.write_text('[bridge]\napp_url = "http://127.0.0.1:8000"\ntoken = "t"\n')
    assert load_config(file).app_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("WMS_BRIDGE_APP_URL", "http://127.0.0.1:8123/")
    assert load_config(file).app_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("WMS_BRIDGE_APP_URL", "localhost:8123")
    with pytest.raises(ConfigError, match="WMS_BRIDGE_APP_URL app_url: an http"):
        load_config(file)
