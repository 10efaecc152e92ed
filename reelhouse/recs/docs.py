"""The recommendations section of docs/BENCHMARKS.md, between `<!-- recs:start -->` and
`<!-- recs:end -->`. Commands write their tables into named blocks inside it and leave the
rest of the file alone."""

from __future__ import annotations

import re
from pathlib import Path

SECTION_START = "<!-- recs:start -->"
SECTION_END = "<!-- recs:end -->"

SECTION_TEMPLATE = f"""{SECTION_START}
## Recommendations

### Offline evaluation (`reelhouse recs evaluate`)

Protocol (issue 5, item 5; the code is `reelhouse/recs/evaluation.py`): the MovieLens ratings in
the database (source `movielens`), ratings of 8.0 or more on our 0-10 scale (4 stars) as
positives; per user with two positives or more, a seeded random 20% of them (at least one) held
out as the test set; every hyperparameter setting fitted on the training set minus a validation
set carved from it by the same rule, and chosen by validation NDCG@10; the chosen setting refitted
on the whole training set and scored once on the test set. Every title is ranked for every user,
only the user's training positives excluded. Models may also read the ratings below 8: all of
them are training data (the holdout hides positives only), and a user-title pair that is a
positive is never among them, so no held-out positive reaches a model's input in any form. The
production model reads them, and leaves out of its own ranking every title the user rated, as
the "For you" page does; the baselines read positives only. NDCG@10 has binary gains; Recall@20
divides the hits by min(20, held-out positives) as in Liang et al. 2018; HitRate@10 is the share
of users with a hit in their top 10; coverage@10 is the share of titles (those with at least one
positive) in anyone's top 10. "Rail" columns score the item-to-item lists themselves: a user's
ranking is made only from the top-20 "You may also like" lists of the titles they liked in
training (a neighbour counts 1/(1+its position) in each list showing it), so they measure what
the title pages offer. "Ablation" rows are the production model with a part switched off, to
show where its gain comes from: they are not baselines and never chosen. The build uses the
model with the best validation NDCG@10 (the test set only reports), ablations aside.

<!-- recs-evaluation:start -->
(not run yet)
<!-- recs-evaluation:end -->

### Build (`reelhouse recs build`)

<!-- recs-build:start -->
(not run yet)
<!-- recs-build:end -->
{SECTION_END}
"""


def benchmarks_section_write(
    path: Path, block: str, table: str, *, command: str, machine: str
) -> None:
    """Replace one block of the recs section (creating the section at the end if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if SECTION_START not in text:
        text = text.rstrip("\n") + "\n\n" + SECTION_TEMPLATE
    start, end = f"<!-- recs-{block}:start -->", f"<!-- recs-{block}:end -->"
    body = f"{start}\n{table}\n\nMachine: {machine}.\n\nCommand: `{command}`\n{end}"
    section = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END), re.S)
    match = section.search(text)
    assert match is not None  # noqa: S101 - ensured just above
    inner = match.group(0)
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(inner):
        inner = pattern.sub(lambda _: body, inner)
    else:
        inner = inner.replace(SECTION_END, f"{body}\n{SECTION_END}")
    path.write_text(text[: match.start()] + inner + text[match.end() :], encoding="utf-8")
