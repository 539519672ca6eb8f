"""Account forms, and the messages shown for refused account operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.accounts.identifiers import EU_COUNTRIES
from app.accounts.models import Role

ERROR_MESSAGES = {
    "email_invalid": _l("Enter a valid email address, such as name@example.fr."),
    "email_taken": _l("An account already exists with this email address. Sign in instead."),
    "password_too_short": _l("The password must have at least 12 characters."),
    "password_too_simple": _l(
        "The password must mix at least three of: lower case, upper case, digits, symbols."
    ),
    "password_too_common": _l(
        "This password is among the most common ones and is guessed first: choose another."
    ),
    "password_personal": _l("The password must not contain your email address or your name."),
    "name_required": _l("This name is required."),
    "kind_invalid": _l("Choose the kind of organisation."),
    "siren_required": _l("A SIREN or SIRET number is required for a French organisation."),
    "siren_format": _l("A SIREN number has 9 digits."),
    "siren_checksum": _l("This SIREN number is not valid: check the digits."),
    "siret_format": _l("A SIRET number has 14 digits."),
    "siret_checksum": _l("This SIRET number is not valid: check the digits."),
    "siret_not_in_siren": _l("This SIRET number does not belong to the SIREN given."),
    "vat_required": _l("A VAT number is required for an organisation outside France."),
    "vat_invalid": _l("This VAT number is not valid for the chosen country."),
    "vat_country_mismatch": _l("This VAT number belongs to another country than the one chosen."),
    "country_not_eu": _l("Tremplin is open to organisations established in the European Union."),
    "identifier_taken": _l("An organisation with this identifier is already registered."),
    "already_member": _l("This person is already a member of the organisation."),
    "ambassador_for_buyers": _l("Only buyer organisations have ambassadors."),
    "user_unknown": _l("No account uses this email address; ask the person to register first."),
    "last_owner": _l("An organisation keeps at least one owner."),
    "current_password_wrong": _l("Your current password is not correct: nothing was changed."),
    "password_unchanged": _l("The new password is your current one: choose a different password."),
}


def message_for(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, code))


def kind_choices():
    return [
        ("startup", _l("Startup")),
        ("sme", _l("SME or mid-size company")),
        ("administration", _l("Administration (ministry, agency, local authority)")),
        ("corporate", _l("Corporate group")),
    ]


def role_choices():
    return [
        (Role.MEMBER.value, _l("Member")),
        (Role.OWNER.value, _l("Owner")),
        (Role.AMBASSADOR.value, _l("Ambassador")),
    ]


def country_choices():
    from babel import Locale
    from flask_babel import get_locale

    locale = get_locale() or Locale("fr")
    names = [(code, locale.territories.get(code, code)) for code in EU_COUNTRIES]
    names.sort(key=lambda pair: (pair[0] != "FR", pair[1]))
    return names


class RegisterForm(FlaskForm):
    organisation_name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of organisation"), validators=[DataRequired()])
    country = SelectField(_l("Country"), default="FR", validators=[DataRequired()])
    siren = StringField(_l("SIREN (France)"), validators=[Optional(), Length(max=20)],
                        description=_l("9 digits, as on the Sirene register."))
    siret = StringField(_l("SIRET (optional)"), validators=[Optional(), Length(max=25)])
    vat_number = StringField(_l("VAT number (outside France)"), validators=[Optional(), Length(max=20)],
                             description=_l("Intra-community VAT number, e.g. DE123456789."))
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Work email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             description=_l("At least 12 characters, mixing letters, digits or symbols."))
    password_confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self.country.choices = country_choices()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Stay signed in on this device"))


class AddMemberForm(FlaskForm):
    email = EmailField(_l("Email of the person"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), default=Role.MEMBER.value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email of your account"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             description=_l("At least 12 characters, mixing letters, digits or symbols."))
    password_confirm = PasswordField(
        _l("Confirm the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             description=_l("At least 12 characters, mixing letters, digits or symbols."))
    password_confirm = PasswordField(
        _l("Confirm the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
