"""What routes depend on: the service's context and who may call what.

Municipality staff apply, change, withdraw and report for their own municipality; a reviewer
(``subsidy_reviewer``) checks applications, records the municipalities' implementation dates and
the payments; an approver (``subsidy_approver``) decides, confirms amounts and approves exceptions.
Roles open the door; the domain still refuses an approver who reviewed the same application.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http import Principal, context_dependency, require

from ..handlers.context import SubsidyContext

Ctx = Annotated[SubsidyContext, Depends(context_dependency(SubsidyContext))]

Municipal = Annotated[Principal, Depends(require("municipality_staff"))]
Reviewer = Annotated[Principal, Depends(require("subsidy_reviewer"))]
Approver = Annotated[Principal, Depends(require("subsidy_approver"))]
Office = Annotated[Principal, Depends(require("subsidy_reviewer", "subsidy_approver"))]
Reader = Annotated[Principal, Depends(require("municipality_staff", "subsidy_reviewer", "subsidy_approver"))]

ApplicationId = Annotated[str, Path(pattern=ID_PATTERN, description="Application id")]
Code = Annotated[TokyoCode, Path(description="The municipality's local government code")]
