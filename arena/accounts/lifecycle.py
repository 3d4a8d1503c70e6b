"""What the accounts area does when members, organisations change (arena/lifecycle.py)."""

from arena import lifecycle
from arena.accounts import membership
from arena.accounts import services as accounts

lifecycle.declare(
    "member",
    "changed",
    "members",
    "member_sessions",
    "api_tokens",
    because="they keep the member's id only; pages read names when they are shown",
)
lifecycle.declare(
    "member",
    "exported",
    "members",
    "member_sessions",
    "api_tokens",
    because="the export's own member, membership, sessions and api_tokens parts",
)
lifecycle.declare(
    "member", "deleted", "members", "member_sessions", "api_tokens", because=lifecycle.ON_DELETE
)

lifecycle.on("organisation", "merged", "members")(accounts.move_members)
# New domains verify the members waiting whose address is in one of them.
lifecycle.on("organisation", "changed", "members")(membership.verify_by_domain)
