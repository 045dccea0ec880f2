"""A DynamoDB round trip for /health: write, read back consistently, delete."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.store.tables import MainTable


def round_trip(token: str, now: datetime) -> None:
    MainTable(pk="health#probe", sk=token, expires_at=now + timedelta(hours=1)).save()
    MainTable.get("health#probe", token, consistent_read=True)
    MainTable(pk="health#probe", sk=token).delete()
