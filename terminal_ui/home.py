"""The home page: what this gateway serves and where to start."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from wms.db import Database
from wms.models import Item, Location, Move, PurchaseOrder, SalesOrder, Warehouse

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    db: Database = current_app.extensions["wms.db"]
    with db.read() as session:
        figures = {
            name: session.scalar(select(func.count()).select_from(model))
            for name, model in (("warehouses", Warehouse), ("locations", Location),
                                ("items", Item), ("purchase_orders", PurchaseOrder),
                                ("sales_orders", SalesOrder), ("moves", Move))
        }
        open_pos = session.scalars(select(PurchaseOrder).where(
            PurchaseOrder.status.in_(("open", "partial"))).order_by(PurchaseOrder.number)).all()
        open_sos = session.scalars(select(SalesOrder).where(
            SalesOrder.status != "shipped").order_by(SalesOrder.number)).all()
        return render_template("home/index.html", figures=figures, open_pos=open_pos,
                               open_sos=open_sos)
