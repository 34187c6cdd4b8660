"""SQS for the sandbox and tests: moto's server on 127.0.0.1, started by NodeEmulatorProcess.

Its stdin is a pipe from the .NET process that started it; when that process dies without
stopping the emulator, the pipe closes and this process exits, instead of holding its port.
Usage: python3 moto-sqs.py <port>
"""
import os
import sys

try:
    from moto.server import ThreadedMotoServer
except ImportError:
    sys.stderr.write("moto is not installed for this python3 (the machine image ships moto 5.2)\n")
    sys.exit(3)

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print(f"moto-sqs listening on 127.0.0.1:{port}", flush=True)
sys.stdin.read()
os._exit(0)
