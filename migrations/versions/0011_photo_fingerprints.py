"""Photo fingerprints: the perceptual hash of every photo, indexed for near-copy search.

`photos.phash` is `media.perceptual.phash` (64 bits, stored as the signed BIGINT with the same bits;
NULL for photos stored before this migration and for featureless pictures). A near copy is a hash
within `media.perceptual.NEAR_COPY_MAX_BITS` bits; to find them without reading every row, the hash is
split into four 16-bit chunks, stored as generated columns `phash_0` (bits 63–48) … `phash_3` (bits
15–0), each with a btree index: a hash within 11 bits of another agrees within 2 bits on at least one
chunk (pigeonhole), so `service.photos.service.near_copies` probes each index with the chunk values
within 2 bits of the new hash's and then checks the full distance with
`bit_count(CAST(phash # :h AS bit(64)))`.

Revision ID: 0011_photo_fingerprints
Revises: 0010_check_constraint_names
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_photo_fingerprints"
down_revision: str | None = "0010_check_constraint_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNKS = 4


def chunk_expression(index: int) -> str:
    """Chunk `index` (0 = most significant) of the hash as an integer 0–65535 (right for negative too)."""
    shift = 16 * (CHUNKS - 1 - index)
    return f"CAST((phash >> {shift}) & 65535 AS integer)"


def upgrade() -> None:
    op.add_column("photos", sa.Column("phash", sa.BigInteger()))
    for index in range(CHUNKS):
        op.add_column(
            "photos",
            sa.Column(f"phash_{index}", sa.Integer(), sa.Computed(chunk_expression(index), persisted=True)),
        )
        op.create_index(f"ix_photos_phash_{index}", "photos", [f"phash_{index}"])


def downgrade() -> None:
    for index in range(CHUNKS):
        op.drop_index(f"ix_photos_phash_{index}", table_name="photos")
        op.drop_column("photos", f"phash_{index}")
    op.drop_column("photos", "phash")
