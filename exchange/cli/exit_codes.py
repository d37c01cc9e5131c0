"""The one table of the command's exit codes; every command exits through it.

=====  =====================  =====================================================
code   meaning                raised by
=====  =====================  =====================================================
0      success
1      unexpected failure     a bug: anything not in this table (with a traceback)
2      bad input              ``ValidationFailed``, click's usage errors
3      not found              ``NotFound``, ``ObjectMissing`` (bytes gone from storage)
4      not allowed            ``PermissionDenied``
5      conflict               ``Conflict`` and its kinds
6      not authenticated      ``Unauthenticated``
7      no database            ``NoDatabase``: the database is missing or not migrated
8      storage unavailable    ``StorageUnavailable``, other storage failures
10     verification failed    ``VerificationFailed``: a signature, the audit chain, or
                              stored bytes (``IntegrityMismatch``, ``UploadRejected``)
                              do not check out
11     keys not trusted       ``manifest verify``: the signatures hold, but a signing key
                              is neither pinned nor in a pinned JWKS
=====  =====================  =====================================================
"""

from __future__ import annotations

from exchange import errors
from exchange.db.readiness import NoDatabase
from exchange.objects.errors import UploadRejected
from exchange.storage import errors as storage_errors

OK = 0
BAD_INPUT = 2
NOT_FOUND = 3
NOT_ALLOWED = 4
CONFLICT = 5
NOT_AUTHENTICATED = 6
NO_DATABASE = 7
STORAGE_UNAVAILABLE = 8
VERIFICATION_FAILED = 10
UNTRUSTED_KEYS = 11


class VerificationFailed(errors.ExchangeError):
    """Something that should check out does not: a manifest signature, the audit chain,
    a checkpoint, the stored bytes of an object."""

    code = "verification_failed"


EXIT_CODES: dict[type[errors.ExchangeError], int] = {
    errors.ValidationFailed: BAD_INPUT,
    errors.NotFound: NOT_FOUND,
    storage_errors.ObjectMissing: NOT_FOUND,
    errors.PermissionDenied: NOT_ALLOWED,
    errors.Conflict: CONFLICT,
    errors.Unauthenticated: NOT_AUTHENTICATED,
    NoDatabase: NO_DATABASE,
    storage_errors.IntegrityMismatch: VERIFICATION_FAILED,
    UploadRejected: VERIFICATION_FAILED,
    storage_errors.StorageError: STORAGE_UNAVAILABLE,
    VerificationFailed: VERIFICATION_FAILED,
}


def exit_code(error: errors.ExchangeError) -> int:
    """The code of the error's nearest class in ``EXIT_CODES`` (subclasses share it)."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1
