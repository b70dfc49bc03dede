"""HTTP over a raw socket, for tests of what a server does before a body has arrived (413 from the
headers alone, a chunked upload cut at the first byte over a limit)."""

from __future__ import annotations

import select
import socket
from urllib.parse import urlsplit


def raw_request(base: str, head_lines: list[str]) -> tuple[socket.socket, bytes]:
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30)
    head = "\r\n".join([*head_lines, f"Host: {parts.netloc}", "", ""]).encode()
    return sock, head


def read_status(sock: socket.socket) -> tuple[int, bytes]:
    """The status and the whole answer: the head, then the body up to its Content-Length."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    status = int(received.split(b" ", 2)[1])
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:  # the body may arrive in a later segment than the head
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, head + b"\r\n\r\n" + body


def send_chunked_photo_until_answered(
    base: str, path: str, head_lines: list[str], boundary: str, *, give_up_at: int = 60_000_000
) -> tuple[int, bytes, int]:
    """POST a chunked multipart body whose one photo never ends, until the server answers (or
    `give_up_at` bytes are sent); the status, the answer and how many body bytes the client sent."""
    sock, head = raw_request(
        base,
        [
            f"POST {path} HTTP/1.1",
            *head_lines,
            f"Content-Type: multipart/form-data; boundary={boundary}",
            "Transfer-Encoding: chunked",
        ],
    )
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode() + b"\xff\xd8\xff"
    block = b"\x00" * (64 * 1024)
    sent = 0
    answer = b""
    with sock:
        sock.sendall(head)
        sock.sendall(b"%x\r\n%s\r\n" % (len(preamble), preamble))
        try:
            while sent < give_up_at:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            status, answer = read_status(sock)
        except ConnectionResetError:
            status = 0
    return status, answer, sent
