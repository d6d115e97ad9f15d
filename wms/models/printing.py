"""The print queue: documents waiting for, being sent to, or sent to a printer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wms.config import DEFAULT_GATEWAY
from wms.models.base import Base, UTCDateTime, utcnow

JOB_STATUSES = ("queued", "printing", "printed", "failed", "cancelled")


class PrintJob(Base):
    """One document for one printer. `content` holds the bytes sent (rendered once, so a
    retry sends exactly what the first attempt did); `lease_until` lets another worker take
    over a job whose worker died while sending it. `gateway` is the gateway whose printer it
is for: only that gateway's worker sends it (two gateways may each have a printer of the
same name)."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued','printing','printed','failed','cancelled')", name="status_known"
        ),
        Index("ix_print_jobs_due", "status", "next_attempt_at"),
        Index("ix_print_jobs_gateway_printer", "gateway", "printer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    gateway: Mapped[str] = mapped_column(String(64), server_default=DEFAULT_GATEWAY)
    printer: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why the last attempt failed, a code of wms.services.print_jobs.PRINT_ERRORS
    error_reason: Mapped[str | None] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
