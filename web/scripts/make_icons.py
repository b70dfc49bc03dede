"""Draw the reporter app's icons (a white whistle on the city-red square) with Pillow.

Run once after changing the drawing: ``.venv/bin/python web/scripts/make_icons.py``; the PNGs it writes
to web/public/app/icons/ are committed. Our own drawing: nothing third-party.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

RED = (198, 40, 40, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "app" / "icons"


def whistle(size: int, *, safe_zone: float) -> Image.Image:
    """A whistle: round body, mouthpiece to the right, a sound opening, and three sound lines."""
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    image = Image.new("RGBA", (s, s), RED)
    draw = ImageDraw.Draw(image)
    inset = s * (1 - safe_zone) / 2
    span = s - 2 * inset

    def px(x: float, y: float) -> tuple[float, float]:
        return inset + x * span, inset + y * span

    body_box = [*px(0.10, 0.38), *px(0.52, 0.80)]
    draw.ellipse(body_box, fill=WHITE)
    draw.rectangle([*px(0.30, 0.38), *px(0.90, 0.56)], fill=WHITE)
    draw.ellipse([*px(0.24, 0.52), *px(0.38, 0.66)], fill=RED)
    draw.rectangle([*px(0.44, 0.44), *px(0.56, 0.50)], fill=RED)
    width = max(1, round(span * 0.035))
    for x0, y0, x1, y1 in ((0.55, 0.28, 0.62, 0.14), (0.68, 0.30, 0.78, 0.18), (0.80, 0.34, 0.92, 0.27)):
        draw.line([*px(x0, y0), *px(x1, y1)], fill=WHITE, width=width)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    whistle(192, safe_zone=0.86).save(OUT / "icon-192.png", optimize=True)
    whistle(512, safe_zone=0.86).save(OUT / "icon-512.png", optimize=True)
    # Maskable icons are cropped to a circle by some launchers: keep the drawing in the inner 70 %.
    whistle(512, safe_zone=0.66).save(OUT / "maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
