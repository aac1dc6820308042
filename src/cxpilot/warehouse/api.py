"""HTTP API of the warehouse domain: post events and answers to the inbox."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from cxpilot.kernel.api import TokenAuth
from cxpilot.warehouse.inbox import inbox_receive

router = Router(tags=["inbox"], auth=TokenAuth())


class InboxIn(Schema):
    source: str = "api"
    records: list[dict[str, Any]]


class ReceiptOut(Schema):
    accepted: int
    duplicates: int
    ids: list[str]


@router.post("/inbox/{table}", response={202: ReceiptOut})
def post_inbox(
    request: HttpRequest, table: Literal["interactions", "responses"], body: InboxIn
) -> Status[dict[str, Any]]:
    """Post interactions or survey responses (import-format fields, up to 1,000 per call).

    Answered 202 only once the records are committed to the inbox; they reach the warehouse
    at the next flush. Posting the same ids again stores nothing twice.
    """
    receipt = inbox_receive(
        table=table,
        records=body.records,
        source=body.source,
        actor=request.user,
        where="body.records",
    )
    return Status(202, receipt.as_dict())
