"""Suppliers and customers from a file, by code."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.api.schemas import CustomerBody, SupplierBody
from wms.imports.records import RecordKind
from wms.imports.table import ImportColumn
from wms.models import Customer, Supplier

SUPPLIER_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("code", "供应商编码", required=True),
    ImportColumn("name", "名称"),
    ImportColumn("tier", "等级"),
    ImportColumn("contact", "联系人"),
    ImportColumn("phone", "电话"),
    ImportColumn("email", "电子邮件"),
    ImportColumn("lead_time_days", "交货天数", "int"),
    ImportColumn("notes", "备注"),
    ImportColumn("active", "启用", "bool"),
)

CUSTOMER_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("code", "客户编码", required=True),
    ImportColumn("name", "名称"),
    ImportColumn("tier", "等级"),
    ImportColumn("contact", "联系人"),
    ImportColumn("phone", "电话"),
    ImportColumn("email", "电子邮件"),
    ImportColumn("address", "地址"),
    ImportColumn("notes", "备注"),
    ImportColumn("active", "启用", "bool"),
)

Notes = Annotated[str, StringConstraints(max_length=4000)]


class SupplierRow(SupplierBody):
    """A supplier row: the API's supplier body."""


class CustomerRow(CustomerBody):
    """A customer row: the API's customer body."""


NOT_NULL: dict[str, Any] = {"name": None, "active": True}


def _clean_code(text: str) -> str:
    code = text.strip()
    if not code or len(code) > 32:
        raise ValueError("1 to 32 characters")
    return code


def _exporter(model: Any, columns: tuple[ImportColumn, ...]) -> Any:
    def export(session: Session) -> list[dict[str, Any]]:
        table = model.__table__
        return [{c.key: row[c.key] for c in columns}
                for row in session.execute(select(table).order_by(table.c.code)).mappings()]

    export.__doc__ = f"Every {model.__tablename__[:-1]} as a row of the import file."
    return export


SUPPLIERS = RecordKind(
    name="suppliers", model=Supplier, key="code", columns=SUPPLIER_COLUMNS,
    body=SupplierRow, not_null=NOT_NULL, clean_key=_clean_code,
    export=_exporter(Supplier, SUPPLIER_COLUMNS),
)
CUSTOMERS = RecordKind(
    name="customers", model=Customer, key="code", columns=CUSTOMER_COLUMNS,
    body=CustomerRow, not_null=NOT_NULL, clean_key=_clean_code,
    export=_exporter(Customer, CUSTOMER_COLUMNS),
)
