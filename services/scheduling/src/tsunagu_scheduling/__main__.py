"""``python -m tsunagu_scheduling``: run the scheduling service until SIGINT or SIGTERM."""

from tsunagu_servicekit.runtime import run_service

from .app import build_runtime
from .settings import SchedulingSettings


def main() -> None:
    run_service(build_runtime, SchedulingSettings())


if __name__ == "__main__":
    main()
