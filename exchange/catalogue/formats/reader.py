"""Reading a large file of records in a process of its own.

Parsing (XML events, pymarc records, drafts) is pure Python: in a thread of the importing
process it holds the GIL that validation and the database driver also need, and every
hand-over waits on it. In a child process it runs on another core: the child reads the
file and sends its entries in pickled batches through a pipe, whose small buffer keeps at
most a batch or two in flight, so memory stays flat whatever the size of the file.
Measured on 50,000 MARCXML records: see bench/catalogue_import.py.

The child is started with ``spawn`` (no copy of the parent's threads, locks or database
connections) and costs about half a second to start, so small files are read in-process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Generator
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path

from exchange.catalogue.formats.records import Entry

# Below this size, starting a process costs more than parsing in a thread saves.
IN_PROCESS_BELOW = 2 * 1024 * 1024
BATCH = 200
JOIN_SECONDS = 5.0


class ReaderFailed(Exception):
    """The reading process could not read the file (the message says why)."""


def entries(
    path: Path, format: str, *, on_progress: Callable[[int], None] | None = None
) -> Generator[Entry, None, None]:
    """The entries of the file at ``path`` in ``format`` (a ``files.Format`` value),
    read by a child process; ``on_progress`` gets the bytes read so far, batch by batch.
    Closing the iterator early stops the child."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_produce, args=(str(path), format, sender), name="catalogue-reader", daemon=True
    )
    child.start()
    sender.close()  # the child holds the only writing end: its exit ends our reads
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise ReaderFailed(f"the reading process stopped ({child.exitcode})") from None
            if message is None:
                return
            if isinstance(message, str):
                raise ReaderFailed(message)
            offset, batch = message
            if on_progress is not None:
                on_progress(offset)
            yield from batch
    finally:
        receiver.close()
        child.join(JOIN_SECONDS)
        if child.is_alive():  # closed early: it is blocked on a full pipe
            child.terminate()
            child.join()


def _produce(path: str, format: str, sender: Connection) -> None:
    """The child: every entry of the file, ``BATCH`` at a time, then None; or the reason
    the file could not be read."""
    from exchange import collector
    from exchange.catalogue.formats import files

    collector.tune()
    try:
        with open(path, "rb") as handle:
            records = files.read(handle, files.Format(format))
            while batch := list(islice(records, BATCH)):
                sender.send((handle.tell(), batch))
        sender.send(None)
    except BrokenPipeError:  # the parent stopped listening
        pass
    except (OSError, ValueError) as error:
        sender.send(f"cannot read {path}: {error}")
    finally:
        sender.close()
