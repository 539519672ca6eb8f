"""The API token form of the account settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class CreateTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. “CRM synchronisation”."))
    scopes = SelectMultipleField(
        _l("Permissions"),
        choices=[SelectChoice("read", _l("Read")), SelectChoice("write", _l("Write"))],
        default=["read"],
        validators=[DataRequired(message=_l("Choose at least one permission."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
