"""Messaging on JetStream: streams, outbox and relay, inbox and consumers, dead letters."""
