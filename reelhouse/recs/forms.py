"""Input of the "For you" page and API: whose profile, or which titles picked by hand."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field, model_validator

from reelhouse.recs.selectors import LIKED_MAX


class ForYouParams(Schema):
    source: str = Field("", max_length=16, description="An imported profile's source")
    user: str = Field("", max_length=64, description="The profile's user id in that source")
    liked: list[int] = Field(
        default_factory=list,
        max_length=LIKED_MAX,
        description=f"Titles picked by hand (cold start), up to {LIKED_MAX}",
    )

    @model_validator(mode="after")
    def _source_with_user(self) -> ForYouParams:
        if bool(self.source) != bool(self.user):
            raise ValueError("source and user go together")
        return self
