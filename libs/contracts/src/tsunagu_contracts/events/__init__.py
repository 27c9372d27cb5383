"""Every event contract of Tsunagu, one module per producing service.

Importing this package registers all of them in :data:`tsunagu_contracts.REGISTRY`. A service's
module is added here when that service starts publishing.
"""
