"""A TSA made of `openssl ts -reply`, for tests that need one nobody trusts.

    python3 openssl_tsa.py SIGNER.pem KEY.pem CHAIN.pem CONFIG LOG   # prints its port

Every POST body is a TimeStampReq; the answer is what `openssl ts -reply` signs with
SIGNER (its [tsa_config] in CONFIG). Each request's path is appended to LOG.
"""
import http.server
import os
import subprocess
import sys
import tempfile

signer, key, chain, config, log = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(log, "a") as out:
            out.write(self.path + "\n")
        with tempfile.TemporaryDirectory() as work:
            query, reply = os.path.join(work, "q.tsq"), os.path.join(work, "r.tsr")
            with open(query, "wb") as q:
                q.write(body)
            subprocess.run(["openssl", "ts", "-reply", "-config", config, "-queryfile", query, "-signer", signer,
                            "-inkey", key, "-chain", chain, "-out", reply], check=True, capture_output=True)
            with open(reply, "rb") as r:
                answer = r.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self):
        with open(log, "a") as out:
            out.write(self.path + "\n")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
