import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

# Instants a user may give (windows, deadlines): years the platform can store, sort and convert
# to any offset. Found by the fuzz: year 0223 was stored as "223-…" and could not be read back,
# and 9999-12-31T23:00-05:00 overflows when converted to UTC (both 500s).
INSTANT_YEARS = (2000, 2199)


def _within_years(value: datetime) -> datetime:
    if not INSTANT_YEARS[0] <= value.year <= INSTANT_YEARS[1]:
        raise ValueError(f"年份须在 {INSTANT_YEARS[0]} 至 {INSTANT_YEARS[1]} 之间")
    return value


Instant = Annotated[datetime, AfterValidator(_within_years)]
AwareInstant = Annotated[AwareDatetime, AfterValidator(_within_years)]

# Text shown to other users: no control, format (bidi overrides, zero-width), surrogate, private or
# unassigned characters, as organisation names and catalog labels already refuse (found by the
# hand-written unicode cases: role and project names took NUL, U+202E and U+200B).
# Emoji, combining marks and 4-byte characters are text and kept as written.
_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn")


def _printable(allowed: str):
    def check(value: str) -> str:
        if any(unicodedata.category(c) in _INVISIBLE for c in value if c not in allowed):
            raise ValueError("不能包含控制字符或不可见字符")
        return value
    return check


Label = Annotated[str, AfterValidator(_printable(""))]  # one line: a name
Prose = Annotated[str, AfterValidator(_printable("\t\n\r"))]  # lines: an announcement, a remark


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
