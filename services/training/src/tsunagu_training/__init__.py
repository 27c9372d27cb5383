"""Tsunagu training: Training for supporters, implementing organisations, related agencies and welfare
commissioners: courses, completion, verifiable certificates, and completions that grant permissions."""
