"""``python -m tsunagu_subsidy``: run the subsidy service until SIGINT or SIGTERM."""

from tsunagu_servicekit.runtime import run_service

from .app import build_runtime
from .settings import SubsidySettings


def main() -> None:
    run_service(build_runtime, SubsidySettings())


if __name__ == "__main__":
    main()
