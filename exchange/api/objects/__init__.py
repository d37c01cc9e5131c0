"""Digital objects in the GraphQL schema: uploads, downloads, usage.

`types` holds the object, its download link and the usage report, `uploads` the upload
tickets and inputs, `queries` the reads and `mutations` the actions; the schema takes the two
roots and the ``ByteCount`` scalar from here.
"""

from exchange.api.objects.mutations import ObjectMutation
from exchange.api.objects.queries import ObjectQuery
from exchange.api.objects.types import BYTE_COUNT, ByteCount

__all__ = ["BYTE_COUNT", "ByteCount", "ObjectMutation", "ObjectQuery"]
