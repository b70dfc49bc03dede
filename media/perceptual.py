"""A photo's perceptual fingerprint: 64 bits that survive re-encoding and resizing. Pixels in, an int out.

`phash` is the DCT hash (pHash): the upright picture in grey, reduced to 32×32 by area averaging, its
2-D DCT-II, and of the 8×8 lowest frequencies one bit each: 1 where the coefficient is above the median
of the 63 AC coefficients (the DC term's bit is always 0). Low frequencies are the picture's layout —
where it is light and dark — which JPEG quality, scaling, a re-download of the public derivative or a
PNG screenshot keep and which two different photos do not share. Hamming distance compares two hashes.

Measured on the test photos (tests/media/test_perceptual.py) and, once, on 34 more pictures (the
sample images of scikit-image, tiles and quarters of the test photos): copies re-encoded at JPEG quality
60, halved, Whistle's own display derivative, a 1280-pixel chat-app copy, a PNG stay within 4 bits of
the original (195 of 200 within 2; one flat synthetic graphic halved: 8); two different photos are 18
or more bits apart (779 pairs; mean 31.4, standard deviation 4.3). It does not survive a crop or a
mirror image, and it sees two shots of the same scene from nearly the same spot (a stereo pair: 4 bits)
as copies: one hazard photographed twice is what it is meant to catch.

A featureless picture (a black frame, a lens cap, a blank wall: grey levels varying by less than
`MIN_CONTRAST`) has no fingerprint (None): its bits would be noise, or all equal, and match any other.

Cost: the pipeline passes its thumbnail (≤ 320 px, already upright and sRGB), so this is a grey
conversion of ~77 k pixels, one area resize and two 32×32 matrix products: ≈ 0.2 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np
import numpy.typing as npt
from PIL import Image

HASH_BITS = 64
# Two photos whose hashes differ in at most this many bits are copies of one picture. The copies
# measured differ in ≤ 4 bits (one synthetic graphic halved: 8), different photos in ≥ 18; 8 takes
# every measured copy, and two unrelated hashes (63 independent bits) come this close with a
# probability of ~5·10⁻¹⁰, so a million stored photos give one chance match in ~2000 uploads.
# `chunk_probes` finds every match up to 11 bits, so it may be raised to 11 without a new index.
NEAR_COPY_MAX_BITS = 8
SIDE = 32  # the grey picture the DCT runs over
LOW = 8  # the LOW × LOW lowest frequencies give the bits
# Standard deviation of the 32×32 grey picture below which it has no fingerprint (grey levels 0–255).
MIN_CONTRAST = 1.5
CHUNKS = 4  # the index splits a hash into this many 16-bit chunks (`chunks`, `chunk_probes`)
CHUNK_BITS = HASH_BITS // CHUNKS
_UNSIGNED = 1 << HASH_BITS


def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    """The orthonormal DCT-II matrix: `M @ x` transforms a column, `M @ X @ M.T` a square picture."""
    k = np.arange(n, dtype=np.float64)
    matrix: npt.NDArray[np.float64] = np.sqrt(2.0 / n) * np.cos(
        np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n)
    )
    matrix[0] /= np.sqrt(2.0)
    return matrix


_DCT = _dct_matrix(SIDE)[:LOW]  # only the low rows are ever needed
_WEIGHTS = 1 << np.arange(HASH_BITS - 1, -1, -1, dtype=np.uint64)


def phash(image: Image.Image) -> int | None:
    """The 64-bit DCT hash of an upright image (unsigned; most significant bit = lowest frequency),
    or None for a featureless picture. Any mode and size; pass the smallest upright copy at hand."""
    grey = image if image.mode == "L" else image.convert("L")
    small = grey.resize((SIDE, SIDE), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float64)
    if float(pixels.std()) < MIN_CONTRAST:
        return None
    low = (_DCT @ pixels @ _DCT.T).reshape(-1)
    bits = low > np.median(low[1:])
    bits[0] = False
    return int(np.dot(bits.astype(np.uint64), _WEIGHTS))


def hamming(a: int, b: int) -> int:
    """How many bits differ (signed or unsigned forms alike)."""
    return ((a ^ b) % _UNSIGNED).bit_count()


def to_signed(value: int) -> int:
    """The unsigned 64-bit hash as PostgreSQL's BIGINT holds it (two's complement)."""
    value %= _UNSIGNED
    return value - _UNSIGNED if value >= 1 << (HASH_BITS - 1) else value


def to_unsigned(value: int) -> int:
    """The BIGINT form back to the unsigned hash."""
    return value % _UNSIGNED


def chunks(value: int) -> tuple[int, ...]:
    """The hash's `CHUNKS` 16-bit chunks, most significant first (each 0–65535)."""
    unsigned = to_unsigned(value)
    mask = (1 << CHUNK_BITS) - 1
    return tuple((unsigned >> (CHUNK_BITS * (CHUNKS - 1 - i))) & mask for i in range(CHUNKS))


def probe_radius(max_bits: int) -> int:
    """The per-chunk Hamming radius that finds every hash within `max_bits` of a given one.

    Pigeonhole: if each of the 4 chunks differed in more than r bits, the hashes would differ in at
    least 4(r + 1); so hashes within 4(r + 1) − 1 bits agree within r bits on at least one chunk.
    """
    return max(0, max_bits // CHUNKS)


def _within(value: int, radius: int) -> Iterator[int]:
    for flips in range(radius + 1):
        for positions in combinations(range(CHUNK_BITS), flips):
            flipped = value
            for position in positions:
                flipped ^= 1 << position
            yield flipped


def chunk_probes(value: int, max_bits: int) -> tuple[list[int], ...]:
    """Per chunk, every chunk value within `probe_radius(max_bits)` bits of this hash's: a hash within
    `max_bits` of this one has at least one chunk among them (1 + 16 + 120 = 137 values at radius 2)."""
    radius = probe_radius(max_bits)
    return tuple(sorted(_within(chunk, radius)) for chunk in chunks(value))
