"""What the declaration area does when a member changes, is exported or deleted
(arena/lifecycle.py)."""

from arena import lifecycle
from arena.declaration import services as declaration

lifecycle.declare(
    "member",
    "changed",
    "signatures",
    because="the ambassadors page reads names and organisations when it is shown",
)
lifecycle.on("member", "exported", "signatures", section="declaration_signature")(
    declaration.export_signature
)
lifecycle.declare("member", "deleted", "signatures", because=lifecycle.ON_DELETE)
