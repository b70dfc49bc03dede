"""The near-copy search in SQL: the Hamming distance of BIGINT hashes, the chunk probes, the index."""

from __future__ import annotations

import random
import uuid

from sqlalchemy import BigInteger, literal, select, text
from sqlalchemy.orm import Session

from media.perceptual import NEAR_COPY_MAX_BITS, hamming, to_signed
from service.photos.models import Photo
from service.photos.pipeline import NewPhoto
from service.photos.service import count_known, hamming_sql, near_copies, near_copies_statement

BASE = 0x9A3C_5F01_7E42_B8D6


def flip(value: int, *bits: int) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def add_photo(db: Session, phash: int | None, *, sha256: str | None = None, **owner: object) -> Photo:
    sha = sha256 or uuid.uuid4().hex * 2
    photo = Photo(
        id=uuid.uuid4(),
        sha256=sha,
        original_key=f"originals/{sha}",
        display_key=f"public/{sha}",
        thumb_key=f"public/t{sha}",
        phash=to_signed(phash) if phash is not None else None,
        exif={},
        position=0,
        **owner,
    )
    db.add(photo)
    db.flush()
    return photo


def test_the_sql_hamming_distance_is_right_for_negative_numbers_too(db: Session) -> None:
    rng = random.Random(14)
    pairs = [(0, 0), (-1, 0), (-1, 1), (1 << 63, 0), (-(1 << 63), 1 << 62), (to_signed(BASE), -1)]
    pairs += [(to_signed(rng.getrandbits(64)), to_signed(rng.getrandbits(64))) for _ in range(200)]
    for a, b in pairs:
        a, b = to_signed(a), to_signed(b)
        got = db.scalar(select(hamming_sql(literal(a, BigInteger), literal(b, BigInteger))))
        assert got == hamming(a, b), (a, b)


def test_the_chunk_columns_split_the_bits_as_python_does(db: Session) -> None:
    photo = add_photo(db, 0xFFFF_0001_8000_7FFF)  # negative as a BIGINT
    db.refresh(photo)
    assert photo.phash is not None and photo.phash < 0
    assert (photo.phash_0, photo.phash_1, photo.phash_2, photo.phash_3) == (0xFFFF, 1, 0x8000, 0x7FFF)


def test_near_copies_finds_what_is_within_the_threshold_and_nothing_else(db: Session) -> None:
    # Two bits in every chunk (8 in all): no chunk is equal, only the probes within 2 bits find it.
    spread = flip(BASE, 1, 2, 17, 18, 33, 34, 49, 50)
    near = {
        "same": add_photo(db, BASE),
        "one bit": add_photo(db, flip(BASE, 63)),
        "eight spread": add_photo(db, spread),
    }
    far = {
        "nine": add_photo(db, flip(spread, 60)),
        "eleven": add_photo(db, flip(spread, 5, 21, 37)),
        "unrelated": add_photo(db, BASE ^ 0x0F0F_0F0F_0F0F_0F0F),
        "no fingerprint": add_photo(db, None),
    }
    found = near_copies(db, [None, BASE])
    assert {c.photo_id for c in found} == {p.id for p in near.values()}
    assert [c.distance for c in found] == [0, 1, 8] and {c.index for c in found} == {1}
    wider = near_copies(db, [BASE], max_bits=11)
    assert {c.photo_id for c in wider} == {p.id for p in near.values()} | {far["nine"].id, far["eleven"].id}
    assert near_copies(db, [None]) == [] and near_copies(db, []) == []


def test_other_than_report_and_sha256_in(db: Session) -> None:
    report_id = uuid.uuid4()
    db.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    loose = add_photo(db, BASE)
    found = near_copies(db, [BASE], other_than_report=report_id)
    assert [c.photo_id for c in found] == [loose.id]
    assert near_copies(db, [BASE], sha256_in=select(literal("f" * 64))) == []
    assert near_copies(db, [BASE], sha256_in=select(literal(loose.sha256)))[0].photo_id == loose.id


def test_count_known_counts_exact_and_near_copies_once_each(db: Session) -> None:
    stored = add_photo(db, BASE)
    add_photo(db, flip(BASE, 3, 40))

    def new(sha256: str, phash: int | None) -> NewPhoto:
        columns = {"phash": to_signed(phash) if phash is not None else None}
        return NewPhoto(sha256=sha256, original_key="o", display_key="d", thumb_key="t", columns=columns)

    assert count_known(db, [new(stored.sha256, None)]) == 1  # the same bytes, as before
    assert count_known(db, [new("1" * 64, flip(BASE, 7))]) == 1  # re-encoded: near
    assert count_known(db, [new("2" * 64, BASE ^ ((1 << 64) - 1))]) == 0  # every bit differs
    twice = [new(stored.sha256, BASE), new(stored.sha256, BASE), new("3" * 64, flip(BASE, 9))]
    assert count_known(db, twice) == 2
    assert count_known(db, []) == 0


def test_the_search_uses_the_chunk_indexes(db: Session) -> None:
    db.execute(
        text(
            "INSERT INTO photos (id, sha256, original_key, display_key, thumb_key, position, exif, phash) "
            "SELECT gen_random_uuid(), md5(i::text) || md5((-i)::text), 'o', 'd', 't', 0, '{}', "
            "(floor(random() * 4294967296)::bigint << 32) # floor(random() * 4294967296)::bigint "
            "FROM generate_series(1, 20000) AS i"
        )
    )
    db.execute(text("ANALYZE photos"))
    # Below ~100 000 photos PostgreSQL rightly prefers reading the table (measured: 50 000 still
    # scan, 100 000 use the indexes); forbidding the scan shows that the condition is indexable.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    stmt = near_copies_statement([BASE, flip(BASE, 5)], other_than_report=uuid.uuid4())
    assert stmt is not None
    compiled = stmt.compile(db.get_bind())
    rows = db.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    plan = "\n".join(row[0] for row in rows)
    for index in range(4):
        assert f"ix_photos_phash_{index}" in plan, plan
    assert NEAR_COPY_MAX_BITS == 8
