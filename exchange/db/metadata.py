"""Every table of the service, gathered in one metadata (for Alembic and the model check)."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from exchange.allocations import models as _allocations  # noqa: F401
from exchange.audit import models as _audit  # noqa: F401
from exchange.catalogue import models as _catalogue  # noqa: F401
from exchange.identity import models as _identity  # noqa: F401
from exchange.keys import models as _keys  # noqa: F401
from exchange.objects import models as _objects  # noqa: F401
from exchange.offers import models as _offers  # noqa: F401
from exchange.partners import models as _partners  # noqa: F401
from exchange.ratelimits import models as _ratelimits  # noqa: F401
from exchange.requests import models as _requests  # noqa: F401
from exchange.seminars import models as _seminars  # noqa: F401
from exchange.shipments import models as _shipments  # noqa: F401
from exchange.sync import models as _sync  # noqa: F401

metadata: MetaData = SQLModel.metadata
