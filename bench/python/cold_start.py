"""Cold start: process start to ready-for-the-first-invocation.

  python cold_start.py CONVERTER_BINARY RUNS

- The converter: started the way Lambda starts the image's entry point (no arguments,
  `AWS_LAMBDA_RUNTIME_API` pointing at a stand-in Runtime API served here, `LAKE_URI` a local
  directory so no network round trip is timed), from `Popen` until its first
  `GET /2018-06-01/runtime/invocation/next` arrives: by then the settings are read, the
  logs, the Tokio runtime, the lake and the handler are built, and the runtime asks for work.
  The process is then stopped.
- Python: `python -c "import pandas, pyarrow, boto3"` from `Popen` to exit, the imports the
  common design's handler module needs before its first invocation.

Runs alternate; prints one JSON line with every run and the medians (ms).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

first_poll = threading.Event()


class RuntimeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            first_poll.set()
        # Never hand out an invocation: the process is stopped once it has asked.
        time.sleep(5)

    do_POST = do_GET


def converter_ms(binary, port, lake):
    env = dict(
        os.environ,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
        AWS_LAMBDA_FUNCTION_NAME="behavior-converter",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/behavior-converter",
        AWS_LAMBDA_LOG_STREAM_NAME="cold-start",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        LAKE_URI=lake,
    )
    first_poll.clear()
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = first_poll.wait(30)
    elapsed = (time.perf_counter() - started) * 1e3
    process.kill()
    process.wait()
    if not ready:
        raise SystemExit("the converter never asked for an invocation")
    return elapsed


def python_ms():
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pandas, pyarrow, boto3"], check=True)
    return (time.perf_counter() - started) * 1e3


def main():
    binary, runs = sys.argv[1], int(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lake = tempfile.mkdtemp(prefix="cold-start-lake-")
    rust, python = [], []
    for _ in range(runs):
        rust.append(converter_ms(binary, server.server_address[1], lake))
        python.append(python_ms())
    print(
        json.dumps(
            {
                "converter_ms": statistics.median(rust),
                "python_imports_ms": statistics.median(python),
                "converter_runs": [round(x, 1) for x in rust],
                "python_runs": [round(x, 1) for x in python],
                "binary": binary,
                "binary_bytes": os.path.getsize(binary),
            }
        )
    )


if __name__ == "__main__":
    main()
