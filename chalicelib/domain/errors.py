"""Domain exceptions. Handlers map each family to one HTTP status in one place
(``chalicelib/handlers/_http.py``); the domain never speaks HTTP."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a caller can act on. ``code`` is stable snake_case."""

    code = "error"
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 details: list[FieldError] | tuple[FieldError, ...] = ()):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = list(details)
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """The input is malformed or breaks a format rule (HTTP 400)."""

    code = "validation_failed"
    default_message = "请求参数校验失败"

    @classmethod
    def on(cls, field: str, message: str, code: str | None = None) -> "ValidationFailed":
        return cls(f"{field}: {message}", code=code, details=[FieldError(field, message)])


class Unauthenticated(DomainError):
    code = "unauthenticated"
    default_message = "未登录或登录已失效"


class Forbidden(DomainError):
    code = "forbidden"
    default_message = "无权执行该操作"


class NotFound(DomainError):
    code = "not_found"
    default_message = "资源不存在"


class Conflict(DomainError):
    """A uniqueness clash, a concurrent update, or a wrong state (HTTP 409)."""

    code = "conflict"
    default_message = "操作与当前状态冲突"


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = "操作过于频繁，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after_s: int = 60, **kw):
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class DependencyFailed(DomainError):
    """A downstream service did not answer as it should (HTTP 503)."""

    code = "dependency_failed"
    default_message = "依赖服务暂不可用"


class DependencyUnavailable(DependencyFailed):
    """A dependency timed out, refused the connection or throttled: try again later (HTTP 503
    with ``Retry-After``). Codes: ``<dependency>_unavailable`` / ``<dependency>_throttled``."""

    code = "dependency_unavailable"

    def __init__(self, message: str | None = None, *, retry_after_s: int = 5, **kw):
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class Collector:
    """Run several validations and report every failed field at once.

        c = Collector()
        code = c.run(lambda: validators.credit_code(raw, "unit.credit_code"))
        c.raise_if_any()
    """

    def __init__(self) -> None:
        self.details: list[FieldError] = []
        self.codes: list[str] = []

    def run(self, check):
        try:
            return check()
        except ValidationFailed as exc:
            self.details.extend(exc.details)
            self.codes.append(exc.code)
            return None

    def add(self, error: "ValidationFailed") -> None:
        self.details.extend(error.details)
        self.codes.append(error.code)

    def raise_if_any(self) -> None:
        if self.details:
            code = self.codes[0] if len(set(self.codes)) == 1 else "validation_failed"
            raise ValidationFailed(f"{len(self.details)} 个字段未通过校验", code=code, details=self.details)
