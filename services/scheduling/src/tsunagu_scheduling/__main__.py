"""``python -m tsunagu_scheduling [serve | migrate]``: run the scheduling service until SIGINT or SIGTERM (the
default), or apply its database migrations and exit (``tsunagu_servicekit.command``)."""

from tsunagu_servicekit.command import service_main

from .app import build_runtime
from .settings import SchedulingSettings


def main() -> None:
    service_main(build_runtime, SchedulingSettings)


if __name__ == "__main__":
    main()
