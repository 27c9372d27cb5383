"""``python -m tsunagu_partners [serve | migrate]``: run the partners service until SIGINT or SIGTERM (the
default), or apply its database migrations and exit (``tsunagu_servicekit.command``)."""

from tsunagu_servicekit.command import service_main

from .app import build_runtime
from .settings import PartnersSettings


def main() -> None:
    service_main(build_runtime, PartnersSettings)


if __name__ == "__main__":
    main()
