"""The warm kernel's launcher: the process jupyter_client starts, signals and kills.

Run by file path (``python kernel_launcher.py SOCKET -f CONNECTION_FILE ...``) as a kernel
spec's command; standard library only, because it is on every page's critical path. It
asks the fork server (:mod:`soko.pipeline.kernels`) for a kernel on the connection file,
handing over its working folder, environment and standard streams; then it stands in for
the kernel: signals it receives go to the kernel, and it exits when the kernel does. If the
server cannot be reached it becomes a cold kernel (``exec`` of ``ipykernel_launcher``), so
the page runs either way.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Iterable, Mapping
from typing import Any

#: How long a launcher waits for its kernel: the first page of a process waits for the
#: server's imports, which a loaded machine can make slow. After that, a cold kernel.
LAUNCH_TIMEOUT = 180.0


def send(sock: socket.socket, payload: Mapping[str, Any], fds: Iterable[int] = ()) -> None:
    data = json.dumps(payload).encode("utf-8")
    message = len(data).to_bytes(4, "big") + data
    fds = list(fds)
    if fds:
        socket.send_fds(sock, [message], fds)
    else:
        sock.sendall(message)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = b""
    while len(chunks) < n:
        part = sock.recv(n - len(chunks))
        if not part:
            raise ConnectionError("соединение закрыто")
        chunks += part
    return chunks


def receive(sock: socket.socket, max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
    fds: list[int] = []
    if max_fds:
        head, fds, _flags, _addr = socket.recv_fds(sock, 4, max_fds)
        if not head:
            raise ConnectionError("соединение закрыто")
        head += _recv_exact(sock, 4 - len(head))
    else:
        head = _recv_exact(sock, 4)
    body = _recv_exact(sock, int.from_bytes(head, "big"))
    return json.loads(body.decode("utf-8")), fds


# --- the launcher (the kernel process jupyter_client starts and signals) ----------------------


def launcher_main() -> None:
    """``argv``: server socket, then the kernel's own arguments (``-f CONNECTION_FILE ...``)."""
    socket_path, args = sys.argv[1], sys.argv[2:]
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(LAUNCH_TIMEOUT)
        sock.connect(socket_path)
        send(sock, {"cwd": os.getcwd(), "env": dict(os.environ), "args": args}, fds=(0, 1, 2))
        reply, _ = receive(sock)
        pid = int(reply["pid"])
    except (OSError, ValueError, KeyError, ConnectionError) as exc:
        print(f"soko: тёплое ядро недоступно ({exc}), запускается обычное", file=sys.stderr)
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *args])
    sock.settimeout(None)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    # The child closes its end when it exits; then so does the launcher.
    while True:
        try:
            if not sock.recv(64):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    sys.exit(0)


if __name__ == "__main__":
    launcher_main()
