"""A slow reverse proxy for one test: every POST waits DELAY seconds, then is forwarded to
TARGET (Content-Type and Authorization kept) and its answer returned. It records how many
requests were waiting at once (the most, and the total) in LOG as JSON.

    python3 slow_proxy.py TARGET DELAY LOG    # prints the port it listens on
"""
import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.request

target, delay, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
state = {"waiting": 0, "most": 0, "total": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            state["waiting"] += 1
            state["total"] += 1
            state["most"] = max(state["most"], state["waiting"])
        time.sleep(delay)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")}
        try:
            answer, code = urllib.request.urlopen(urllib.request.Request(target, data=body, headers=headers), timeout=30).read(), 200
        except urllib.error.HTTPError as error:
            answer, code = error.read(), error.code
        with lock:
            state["waiting"] -= 1
            with open(log, "w") as out:
                json.dump(state, out)
        self.send_response(code)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
