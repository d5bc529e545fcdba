"""The two servers scripts/bench.py compares: start, talk to, measure, stop.

Each server runs in its own temporary folder (its cwd and --dir) on a free
loopback port, with the same settings on both sides. What is read from
/proc: CPU time (utime + stime of the whole process, every thread) and RSS.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    """A loopback port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode_command(*args):
    """One command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def read_reply(sock_file):
    """One RESP2 reply from a socket's file object (enough for PING, INFO, DBSIZE)."""
    line = sock_file.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, body = line[:1], line[1:-2]
    if kind in (b"+", b":"):
        return body.decode()
    if kind == b"-":
        raise RuntimeError(body.decode())
    if kind == b"$":
        length = int(body)
        if length < 0:
            return None
        data = sock_file.read(length + 2)
        return data[:-2].decode()
    raise RuntimeError(f"unexpected reply {line!r}")


def command(port, *args, timeout=10):
    """Send one command on a fresh connection and return its reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(encode_command(*args))
        with sock.makefile("rb") as f:
            return read_reply(f)


def info_field(port, section, field):
    """One numeric field of INFO <section>."""
    for line in command(port, "INFO", section).splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value)
    raise KeyError(f"INFO {section} has no {field}")


def cpu_seconds(pid):
    """utime + stime of a process (all its threads) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    # The command name is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def rss_bytes(pid):
    """Resident set size from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise KeyError("no VmRSS")


class Server:
    """One server process: name, argv (without port and dir), port, pid."""

    def __init__(self, name, argv, keep=False):
        self.name = name
        self.argv = argv
        self.keep = keep
        self.port = None
        self.proc = None
        self.folder = None
        self.log = None

    def start(self, common_args, seconds=30):
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix=f"bench-{self.name}-")
        argv = self.argv + ["--port", str(self.port), "--bind", "127.0.0.1",
                            "--dir", self.folder] + common_args
        self.log = open(os.path.join(self.folder, "server.log"), "wb")
        self.proc = subprocess.Popen(argv, cwd=self.folder, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self._wait_ready(seconds)
        return self

    def _wait_ready(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with status {self.proc.returncode}; "
                                 f"log: {self._log_tail()}")
            try:
                if command(self.port, "PING", timeout=2) == "PONG":
                    return
            except (OSError, RuntimeError):
                pass
            time.sleep(0.05)
        raise SystemExit(f"{self.name} did not answer PING within {seconds} s")

    def _log_tail(self):
        with open(os.path.join(self.folder, "server.log"), "rb") as f:
            return f.read()[-500:].decode(errors="replace").strip()

    @property
    def pid(self):
        return self.proc.pid

    def cpu_seconds(self):
        return cpu_seconds(self.pid)

    def rss_bytes(self):
        return rss_bytes(self.pid)

    def used_memory(self):
        return info_field(self.port, "memory", "used_memory")

    def stop(self):
        """Terminate, wait, kill if it will not go; remove the folder unless kept."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
        if self.folder is not None:
            if self.keep:
                print(f"kept {self.name}'s folder: {self.folder}")
            else:
                shutil.rmtree(self.folder, ignore_errors=True)
        self.proc = None
