"""Errors a user can cause; each has a code the bot turns into a polite, translated message."""


class DomainError(Exception):
    code = "error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
