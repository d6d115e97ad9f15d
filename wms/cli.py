"""The `wms` command: set up, serve, manage users and tokens, verify and back up."""

from __future__ import annotations

import contextlib
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wms.config import load_settings
from wms.errors import WmsError
from wms.roles import ROLES
from wms.schema import ensure_schema

if TYPE_CHECKING:
    from wms.db import Database

# The database, the models and the hardware commands are imported by the commands that use
# them: `wms serve` after a crash loads none of them before handing over to gunicorn.


def _db() -> Database:
    from wms.db import Database

    settings = load_settings()
    return Database(settings.database_url, background_checkpoints=not settings.litestream)


class _Commands(click.Group):
    """The commands, plus those of the hardware processes (print worker, scanner bridge),
    which register themselves under the `wms.commands` entry point (so this package never
    imports them) and are loaded only when named or listed."""

    def _plugins(self) -> dict[str, Any]:
        return {entry.name: entry for entry in entry_points(group="wms.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in (plugins := self._plugins()):
            command = plugins[cmd_name].load()
        return command


@click.group(cls=_Commands)
def main() -> None:
    """Warehouse terminal service."""


@main.command()
@click.option("--demo", is_flag=True, help="Also load the demo warehouse.")
@click.option("--fresh", is_flag=True,
              help="With --demo: throw the SQLite demo database away first (with its tokens, "
                   "the bridge's waiting scans and the heartbeats) and load a new one.")
def init(demo: bool, fresh: bool) -> None:
    """Create or migrate the database (var/wms.sqlite3 unless WMS_DATABASE_URL says)."""
    from sqlalchemy.engine import make_url

    from wms.demo import DEMO_USERS, demo_exists, load_demo

    url = load_settings().database_url
    if fresh:
        if not demo:
            raise click.UsageError("--fresh starts the demo again: use it with --demo")
        _forget_demo(url)
    ensure_schema(url)
    click.echo(f"database ready: {make_url(url).render_as_string(hide_password=True)}")
    if not demo:
        return
    token_file = Path("var/demo-api-token")
    with _db().write() as session:
        if demo_exists(session):
            click.echo("demo warehouse already loaded")
        else:
            token = load_demo(session)
            token_file.parent.mkdir(parents=True, exist_ok=True)
            token_file.write_text(token + "\n")
            token_file.chmod(0o600)
            click.echo("demo warehouse loaded")
    _write_demo_hardware_config(Path(load_settings().config_path))
    _write_station_token(Path("var/station-token"))
    click.echo("Demo logins (role, user / password / badge + PIN):")
    for u in DEMO_USERS:
        click.echo(f"  {u.role:<10} {u.username:<6} / {u.password:<11} / {u.badge} + {u.pin}")


def _forget_demo(url: str) -> None:
    """Delete the demo's SQLite database and what belongs to it, unless something has it open."""
    import shutil

    from wms.backups import BackupError, database_not_in_use, sqlite_path

    settings = load_settings()
    try:
        database = sqlite_path(url)
        with database_not_in_use(database):
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"),
                         Path("var/demo-api-token"), Path("var/station-token")):
                path.unlink(missing_ok=True)
    except BackupError as error:
        raise click.ClickException(
            f"{error}; for the demo: stop `make run` (Ctrl-C) first") from error
    spool = "var/bridge-spool"  # the demo's; or where its hardware file puts it
    config = Path(settings.config_path)
    if config.exists():
        import tomllib

        with contextlib.suppress(tomllib.TOMLDecodeError):
            spool = tomllib.loads(config.read_text(encoding="utf-8")).get(
                "bridge", {}).get("spool", spool)
    for folder in (spool, settings.heartbeat_dir):
        shutil.rmtree(folder, ignore_errors=True)
    click.echo(f"demo database {database} removed")


def _write_station_token(path: Path) -> None:
    """The scanner bridge's token, where the demo's hardware file says to find it."""
    from wms.demo import bridge_token
    from wms.site_config import load_site_config

    if path.exists():
        return
    settings = load_settings()
    stations = sorted(load_site_config(settings.config_path, settings.gateway).stations)
    with _db().write() as session:
        token = bridge_token(session, stations, settings.gateway)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(0o600)
    click.echo(f"scanner bridge token written to {path}")


def _write_demo_hardware_config(path: Path) -> None:
    """The demo's printers: folders under var/prints standing in for real printers."""
    from wms.site_config import DEMO_CONFIG, load_site_config

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEMO_CONFIG, encoding="utf-8")
        click.echo(f"demo hardware configuration written to {path}")
    for printer in load_site_config(path).printers.values():
        if printer.backend == "directory":
            Path(printer.target).mkdir(parents=True, exist_ok=True)


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
def serve(port: int, host: str, workers: int, threads: int) -> None:
    """Migrate the database (unless it is up to date), then serve the app with gunicorn."""
    ensure_schema(load_settings().database_url)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # --preload: the master imports the app once and forks the workers, so a restart pays
    # for one import instead of one per worker competing for the same cores.
    args = [str(gunicorn), "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", "gthread", "--timeout", "30",
            "--preload", "--config", "python:terminal_ui.serving", "--access-logfile", "-",
            "terminal_ui:create_app()"]
    os.execv(args[0], args)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--pin", help="4 to 8 digits, for badge sign-in on handhelds.")
