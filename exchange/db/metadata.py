"""Every table of the service, gathered in one metadata (for Alembic and the model check)."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from exchange.audit import models as _audit  # noqa: F401
from exchange.catalogue import models as _catalogue  # noqa: F401
from exchange.identity import models as _identity  # noqa: F401
from exchange.partners import models as _partners  # noqa: F401
from exchange.seminars import models as _seminars  # noqa: F401

metadata: MetaData = SQLModel.metadata
