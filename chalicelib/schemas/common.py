from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base of every API model. Schemas are built on first use, not at import:
    building ~100 models eagerly costs ~60 ms of Lambda cold start."""

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """Base of request models: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class PageQuery(Strict):
    limit: int = Field(20, ge=1, le=100, description="page size")
    cursor: str | None = Field(None, max_length=2048, description="opaque cursor from the previous page")


class ErrorDetail(Model):
    field: str
    message: str


class ErrorBody(Model):
    code: str
    message: str
    details: list[ErrorDetail] = []
    request_id: str | None = None
    correlation_id: str | None = None


class ErrorResponse(Model):
    error: ErrorBody