@click.option("--password", help="At least 8 characters.")
@click.option("--badge", help="Badge barcode.")
@click.option("--display-name")
def user_add(name: str, role: str, pin: str | None, password: str | None, badge: str | None,
             display_name: str | None) -> None:
    """Add a user with a role."""
    from wms.auth import add_user

    try:
        with _db().write() as session:
            add_user(session, name, role, pin=pin, password=password, badge=badge,
                     display_name=display_name)
    except WmsError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"user {name} added with role {role}")


@user.command("deactivate")
@click.argument("name")
def user_deactivate(name: str) -> None:
    """Deactivate a user: no sign-in, their sessions and API tokens stop working."""
    from wms.auth import deactivate_user

    try:
        with _db().write() as session:
            deactivate_user(session, name)
    except WmsError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"user {name} deactivated")


@user.command("secrets")
@click.argument("name")
@click.option("--password", help="A new password, at least 8 characters.")
@click.option("--pin", help="A new PIN, 4 to 8 digits.")
def user_secrets(name: str, password: str | None, pin: str | None) -> None:
    """Set a new password and/or PIN; the user's signed-in sessions end."""
    from wms.auth import set_secrets

    if password is None and pin is None:
        raise click.ClickException("give --password, --pin or both")
    try:
        with _db().write() as session:
            set_secrets(session, name, password=password, pin=pin)
    except WmsError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"new secrets set for {name}; their sessions ended")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--station", "stations", multiple=True,
              help="A station device's token (the scanner bridge's): it may only post scans "
                   "and device events for this station and read its state. Repeat for each "
                   "station its scanners feed.")
def token_create(name: str, stations: tuple[str, ...]) -> None:
    """Print a new API token for user NAME (and nothing else)."""
    from wms.auth import create_token
    from wms.site_config import load_site_config

    settings = load_settings()
    known = load_site_config(settings.config_path, settings.gateway).stations
    unknown = [s for s in stations if s not in known]
    if unknown:
        raise click.ClickException(f"no station {unknown[0]} in the hardware file; "
                                   f"stations: {', '.join(sorted(known)) or 'none'}")
    try:
        with _db().write() as session:
            value = create_token(session, name, list(stations) or None,
                                 gateway=settings.gateway)
    except WmsError as error:
        raise click.ClickException(error.message) from error
    click.echo(value)


