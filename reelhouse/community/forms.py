"""Input of the account pages and of the rating form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from reelhouse.community.models import SCORE_MAX, SCORE_MIN, User, stars_label

SCORE_CHOICES = [(score, stars_label(score)) for score in range(SCORE_MIN, SCORE_MAX + 1)]
SCORE_ERROR = "Choose a rating from ½ to 5 stars."


class SignUpForm(UserCreationForm[User]):
    """A username and a password twice; Django's validators judge the password."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "username"
        ].help_text = "Up to 150 characters: letters, digits and @ . + - _ only."
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password2"].label = "Password again"


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        error_messages={"required": SCORE_ERROR, "invalid_choice": SCORE_ERROR},
    )
