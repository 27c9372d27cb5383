"""``python -m tsunagu_intake``: run the intake service until SIGINT or SIGTERM."""

from tsunagu_servicekit.runtime import run_service

from .app import build_runtime
from .settings import IntakeSettings


def main() -> None:
    run_service(build_runtime, IntakeSettings())


if __name__ == "__main__":
    main()
