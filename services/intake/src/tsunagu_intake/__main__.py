"""``python -m tsunagu_intake``: run the intake service until SIGINT or SIGTERM (``serve``, the
default), or an operator's command such as ``rewrap-keys``. See :mod:`.cli`."""

from .cli import app


def main() -> None:
    app(prog_name="python -m tsunagu_intake")


if __name__ == "__main__":
    main()
