"""Use cases of the intake service. Each runs in one unit of work: state, access log and events
commit together or not at all."""
