"""A small RESP2 client for scripts/cluster.py: one connection to one node."""
import socket


class ReplyError(Exception):
    """An -ERR style reply from the server."""


class Connection:
    """A connection to host:port; call() sends one command and returns its reply
    (str for simple/bulk strings, int, list, None), raising ReplyError on -errors."""

    def __init__(self, host, port, timeout=5.0):
        self.address = f"{host}:{port}"
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.replies = self.sock.makefile("rb")

    def call(self, *args):
        """Send one command and read its reply."""
        reply = self.call_many([args])[0]
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    def call_many(self, commands):
        """Send several commands in one write (a pipeline) and return their
        replies in order; an -error reply is returned as a ReplyError, not raised."""
        out = []
        for args in commands:
            out.append(b"*%d\r\n" % len(args))
            for arg in args:
                data = arg if isinstance(arg, bytes) else str(arg).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        replies = []
        for _ in commands:
            try:
                replies.append(self._read())
            except ReplyError as err:
                replies.append(err)
        return replies

    def _read(self):
        line = self.replies.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError(f"{self.address} closed the connection")
        kind, body = line[:1], line[1:-2]
        if kind == b"+":
            return body.decode()
        if kind == b"-":
            raise ReplyError(f"{self.address}: {body.decode()}")
        if kind == b":":
            return int(body)
        if kind == b"$":
            if int(body) < 0:
                return None
            return self.replies.read(int(body) + 2)[:-2].decode("utf-8", "replace")
        if kind == b"*":
            if int(body) < 0:
                return None
            return [self._read() for _ in range(int(body))]
        raise ConnectionError(f"{self.address} sent {line!r}")

    def close(self):
        """Close the connection (idempotent)."""
        self.replies.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def call(host, port, *args, timeout=5.0):
    """One command on a fresh connection."""
    with Connection(host, port, timeout) as conn:
        return conn.call(*args)
