"""Delivery benchmarks: the kit's relay, consumer, hop latency and a rebuild fast path, each as a
ratio of bare nats-py (and of plain FastStream) measured in the same run. Run ``python -m bench``."""
