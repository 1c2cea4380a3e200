"""A loopback HTTP proxy in front of moto that counts what AWS would bill.

  python count_proxy.py LISTEN_PORT UPSTREAM_PORT LOG.jsonl

Every request is forwarded unchanged and logged as one JSON line:
- SQS (JSON protocol, `X-Amz-Target: AmazonSQS.<Action>`; or the query protocol's
  `Action=`): the action, the message count and the payload bytes — message bodies sent
  (SendMessage, SendMessageBatch) or received (ReceiveMessage) — and billed `units`: SQS
  bills each 64 KiB chunk of a request's payload as one request, at least one per request.
- S3: the method, the key, and the request body's bytes (`PUT` without `partNumber` is a
  PutObject).
"""

import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"}


def sqs_payload(action, request, response):
    """(messages, payload bytes) of one SQS call, from its JSON request and response."""
    try:
        if action == "SendMessage":
            return 1, len(json.loads(request)["MessageBody"].encode())
        if action == "SendMessageBatch":
            entries = json.loads(request)["Entries"]
            return len(entries), sum(len(e["MessageBody"].encode()) for e in entries)
        if action == "ReceiveMessage":
            messages = json.loads(response).get("Messages", [])
            return len(messages), sum(len(m["Body"].encode()) for m in messages)
        if action in ("DeleteMessageBatch", "ChangeMessageVisibilityBatch"):
            return len(json.loads(request)["Entries"]), 0
    except (ValueError, KeyError):
        pass
    return 0, 0


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    log = None
    lock = threading.Lock()
    local = threading.local()

    def log_message(self, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def forward(self):
        request = self.body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Content-Length"] = str(len(request))
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=120)
            try:
                conn.request(self.command, self.path, body=request, headers=headers)
                reply = conn.getresponse()
                response = reply.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        # Logged before answering: once the client has its answer, the call is in the log.
        self.record(request, response, reply.status)
        self.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(response)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response)

    def record(self, request, response, status):
        target = self.headers.get("X-Amz-Target", "")
        action = target.split(".", 1)[1] if target.startswith("AmazonSQS.") else None
        if action is None and self.command == "POST" and b"Action=" in request[:200]:
            action = urllib.parse.parse_qs(request.decode(errors="replace")).get("Action", [None])[0]
        if action:
            messages, payload = sqs_payload(action, request, response)
            row = {"service": "sqs", "action": action, "messages": messages, "payload_bytes": payload,
                   "units": max(1, -(-payload // CHUNK)), "status": status}
        else:
            url = urllib.parse.urlsplit(self.path)
            row = {"service": "s3", "method": self.command, "path": url.path, "query": url.query,
                   "bytes": len(request), "status": status}
        with self.lock:
            self.log.write(json.dumps(row) + "\n")
            self.log.flush()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


def main():
    listen, upstream, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    Proxy.upstream = upstream
    Proxy.log = open(log, "a")
    server = ThreadingHTTPServer(("127.0.0.1", listen), Proxy)
    server.daemon_threads = True
    print(f"counting proxy on {listen} → {upstream}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
