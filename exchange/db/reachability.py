"""Which driver errors mean "the database cannot be reached" (answered 503, retry later).

PostgreSQL: a refused, unreachable or broken socket, a timeout, a connection the pool had
to invalidate, or a SQLSTATE of class 08 (connection exception), 57P (operator
intervention: shutdown, restart, cannot connect now) or 53300 (too many connections).
SQLite: the primary result codes BUSY (still locked after the busy timeout), IOERR and
CANTOPEN (https://www.sqlite.org/rescode.html). Everything else is a real fault.
"""

from __future__ import annotations

import errno
import socket

import sqlalchemy.exc

SQLITE_UNAVAILABLE = {5, 10, 14}  # SQLITE_BUSY, SQLITE_IOERR, SQLITE_CANTOPEN
SQLSTATE_PREFIXES = ("08", "57P", "53300")
# socket errors of a connect (asyncpg raises them unwrapped); other OSErrors (a full disk
# under the storage, say) are not the database's
SOCKET_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}


def _socket_error(error: BaseException | None) -> bool:
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(error, OSError) and error.errno in SOCKET_ERRNOS


def unreachable(error: BaseException) -> bool:
    """True when ``error`` says the database is down or out of reach, not that a query is wrong."""
    if _socket_error(error) or isinstance(error, sqlalchemy.exc.TimeoutError):
        return True
    if not isinstance(error, sqlalchemy.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in SQLITE_UNAVAILABLE
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(SQLSTATE_PREFIXES):
        return True
    cause = getattr(original, "__cause__", None)
    return _socket_error(cause) or type(cause).__name__ in {
        "ConnectionDoesNotExistError",
        "InterfaceError",
    }
