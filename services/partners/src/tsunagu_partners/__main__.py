"""``python -m tsunagu_partners``: run the partners service until SIGINT or SIGTERM."""

from tsunagu_servicekit.runtime import run_service

from .app import build_runtime
from .settings import PartnersSettings


def main() -> None:
    run_service(build_runtime, PartnersSettings())


if __name__ == "__main__":
    main()
