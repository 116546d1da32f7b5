"""Domain errors. Each has a stable machine code, an HTTP status and a human (translatable) message.
The API's one error handler and the portal turn them into responses; nothing else should."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class FupinError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, code: str | None = None, details: Any = None) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidInput(FupinError):
    code = "invalid_input"
    status = 422
    default_message = _("The input is not valid.")


class NotFound(FupinError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class AccessDenied(FupinError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")
    logged = False  # whether the refusal's one security event is written (`fupin.core.access.deny`, `log_refusal`)
    detail = ""  # what the security log says of it (roles, region, organisation)


class Conflict(FupinError):
    code = "conflict"
    status = 409
    default_message = _("The object was changed by someone else; reload and try again.")


class TransitionNotAllowed(FupinError):
    code = "transition_not_allowed"
    status = 409
    default_message = _("This action is not allowed in the object's current state.")


class PeriodLocked(FupinError):
    code = "period_locked"
    status = 409
    default_message = _("The period is locked.")
