"""Draws the app's PNG icons with the standard library only (zlib); run from anywhere."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "frontend" / "icons"

Colour = tuple[int, int, int]


def png(path: Path, width: int, height: int, pixel) -> None:  # type: ignore[no-untyped-def]
    """Writes an RGB PNG whose colour at (x, y) is pixel(x, y)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def mix(a: Colour, b: Colour, t: float) -> Colour:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t),
            round(a[2] + (b[2] - a[2]) * t))


def cover(d: float) -> float:
    """Anti-aliased coverage of a shape edge at signed distance d (negative inside)."""
    return max(0.0, min(1.0, 0.5 - d))


BG = (31, 95, 99)
LIGHT = (246, 241, 234)
WARM = (232, 170, 140)


def attune(size: int, safe: float) -> object:
    """Two overlapping circles, side by side: two people, in tune."""
    r = size * safe * 0.26
    cy = size / 2
    cx1, cx2 = size / 2 - r * 0.55, size / 2 + r * 0.55

    def pixel(x: int, y: int) -> Colour:
        px, py = x + 0.5, y + 0.5
        d1 = ((px - cx1) ** 2 + (py - cy) ** 2) ** 0.5 - r
        d2 = ((px - cx2) ** 2 + (py - cy) ** 2) ** 0.5 - r
        c = BG
        c = mix(c, LIGHT, cover(d1))
        c = mix(c, WARM, cover(d2) * 0.85)
        return c

    return pixel


def rounded(size: int, pixel_inside, radius: float, outside: Colour = LIGHT):  # type: ignore[no-untyped-def]
    """Clips an icon to a rounded square (for the "any" purpose icons)."""

    def pixel(x: int, y: int) -> Colour:
        px, py = x + 0.5, y + 0.5
        qx = max(abs(px - size / 2) - (size / 2 - radius), 0)
        qy = max(abs(py - size / 2) - (size / 2 - radius), 0)
        d = (qx * qx + qy * qy) ** 0.5 - radius
        return mix(outside, pixel_inside(x, y), cover(d))

    return pixel


def notes(size: int) -> object:
    """The discreet icon: lines on a grey card, nothing more."""
    grey, paper, ink = (91, 103, 112), (244, 244, 244), (150, 158, 166)

    def pixel(x: int, y: int) -> Colour:
        m = size * 0.22
        if m < x < size - m and m < y < size - m:
            row = (y - m) / (size - 2 * m)
            if 0.15 < row < 0.85 and int(row * 10) % 2 == 0 and x < size - m * 1.4:
                return ink
            return paper
        return grey

    return pixel


def screenshot(width: int, height: int) -> object:
    """A plain narrow screenshot: the shell with its large pause button."""
    bar_top = height - 190

    def pixel(x: int, y: int) -> Colour:
        if y < 56:
            return (255, 255, 255) if not (12 < x < 130 and 10 < y < 46) else (255, 221, 0)
        if y > bar_top:
            if 14 < x < width - 14 and bar_top + 14 < y < bar_top + 84:
                return (161, 18, 27)
            return (255, 255, 255)
        if 16 < x < width - 16 and 90 < y < 300:
            return (255, 255, 255)
        return LIGHT

    return pixel


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    for size in (192, 512):
        png(ICONS / f"icon-{size}.png", size, size, rounded(size, attune(size, 1.0), size * 0.22))
        png(ICONS / f"discreet-{size}.png", size, size, notes(size))
    png(ICONS / "maskable-512.png", 512, 512, attune(512, 0.8))
    png(ICONS / "screenshot-narrow.png", 390, 844, screenshot(390, 844))


if __name__ == "__main__":
    main()
