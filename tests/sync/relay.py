"""A TCP relay on 127.0.0.1 in front of a real server: the tests close and open it to
take the server away and give it back (on the same address), and hold its answers back
to kill a client at the worst moment, without stopping the server itself."""

from __future__ import annotations

import re
import socket
import threading


class Relay:
    """A TCP relay 127.0.0.1:port -> target. down() closes it (connections refused),
    up() opens it again on the same port; hold() keeps the server's answers back
    (requests still go through) until release(), and so does the first request that
    matches `hold_on` once it has gone through. seen holds what clients sent."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.seen = bytearray()
        self.hold_on: re.Pattern[bytes] | None = None
        self._held = threading.Event()
        self._released = threading.Event()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self.up()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self._listener is not None:
            try:  # (wakes the accept() of the other thread, which close() alone does not)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._socks.clear()

    def hold(self) -> None:
        self._released.clear()
        self._held.set()

    def release(self) -> None:
        self._held.clear()
        self._released.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            with self._lock:
                self._socks += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False),
                             daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, upstream: bool) -> None:
        try:
            while data := src.recv(65536):
                if upstream:
                    self.seen += data
                    if self.hold_on is not None and self.hold_on.search(data):
                        self.hold()  # (the server gets it and applies it; no answer back)
                elif self._held.is_set():
                    self._released.wait()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
