"""Domain errors raised by services; views turn them into flashed messages."""


class LmsError(Exception):
    """A business rule said no. The message is user-facing (already translated)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
