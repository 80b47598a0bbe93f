"""Real HTTP servers on 127.0.0.1 for tests: `http.server` in a thread on an ephemeral port.

    with LocalServer({"/ok": Reply(200, b"fine"), "/flaky": [Reply(500), Reply(200)]}) as server:
        server.url("/ok")  # "http://127.0.0.1:<port>/ok"

A route is a Reply, a list of Replies (served in turn, the last one repeats) or a callable(request) -> Reply.
`server.requests` records (method, path, query) of every request; `server.max_in_flight` the most requests the
server handled at the same time.
"""

import http.server
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer (a slow server)
    head_status: int | None = None  # a different status for HEAD (e.g. 405: HEAD refused)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict = field(default_factory=dict)

    def param(self, name, default=None):
        return self.query.get(name, [default])[0]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _serve(self, method: str):
        server = self.server.owner
        parts = urlsplit(self.path)
        request = Request(method=method, path=parts.path, query=parse_qs(parts.query), headers=dict(self.headers))
        with server.lock:
            server.requests.append(request)
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        done = False
        try:
            reply = server.reply_for(request)
            if reply.delay:
                time.sleep(reply.delay)
            # Counted as handled before the answer goes out: the client can send its next request only after it has
            # the answer, so a request it sends next never overlaps this one in the count (no false overlap under load).
            with server.lock:
                server.in_flight -= 1
            done = True
            status = reply.head_status if method == "HEAD" and reply.head_status else reply.status
            self.send_response(status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass
        finally:
            if not done:
                with server.lock:
                    server.in_flight -= 1

    def do_GET(self):
        self._serve("GET")

    def do_HEAD(self):
        self._serve("HEAD")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that hung up is no test failure
        pass


class LocalServer:
    def __init__(self, routes=None, *, default=None):
        self.routes = dict(routes or {})
        self.default = default or Reply(404, b"not found")
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self._turns: dict[str, int] = {}

    def reply_for(self, request: Request) -> Reply:
        route = self.routes.get(request.path, self.default)
        if callable(route):
            return route(request)
        if isinstance(route, list):
            with self.lock:
                turn = self._turns.get(request.path, 0)
                self._turns[request.path] = turn + 1
            return route[min(turn, len(route) - 1)]
        return route

    def __enter__(self):
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def paths(self, method: str | None = None) -> list[str]:
        return [request.path for request in self.requests if method is None or request.method == method]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
