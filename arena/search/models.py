"""The search index: which terms each searchable object is found by, and how strongly."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arena.extensions import db

#: Terms compare by code point on every database, so index range scans mean the same everywhere.
TermString = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")


class SearchEntry(db.Model):
    """One term of one indexed object (an initiative, a member, ...) with its field weight."""

    __tablename__ = "search_entries"

    #: What was indexed: "initiative", "member", ...
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    object_id: Mapped[int] = mapped_column(primary_key=True)
    #: A term from arena.text (stemmed, folded) or a synonym group term («~12»).
    term: Mapped[str] = mapped_column(TermString, primary_key=True)
    #: The term spelled backwards, so compound tails are found with an index range scan.
    term_reversed: Mapped[str] = mapped_column(TermString)
    #: How much a match on this term counts, in tenths (30 for a title, 10 for a body). Whole
    #: numbers keep sums exact, so ranking is identical on every database.
    weight: Mapped[int]

    __table_args__ = (
        # Also serves «the strongest postings of a term first» without sorting.
        sa.Index("ix_search_entries_kind_term", "kind", "term", "weight", "object_id"),
        sa.Index("ix_search_entries_kind_term_reversed", "kind", "term_reversed"),
    )

    def __repr__(self) -> str:
        return f"<SearchEntry {self.kind}:{self.object_id} {self.term}={self.weight}>"


class SearchTerm(db.Model):
    """The vocabulary of an index: each distinct term once, for fast prefix and suffix lookups.

    Terms are added as objects are indexed and never removed (a stale term matches nothing)."""

    __tablename__ = "search_terms"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    term: Mapped[str] = mapped_column(TermString, primary_key=True)
    term_reversed: Mapped[str] = mapped_column(TermString)

    __table_args__ = (sa.Index("ix_search_terms_kind_term_reversed", "kind", "term_reversed"),)
