from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from pydantic import ValidationError

from reelhouse.lib.http import region_from
from reelhouse.recs.forms import ForYouParams
from reelhouse.recs.selectors import (
    LIKED_MAX,
    ForYouError,
    for_you_get,
    for_you_starters,
)


@require_safe
def for_you(request: HttpRequest) -> HttpResponse:
    try:
        params = ForYouParams.model_validate(
            {
                "source": request.GET.get("source", ""),
                "user": request.GET.get("user", ""),
                "liked": request.GET.getlist("liked"),
            }
        )
    except ValidationError as error:
        message = error.errors()[0]["msg"]
        raise BadRequest(f"That profile doesn't work: {message}.") from error
    user_id = request.user.pk if request.user.is_authenticated and not params.user else None
    result = None
    if user_id is not None or params.user or params.liked:
        try:
            result = for_you_get(
                user_id=user_id,
                source=params.source,
                external_user=params.user,
                liked=params.liked,
            )
        except ForYouError as error:
            raise Http404(str(error)) from error
    return render(
        request,
        "recs/for_you.html",
        {
            "params": params,
            "result": result,
            "starters": for_you_starters() if result is None or not result.items else [],
            "liked_max": LIKED_MAX,
            "region": region_from(request),
        },
    )
