"""The Alembic migrations build exactly the schema the models describe, and carry the data
along."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, create_engine, inspect, select, text

from tests.support.postgres import scratch_database
from wms.db import Database
from wms.models import Base, Move, ReceiptLine, StationState
from wms.schema import upgrade


def test_the_migrated_database_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrated_database_has_every_table_and_the_ledger_guards(db: Database) -> None:
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    assert set(Base.metadata.tables) <= tables
    checks = {c["name"] for c in inspector.get_check_constraints("stock_balances")}
    assert {"ck_stock_balances_qty_not_negative",
            "ck_stock_balances_reserved_within_qty"} <= checks



@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    server: str = request.getfixturevalue("postgres_template")
    with scratch_database(server, "m") as url:
        yield url


def tables_at(url: str, revision: str) -> tuple[Engine, dict[str, Table]]:
    """The database migrated to `revision`, and its tables as they were then."""
    upgrade(url, revision)
    engine = create_engine(url)
    old = MetaData()
    old.reflect(engine)
    return engine, dict(old.tables)


STORED_REASONS = ["破损", "Broken in handling", "Expired or short-dated", "cycle count",
                  "杯口有裂纹", " damaged ", "lost", "缺标签"]


def test_reasons_stored_as_labels_become_codes_and_other_text_becomes_a_note(
    empty_database_url: str,
) -> None:
    """A database from before reasons were codes held the label the clerk tapped, in English
    or Chinese: known labels become codes, any other text is `other` with the text as note."""
    url = empty_database_url
    engine, t = tables_at(url, "0004")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(t["warehouses"].insert().values(id=1, code="WH1", name="一号仓"))
        conn.execute(t["locations"].insert().values(id=1, code="DOCK-1", warehouse_id=1,
                                                    kind="dock", walk_seq=0, blocked=False))
        conn.execute(t["items"].insert().values(id=1, sku="CUP", name="茶杯", uom="pcs",
                                                tracking="none", expiry=False, unit_cost=0,
                                                pack_size=1))
        conn.execute(t["lots"].insert().values(id=1, item_id=1, code="R1", internal=True,
                                               received_at=now))
        conn.execute(t["receipts"].insert().values(id=1, location_id=1, at=now))
        for n, reason in enumerate(STORED_REASONS, start=1):
            conn.execute(t["moves"].insert().values(id=n, at=now, kind="scrap", item_id=1,
                                                    lot_id=1, qty=1, from_location_id=1,
                                                    reason=reason))
            conn.execute(t["receipt_lines"].insert().values(
                id=n, receipt_id=1, item_id=1, lot_id=1, qty=1, disposition="reject",
                reason=reason))
        for station, reason in (("dock", "缺标签"), ("dock-2", "wet")):
            conn.execute(t["station_states"].insert().values(
                station=station, data={"disposition": "quarantine", "reason": reason},
                version=1, updated_at=now))
    upgrade(url)

    expected = [("damaged", None), ("broken", None), ("expired", None),
                ("cycle_count", None), ("other", "杯口有裂纹"), ("damaged", None),
                ("lost", None), ("missing_label", None)]
    db = Database(url)
    with db.read() as s:
        moves = s.execute(select(Move.reason, Move.note).order_by(Move.id)).all()
        lines = s.execute(select(ReceiptLine.reason, ReceiptLine.note)
                          .order_by(ReceiptLine.id)).all()
        stations = {st.station: st.data for st in s.scalars(select(StationState))}
    db.dispose()
    engine.dispose()
    assert [tuple(m) for m in moves] == expected
    assert [tuple(r) for r in lines] == expected
    # A remembered inspection choice keeps its reason as a code; one without a code is
    # dropped back to accept, so no later scan is booked under a reason nobody chose.
    assert stations == {"dock": {"disposition": "quarantine", "reason": "missing_label"},
                        "dock-2": {"disposition": "accept", "reason": None}}


def test_items_from_before_forecast_methods_forecast_by_the_moving_average(
    empty_database_url: str,
) -> None:
    """0009 gives every item the moving average (the daily demand it always had) and the
    demand moves their partial index; going back takes both away and forward again adds
    them again."""
    from alembic import command

    from wms.schema import alembic_config

    url = empty_database_url
    engine, t = tables_at(url, "0008")
    with engine.begin() as conn:
        conn.execute(t["items"].insert().values(
            id=1, sku="CUP", name="茶杯", uom="pcs", tracking="none", expiry=False,
            unit_cost=0, pack_size=1))
    upgrade(url)

    def state() -> tuple[list[Any], set[str]]:
        inspector = inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("items")}
        indexes = {i["name"] for i in inspector.get_indexes("moves")}
        with engine.connect() as conn:
            methods = list(conn.execute(text(
                "SELECT sku, forecast_method FROM items")).all()) \
                if "forecast_method" in columns else []
        return [tuple(m) for m in methods], indexes

    methods, indexes = state()
    assert methods == [("CUP", "moving_average")]
    assert "ix_moves_demand_at" in indexes
    # partial on both engines: the demand moves alone
    with engine.connect() as conn:
        definition = conn.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_moves_demand_at'"
            if engine.dialect.name == "sqlite" else
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_moves_demand_at'")).scalar()
    assert "WHERE" in definition and "'ship'" in definition \
        and "'customer_return'" in definition
    command.downgrade(alembic_config(url), "0008")
    engine.dispose()
    methods, indexes = state()
    assert methods == [] and "ix_moves_demand_at" not in indexes
    upgrade(url)
    engine.dispose()
    assert state() == ([("CUP", "moving_average")], indexes | {"ix_moves_demand_at"})
    engine.dispose()


def test_print_jobs_and_stations_from_before_gateways_belong_to_the_main_gateway(
    empty_database_url: str,
) -> None:
    """0010 gives every print job, station state and station event the gateway "main" (the
    name of a gateway that names none): its worker sends the job waiting, its dock keeps the
    inspection chosen, its bridge's token still works; going back to 0009 and forward again
    keeps them."""
    from alembic import command

    from wms.auth import caller_for_token
    from wms.models import PrintJob, StationEvent
    from wms.schema import alembic_config
    from wms.services.print_jobs import claim_next
    from wms.services.stations import station_view
    from wms.site_config import StationConfig

    url = empty_database_url
    engine, t = tables_at(url, "0009")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(t["print_jobs"].insert().values(
            id=1, document="bin_label", title="A-01", data={"code": "A-01"}, printer="dock",
            status="queued", attempts=0, created_at=now, next_attempt_at=now))
        conn.execute(t["station_states"].insert().values(
            station="dock", data={"disposition": "reject", "reason": "damaged"}, version=1,
            updated_at=now))
        conn.execute(t["station_events"].insert().values(
            id=1, station="dock", version=1, kind="scan", raw="PO-1", outcome="ok",
            message="receiving_order", params={}, at=now))
        conn.execute(t["users"].insert().values(id=1, username="bridge", role="operator",
                                                active=True, created_at=now))
        for token_id, stations in ((1, "dock"), (2, None)):  # the bridge's, a person's
            conn.execute(t["api_tokens"].insert().values(
                id=token_id, user_id=1,
                token_hash=hashlib.sha256(f"wms_{token_id}".encode()).hexdigest(),
                created_at=now, revoked=False, stations=stations))
    engine.dispose()

    def main_gateway_sees_its_own() -> None:
        upgrade(url)
        db = Database(url)
        dock = StationConfig("dock", "dock", "DOCK-1", gateway="main")
        with db.read() as s:
            assert s.execute(select(PrintJob.id, PrintJob.gateway)).all() == [(1, "main")]
            view = station_view(s, dock)
            assert view.data == {"disposition": "reject", "reason": "damaged"}
            assert [e.raw for e in view.events] == ["PO-1"]
            assert s.scalars(select(StationEvent.gateway)).all() == ["main"]
            other = station_view(s, StationConfig("dock", "dock", "DOCK-1", gateway="south"))
            assert (other.data, other.events) == ({}, [])
            # the bridge's token is main's; a person's token is every gateway's
            assert [caller_for_token(s, f"wms_{n}").gateway for n in (1, 2)] == ["main", None]
        with db.write() as s:
            assert claim_next(s, "south", ["dock"], datetime.now(UTC),
                              timedelta(seconds=30)) is None
            s.rollback()
        db.dispose()

    main_gateway_sees_its_own()
    command.downgrade(alembic_config(url), "0009")
    main_gateway_sees_its_own()
    db = Database(url)
    with db.write() as s:
        job = claim_next(s, "main", ["dock"], datetime.now(UTC), timedelta(seconds=30))
        assert job is not None and job.id == 1
    db.dispose()


def test_locations_from_before_empty_flags_are_flagged_by_their_balances(
    empty_database_url: str,
) -> None:
    """0011 flags each location empty or not from its balances (a balance at nothing counts
    as nothing); the putaway search then finds the empty bin; back to 0010 and forward again
    flags them the same."""
    from alembic import command

    from wms.ledger import verify_empty_flags
    from wms.schema import alembic_config
    from wms.services.putaway import suggest_putaway

    url = empty_database_url
    engine, t = tables_at(url, "0010")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(t["warehouses"].insert().values(id=1, code="WH1", name=""))
        for loc_id, code, kind in ((1, "DOCK-1", "dock"), (2, "A-01", "storage"),
                                   (3, "A-02", "storage"), (4, "A-03", "storage")):
            conn.execute(t["locations"].insert().values(
                id=loc_id, code=code, warehouse_id=1, kind=kind, walk_seq=loc_id,
                blocked=False))
        conn.execute(t["items"].insert().values(
            id=1, sku="CUP", name="Cup", uom="pcs", tracking="none", expiry=False,
            unit_cost=0, pack_size=1))
        conn.execute(t["lots"].insert().values(id=1, item_id=1, code="INTERNAL",
                                               internal=True, received_at=now))
        for balance_id, loc_id, qty in ((1, 1, 5), (2, 2, 3), (3, 3, 0)):
            conn.execute(t["stock_balances"].insert().values(
                id=balance_id, location_id=loc_id, item_id=1, lot_id=1, qty=qty, reserved=0))
    engine.dispose()

    def flags() -> dict[str, bool]:
        upgrade(url)
        db = Database(url)
        with db.read() as s:
            assert verify_empty_flags(s) == []
            found = {code: flag for code, flag in s.execute(
                text("SELECT code, empty FROM locations"))}
            advice = suggest_putaway(s, sku="CUP", qty=1, from_location="DOCK-1")
        db.dispose()
        assert {b.code for b in advice.suggestions} >= {"A-02", "A-03"}
        return {code: bool(flag) for code, flag in found.items()}

    expected = {"DOCK-1": False, "A-01": False, "A-02": True, "A-03": True}
    assert flags() == expected
    command.downgrade(alembic_config(url), "0010")
    engine = create_engine(url)
    assert "empty" not in {c["name"] for c in inspect(engine).get_columns("locations")}
    engine.dispose()
    assert flags() == expected
