"""The training service's use cases: each reads as what it does; queries live in ``adapters``."""
