"""Item labels printed on request from the office: one per chosen item, through the print
queue (the item/lot label document, without a lot)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Invalid, UnknownItem
from wms.models import Item, PrintJob
from wms.services.audit import record
from wms.services.print_jobs import enqueue, item_label_data
from wms.site_config import SiteConfig


def queue_item_labels(session: Session, skus: Sequence[str], printer: str,
                      config: SiteConfig, user_id: int | None) -> list[PrintJob]:
    """One item label per chosen item for `printer`, in the print queue."""
    wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if not wanted:
        raise Invalid("skus: choose at least one item", field="skus")
    if printer not in config.printers:
        raise Invalid(f"printer: no printer {printer!r} is configured", field="printer")
    items = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(wanted)))}
    missing = [s for s in wanted if s not in items]
    if missing:
        raise UnknownItem(f"no item {missing[0]}", sku=missing[0])
    jobs = [enqueue(session, document="lot_label", data=item_label_data(items[sku]),
                    printer=printer, gateway=config.gateway, user_id=user_id, title=sku,
                    reference=sku)
            for sku in wanted]
    record(session, user_id, "item.labels", ", ".join(wanted)[:128], printer=printer,
           jobs=[j.id for j in jobs])
    return jobs


def label_printers(config: SiteConfig) -> list[str]:
    """The printers an item label may go to: those printing lot labels first."""
    first = config.printers_for("lot_label")
    return first + [name for name in config.printers if name not in first]
