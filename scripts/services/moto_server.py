"""
moto server, with DynamoDB's write operations made atomic as they are in DynamoDB.

moto serves each request on its own thread and its DynamoDB backend does not lock: two concurrent
UpdateItem ADDs on one item can lose one, and two conditional PutItems can both succeed. Our code relies
on DynamoDB's guarantees (atomic counters, conditional claims), so under load the emulator answered what
DynamoDB never would. One lock around the backend's writes restores that; reads stay concurrent.
Arguments are moto_server's own.
"""
import functools
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()

for _name in ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items", "execute_transaction"):
    _original = getattr(DynamoDBBackend, _name, None)
    if _original is None:
        continue

    def _atomic(self, *args, __original=_original, **kwargs):
        with _lock:
            return __original(self, *args, **kwargs)

    functools.update_wrapper(_atomic, _original)
    setattr(DynamoDBBackend, _name, _atomic)

if __name__ == "__main__":
    main()
