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

# moto asks the clock for every message on every call (visible? delayed?), through a
# datetime round trip of about 5 us; with a few thousand messages waiting, one ReceiveMessage
# took 2 s and the server stopped keeping up (measured). The same value from time.time() is
# ~40x cheaper. Only the "now" case is replaced; semantics are unchanged (no frozen clocks here).
import time
import moto.sqs.models as sqs_models

_moto_unix_time = sqs_models.unix_time
_moto_unix_time_millis = sqs_models.unix_time_millis


def _unix_time(dt=None):
    return time.time() if dt is None else _moto_unix_time(dt)


def _unix_time_millis(dt=None):
    return time.time() * 1000.0 if dt is None else _moto_unix_time_millis(dt)


sqs_models.unix_time = _unix_time
sqs_models.unix_time_millis = _unix_time_millis

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
print(f"moto-sqs listening on 127.0.0.1:{port}", flush=True)
sys.stdin.read()
os._exit(0)
