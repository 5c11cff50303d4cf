"""Forms (Flask-WTF): accounts, typed answers, corrections and confirmations."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..accounts import passwords
from ..journal.entries import MAX_TEXT

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if isinstance(value, str) else value


def _password_length() -> Length:
    return Length(
        min=passwords.MIN_LENGTH,
        max=passwords.MAX_LENGTH,
        message=f"Use between {passwords.MIN_LENGTH} and {passwords.MAX_LENGTH} characters.",
    )


class RegisterForm(FlaskForm):
    """A new account: a name, and a password typed twice."""

    username = StringField(
        "Name",
        filters=[_lower],
        validators=[
            DataRequired("Choose a name."),
            Regexp(
                USERNAME_PATTERN,
                message="Use 3 to 32 letters, digits, dots, dashes or underscores.",
            ),
        ],
        description="3 to 32 letters, digits, dots (.), dashes (-) or underscores (_). "
        "Capitals do not matter. It does not need to be your real name.",
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), _password_length()],
        description="At least 8 characters. A few unrelated words make a strong password; "
        "common and easily guessed passwords are refused.",
    )
    confirm = PasswordField(
        "Password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )

    def validate_password(self, field: PasswordField) -> None:
        """Refuse passwords that are easy to guess (zxcvbn, no network)."""
        problem = passwords.weakness(field.data or "", self.username.data)
        if problem:
            raise ValidationError(problem)


class KeptRecoveryKeyForm(FlaskForm):
    """The person confirms they kept their recovery key."""

    kept = BooleanField(
        "I have kept my recovery key somewhere safe",
        validators=[DataRequired("Keep your recovery key first, then tick this box.")],
    )


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (the base of changing it and of recovering the account)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), _password_length()],
        description="At least 8 characters; common and easily guessed passwords are refused.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    """A new password: the current one first, then the new one typed twice."""

    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )

    def validate_password(self, field: PasswordField) -> None:
        """Refuse passwords that are easy to guess (zxcvbn, no network)."""
        name = current_user.username if current_user.is_authenticated else None
        problem = passwords.weakness(field.data or "", name)
        if problem:
            raise ValidationError(problem)


class RecoverForm(NewPasswordForm):
    """Sign in with the recovery key, and choose a new password."""

    username = StringField("Name", filters=[_lower], validators=[DataRequired("Enter your name.")])
    recovery_key = StringField(
        "Recovery key",
        validators=[DataRequired("Enter your recovery key."), Length(max=100)],
        description="The 32 letters and digits you kept when you made your account, in "
        "groups of four. Capitals, spaces and dashes do not matter.",
    )

    validate_password = RegisterForm.validate_password


class LoginForm(FlaskForm):
    """Sign in with name and password."""

    username = StringField("Name", filters=[_lower], validators=[DataRequired("Enter your name.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class DeleteAccountForm(FlaskForm):
    """Deleting an account needs the password again."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm.")],
        description="Everything in your journal, recordings included, is deleted for good.",
    )


class TypedAnswerForm(FlaskForm):
    """A typed answer to one prompt (the stage page's no-JavaScript path)."""

    stage = HiddenField(validators=[DataRequired()])
    prompt = HiddenField(validators=[DataRequired()])
    client_id = HiddenField(validators=[DataRequired()])
    text = TextAreaField(
        "Your answer",
        validators=[
            DataRequired("Write an answer first, or skip this question."),
            Length(max=MAX_TEXT, message=f"Keep an answer under {MAX_TEXT:,} characters."),
        ],
    )


class CorrectionForm(FlaskForm):
    """A person's correction of a transcript."""

    transcript = TextAreaField(
        "Transcript",
        validators=[
            DataRequired("The transcript cannot be empty. To remove an answer, delete it."),
            Length(max=MAX_TEXT, message=f"Keep a transcript under {MAX_TEXT:,} characters."),
        ],
    )


class ConfirmForm(FlaskForm):
    """A confirmation with nothing but its CSRF token (deleting an entry)."""
