"""Precomputed recommendations: each title's top-K neighbours, and the state of their builds."""

from __future__ import annotations

from django.db import models

from reelhouse.catalog.models import Title


class RecReasons(models.Model):
    """One list of reasons ("Same director: Michael Powell", strongest first), stored once
    for every rail entry that gives it: 19,000 lists serve the demo's 2.5 M entries."""

    # A stable hash of the list's JSON text (`recs.services.reasons_key`): a build knows an
    # entry's key without asking the database, and the same list always gets the same one.
    id = models.BigIntegerField(primary_key=True)
    texts = models.JSONField(default=list)

    def __str__(self) -> str:
        return "; ".join(self.texts)


class RecNeighbour(models.Model):
    """One entry of a title's rail, written by `reelhouse recs build`, read by its document.

    Kept thin, because a catalog has twenty of them per title and kind: the reasons are a key
    into `RecReasons`, where the model or fallback that put it there is a small number (the
    build's model is on its `RecBuild`), and when it was built is on the build too.
    """

    class Kind(models.TextChoices):
        SIMILAR = "similar", "Similar titles"
        ALSO_LIKED = "also_liked", "You may also like"

    class Origin(models.IntegerChoices):
        CONTENT = 0, "content"
        POPULAR = 1, "popular"
        LEARNED = 2, "learned"

    # No single-column indexes: the unique constraint below starts with the title and
    # `rec_neighbour_of` with the neighbour, and every extra index slows a build's writes.
    title = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="rec_neighbours", db_index=False
    )
    neighbour = models.ForeignKey(
        Title, on_delete=models.CASCADE, related_name="rec_neighbour_of", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rank = models.PositiveSmallIntegerField(help_text="0 first")
    score = models.FloatField()
    # Unchecked: a build writes a batch's reasons in the same transaction as its entries.
    reasons = models.ForeignKey(
        RecReasons,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # Which put it there: the content model, a popular fallback, or the learned model.
    origin = models.PositiveSmallIntegerField(choices=Origin.choices)

    class Meta:
        ordering = ["title", "kind", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["title", "kind", "rank"], name="rec_neighbour_rank"),
        ]
        indexes = [models.Index(fields=["neighbour", "kind"], name="rec_neighbour_of")]

    def __str__(self) -> str:
        return f"{self.title_id} {self.kind} #{self.rank}: {self.neighbour_id}"


class RecTitleState(models.Model):
    """What a title's stored rails were computed from, so a rebuild can tell what changed."""

    title = models.OneToOneField(
        Title, on_delete=models.CASCADE, primary_key=True, related_name="rec_state"
    )
    # Order-independent digest of the title's ratings (who and what score).
    ratings_digest = models.BigIntegerField(default=0)
    # Digests of the stored lists: a list that comes out the same is not written again.
    similar_digest = models.BigIntegerField(default=0)
    also_liked_digest = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"rec state of {self.title_id}"


class RecBuild(models.Model):
    """One build of one kind of rail: its input fingerprint and how far it got.

    A build commits each batch of rails together with `batches_done`, so a killed build resumes
    after its last whole batch; one whose fingerprint matches a finished build does nothing.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"

    kind = models.CharField(max_length=16, choices=RecNeighbour.Kind.choices)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    model = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)
    planned = models.PositiveIntegerField(default=0, help_text="Titles whose rails are computed")
    batches_done = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(default=0, help_text="Titles whose rails changed")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "fingerprint"], name="rec_build_fingerprint")]

    def __str__(self) -> str:
        return f"{self.kind} build {self.fingerprint[:12]} ({self.status})"


class RecEvaluation(models.Model):
    """A run of `reelhouse recs evaluate`: its table, and the model that won it.

    The build reads the latest one to choose the model for "You may also like".
    """

    created_at = models.DateTimeField()
    seed = models.IntegerField()
    results = models.JSONField()
    winner_kind = models.CharField(max_length=16)
    winner_params = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"evaluation of {self.created_at:%Y-%m-%d %H:%M}: {self.winner_kind}"
