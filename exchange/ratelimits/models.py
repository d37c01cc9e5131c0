from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """Attempts counted for one key (a rule and the SHA-256 of its subject) in a fixed window
    that started at ``window_start`` (seconds since the epoch)."""

    __tablename__ = "rate_counter"

    key: str = Field(primary_key=True, max_length=100)
    window_start: int = Field(sa_column=Column(BigInteger(), nullable=False, index=True))
    count: int = Field(default=0)
