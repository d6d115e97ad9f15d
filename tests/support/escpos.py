"""Reading ESC/POS bytes back as a printer would print them, for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

CHINESE_ON, CHINESE_OFF = b"\x1c&", b"\x1c."


@dataclass
class Printout:
    """What a printer would make of the bytes: text lines with their size, barcodes (module
    width and data), QR code data, raster images (bytes per row, rows), and cuts."""

    lines: list[tuple[str, int]] = field(default_factory=list)
    barcodes: list[tuple[int, bytes]] = field(default_factory=list)
    qr_codes: list[bytes] = field(default_factory=list)
    images: list[tuple[int, int]] = field(default_factory=list)
    pictures: list[Image.Image] = field(default_factory=list)
    cuts: int = 0

    def text(self) -> str:
        return "".join(line for line, _ in self.lines)


def read_escpos(output: bytes) -> Printout:
    """Decode exactly the ESC/POS commands the renderer uses; anything else fails."""
    printout, line, size, module, at = Printout(), "", 1, 0, 0
    while at < len(output):
        byte, command = output[at], output[at + 1:at + 2]
        if output.startswith(CHINESE_ON, at):
            end = output.index(CHINESE_OFF, at)
            line += output[at + 2:end].decode("gb18030")
            at = end + 2
        elif byte == 0x0A:
            printout.lines.append((line, size))
            line, at = "", at + 1
        elif 0x20 <= byte < 0x7F:
            line += chr(byte)
            at += 1
        elif byte == 0x1B and command in (b"@",):
            at += 2
        elif byte == 0x1B and command in (b"E", b"a", b"t", b"d"):
            at += 3
        elif byte == 0x1D and command == b"!":
            size = (output[at + 2] >> 4) + 1
            at += 3
        elif byte == 0x1D and command in (b"h", b"w", b"f", b"H"):
            module = output[at + 2] if command == b"w" else module
            at += 3
        elif byte == 0x1D and command == b"k":
            assert output[at + 2] == 73, "Code 128, function B"
            length = output[at + 3]
            printout.barcodes.append((module, output[at + 4:at + 4 + length]))
            at += 4 + length
        elif byte == 0x1D and output.startswith(b"(k", at + 1):
            length = output[at + 3] + 256 * output[at + 4]
            payload = output[at + 5:at + 5 + length]
            if payload.startswith(b"1P0"):
                printout.qr_codes.append(payload[3:])
            at += 5 + length
        elif byte == 0x1D and output.startswith(b"v0", at + 1):
            width = output[at + 4] + 256 * output[at + 5]
            height = output[at + 6] + 256 * output[at + 7]
            printout.images.append((width, height))
            raster = output[at + 8:at + 8 + width * height]
            printout.pictures.append(  # GS v 0 rows: one bit per dot, 1 is black
                Image.frombytes("1", (width * 8, height), raster, "raw", "1;I"))
            at += 8 + width * height
        elif byte == 0x1D and command == b"V":
            printout.cuts += 1
            at += 3
        else:
            raise AssertionError(f"unexpected byte {byte:#04x} at {at}: {output[at:at + 12]!r}")
    assert line == "", "text after the last line feed is never printed"
    return printout
