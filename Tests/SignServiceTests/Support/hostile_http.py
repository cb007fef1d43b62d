#!/usr/bin/env python3
"""A hostile HTTP server for the network tests. Prints its port on the first line, then
serves until killed. Every request is logged to LOG as one JSON line (method, path,
authorization header) so tests can see what a client sent and how often.

usage: hostile_http.py LOG [FILE_FOR_/file]
Paths:
  /huge       200, Content-Length: 100000000000, then zeros as fast as the socket takes them
  /endless    200, no length, zeros forever (connection: close framing)
  /slow       200, Content-Length: 1000, one byte a second
  /redirect/CODE/PORT/PATH   CODE redirect to http://127.0.0.1:PORT/PATH
  /file       200 with the bytes of FILE_FOR_/file (a CRL, say)
  anything else: 404"""
import json, socketserver, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

LOG = sys.argv[1]
FILE = sys.argv[2] if len(sys.argv) > 2 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def record(self):
        with open(LOG, 'a') as log:
            log.write(json.dumps({'method': self.command, 'path': self.path,
                                  'authorization': self.headers.get('Authorization')}) + '\n')

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        self.record()
        chunk = b'\0' * 65536
        try:
            if self.path == '/huge':
                self.send_response(200)
                self.send_header('Content-Length', '100000000000')
                self.end_headers()
                while True:
                    self.wfile.write(chunk)
            elif self.path == '/endless':
                self.send_response(200)
                self.send_header('Connection', 'close')
                self.end_headers()
                while True:
                    self.wfile.write(chunk)
            elif self.path == '/slow':
                self.send_response(200)
                self.send_header('Content-Length', '1000')
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b'\0')
                    self.wfile.flush()
                    time.sleep(1)
            elif self.path.startswith('/redirect/'):
                _, _, code, port, rest = self.path.split('/', 4)
                self.send_response(int(code))
                self.send_header('Location', 'http://127.0.0.1:%s/%s' % (port, rest))
                self.send_header('Content-Length', '0')
                self.end_headers()
            elif self.path == '/file' and FILE:
                data = open(FILE, 'rb').read()
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.send_response(404)
                self.send_header('Content-Length', '0')
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True


server = Server(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
