"""Every event contract of Tsunagu, one module per producing service.

Importing this package registers all of them in :data:`tsunagu_contracts.REGISTRY`. A service's
module is added here when that service starts publishing (or when another service consumes an
event of it, which then defines that contract first).
"""

from . import intake as intake
from . import partners as partners
from . import scheduling as scheduling
from . import subsidy as subsidy
from . import training as training
