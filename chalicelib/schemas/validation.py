"""pydantic validation errors as the domain's field-level ValidationFailed."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import FieldError, ValidationFailed


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    return [FieldError(f"{prefix}{'.'.join(str(p) for p in err['loc']) or 'body'}", err["msg"])
            for err in exc.errors(include_url=False)]


def parse_model(model: type[BaseModel], data: Any, *, prefix: str = "") -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = field_errors(exc, prefix)
        raise ValidationFailed(f"{len(details)} 个字段未通过校验", details=details) from None