@main.command()
def verify() -> None:
    """Rebuild every balance from the ledger and compare; check that each location's empty
    flag agrees with its balances; exit 1 on any difference."""
    from wms.ledger import verify_balances, verify_empty_flags
    from wms.models import Item, Location, Lot

    with _db().read() as session:
        differences = verify_balances(session)
        flags = verify_empty_flags(session)
        for d in differences:
            location, item, lot = (session.get(Location, d.location_id),
                                   session.get(Item, d.item_id), session.get(Lot, d.lot_id))
            where = location.code if location else f"location #{d.location_id}"
            what = item.sku if item else f"item #{d.item_id}"
            batch = lot.code if lot else f"lot #{d.lot_id}"
            click.echo(f"{where} {what} lot {batch}: ledger {d.ledger_qty}, balance "
                       f"{d.balance_qty}", err=True)
    for f in flags:
        said, held = ("empty", "holds units") if f.flagged_empty else ("not empty", "holds none")
        click.echo(f"{f.code}: flagged {said}, but {held}", err=True)
    if differences:
        click.echo(f"{len(differences)} balance(s) disagree with the ledger", err=True)
    if flags:
        click.echo(f"{len(flags)} location(s) flagged wrongly as empty or not", err=True)
    if differences or flags:
        sys.exit(1)
    click.echo("ledger and balances agree")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--keep-daily", type=click.IntRange(min=0), default=7, show_default=True,
              help="Keep the newest backup of each of this many days.")
@click.option("--keep-weekly", type=click.IntRange(min=0), default=4, show_default=True,
              help="Keep the newest backup of each of this many ISO weeks.")
def backup(path: Path | None, keep_daily: int, keep_weekly: int) -> None:
    """Back the database up while it stays in use: a consistent copy of a SQLite database, a
    pg_dump custom-format dump of a PostgreSQL one (its client programs installed). To PATH,
    or without PATH into the backup directory (WMS_BACKUP_DIR, default var/backups) as
    wms-YYYYmmddTHHMMSSZ.sqlite3 or .pgdump, deleting the backups retention does not keep."""
    from wms.backups import BackupError, prune, take_backup, write_backup

    settings = load_settings()
    try:
        if path is not None:
            write_backup(settings, path)
            click.echo(f"backed up to {path}")
            return
        taken = take_backup(settings)
        deleted = prune(settings, keep_daily, keep_weekly)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backed up to {taken}")
    if deleted:
        click.echo(f"deleted {len(deleted)} older backup(s): "
                   f"{', '.join(p.name for p in deleted)}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="PostgreSQL: disconnect the other sessions connected to the database "
                   "instead of refusing.")
def restore(path: Path, force: bool) -> None:
    """Bring the database back from the backup PATH: checked, refused if its schema is newer
    than this version's, migrated up if it is older, swapped in for the database. A SQLite
    database is kept beside it as <database>.replaced-<time>, PostgreSQL tables in the schema
    wms_replaced_<time>. Stop the services first (on PostgreSQL, on every gateway)."""
    from wms.backups import SERVICES, BackupError, restore

    click.echo(f"the services must be stopped while the database is replaced "
               f"(systemctl stop {SERVICES})")
    try:
        restored = restore(load_settings(), path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    migrated = ("" if restored.backup_revision == restored.revision else
                f", migrated from schema {restored.backup_revision} to {restored.revision}")
    click.echo(f"restored {path}{migrated}")
    kept = restored.kept()
    if kept is not None:
        click.echo(kept)
    click.echo(f"start the services again: systemctl start {SERVICES}")


@main.command()
@click.option("--force", is_flag=True,
              help="PostgreSQL: disconnect the other sessions connected to the database "
                   "instead of refusing.")
def upgrade(force: bool) -> None:
    """Back up the database, migrate it to this version's schema, and bring the backup back
    if the migration fails (exit 1), on SQLite and on PostgreSQL. Refused while the database
    is in use: stop the services first."""
    from wms.backups import BackupError, upgrade_database

    try:
        click.echo(upgrade_database(load_settings(), force=force))
    except BackupError as error:
        raise click.ClickException(str(error)) from error

