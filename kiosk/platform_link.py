"""The terminal's link to the platform: client, outbox and its sync worker, caches, catalogue.

The app connects it right after its first frame (issue 11: cold start): requests, the TLS
and outbox cryptography and the write path are not needed to show the attract screen, and
the frame after it is drawn comes before any touch is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from offline_cache.cache import ResponseCache
from offline_cache.outbox import Outbox
from offline_cache.sync import SyncWorker
from services.bookings import BookingService
from services.client import PlatformClient
from writes.kinds import WriteKinds
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender

from .config import KioskConfig
from .flows.booking.cached_catalogue import CachedBookings, CachedCatalogue
from .flows.booking.local_catalogue import LocalCatalogue


@dataclass
class PlatformLink:
    client: PlatformClient
    outbox: Outbox
    sync_worker: SyncWorker
    #: Searches are answered from the terminal's own copy of the catalogue (issue 11), kept
    #: fresh by a thread of its own; the platform answers until a first sync.
    local_catalogue: LocalCatalogue
    bookings: CachedBookings
    writes: WriteQueue


def connect(config: KioskConfig, kinds: WriteKinds,
            on_change: Callable[[], None]) -> PlatformLink:
    """Build the platform side from the config; `on_change`: the sync worker's state moved."""
    pf = config.platform
    client = PlatformClient(pf.url, pf.token, timeout=pf.timeout, **pf.tls_options())
    # Every platform write is committed to the outbox first, then sent (issue 4).
    ob = config.outbox
    outbox = open_outbox(ob.db, key=ob.key, key_file=ob.key_file)
    sync_worker = SyncWorker(outbox, PlatformSender(client, kinds), on_change=on_change,
                             probe=client.reachable)
    # Catalogue, guides and halls come from the cache when the platform is unreachable.
    cache = ResponseCache(outbox.store)
    catalogue = CachedCatalogue(client, cache)
    return PlatformLink(client=client, outbox=outbox, sync_worker=sync_worker,
                        local_catalogue=LocalCatalogue(client, cache, catalogue),
                        bookings=CachedBookings(catalogue, BookingService(client)),
                        writes=WriteQueue(outbox, sync_worker))
