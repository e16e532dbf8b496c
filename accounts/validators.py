import re

from django.core.exceptions import ValidationError

MSG_LETTERS_DIGITS = "Your password must contain at least one letter and one digit."


class LettersAndDigitsValidator:
    """SEC-2: passwords need letters and digits."""

    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError(MSG_LETTERS_DIGITS, code="password_letters_digits")

    def get_help_text(self) -> str:
        return MSG_LETTERS_DIGITS
