"""What the accounts area does when members, organisations change (arena/lifecycle.py)."""

from arena import lifecycle
from arena.accounts import membership, sso
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

lifecycle.declare(
    "member",
    "changed",
    "member_identities",
    because="a linked sign-in keeps the member's id; the provider's address is its own",
)
lifecycle.declare("member", "deleted", "member_identities", because=lifecycle.ON_DELETE)


@lifecycle.on("member", "exported", "member_identities", section="sign_ins")
def export_sign_ins(member) -> list[dict]:
    """Linked sign-ins: which provider and address, never a token (none is kept)."""
    return [
        {
            "provider": sso.label(identity.provider),
            "issuer": identity.issuer,
            "email": identity.email,
            "linked_at": identity.created_at.isoformat(),
            "last_used_at": identity.last_used_at.isoformat() if identity.last_used_at else None,
        }
        for identity in sso.identities_of(member)
    ]


lifecycle.on("organisation", "merged", "members")(accounts.move_members)
# New domains verify the members waiting whose address is in one of them.
lifecycle.on("organisation", "changed", "members")(membership.verify_by_domain)
