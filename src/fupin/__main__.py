"""The `fupin` command line: Django's management commands with Fupin's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)

    execute_from_command_line(["fupin", *sys.argv[1:]])


if __name__ == "__main__":
    main()
