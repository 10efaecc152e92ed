from __future__ import annotations

from django.db import models


class ImportCheckpoint(models.Model):
    """How far an import of one file got, committed with each batch it covers.

    Because a batch's rows and this row commit in one transaction, a killed import resumes
    exactly after the last batch it committed: nothing lost, nothing twice.
    """

    source = models.CharField(max_length=16)
    name = models.CharField(max_length=200, help_text="The file's name, e.g. title.basics.tsv.gz")
    # Size, modification time and a hash of the file's head: a different file starts over.
    signature = models.CharField(max_length=100)
    rows_done = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="checkpoint_once_per_file")
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.name}: {self.rows_done} rows"


class SetAside(models.Model):
    """An index or foreign key dropped for a bulk load, with the SQL that builds it again.

    Recorded in the transaction that drops it, so a load killed before the rebuild leaves this
    row behind, and the next import (or `bulk.set_aside_restore`) builds it from here.
    """

    table = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="set_aside_once")]

    def __str__(self) -> str:
        return f"{self.table}.{self.name}"
