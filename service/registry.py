"""Every domain's tables in one place, so that ``Base.metadata`` knows the whole schema (Alembic, tests).

It sits above the domains (like ``service.app``): ``service.db`` is below every domain and imports none.
"""

from service.accounts import models as accounts_models
from service.audit import models as audit_models
from service.cases import models as cases_models
from service.couriers import models as couriers_models
from service.db.base import Base
from service.geography import models as geography_models
from service.idempotency import models as idempotency_models
from service.open311 import models as open311_models
from service.outbound import models as outbound_models
from service.photos import models as photos_models
from service.publicmap import models as publicmap_models
from service.reports import models as reports_models
from service.supervision import models as supervision_models
from service.tiles import models as tiles_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "cases_models",
    "couriers_models",
    "geography_models",
    "idempotency_models",
    "open311_models",
    "outbound_models",
    "photos_models",
    "publicmap_models",
    "reports_models",
    "supervision_models",
    "tiles_models",
]
