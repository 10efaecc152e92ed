"""The `reelhouse` console command: Django's management commands under our name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelhouse.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "reelhouse"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
