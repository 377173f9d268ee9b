#!/usr/bin/env python3
"""Opens one LU through netmgr and sends numbered messages, each waiting until the host
accepted it, printing what the client reports (the resource moving to the other node, the
session resuming there). Kill the active node while it runs and activate the other one:
every message still arrives. The Python twin of examples/c/send_through_failover.c.

    PYTHONPATH=python python3 examples/python/send_through_failover.py \\
        --server 127.0.0.11:7301 --server 127.0.0.12:7301 \\
        --ca pki/ca.pem --cert app.pem --key app-key.pem \\
        --resource TNVIP --lu VIPLU01 --count 100 --interval-ms 20

Message i reads "<LU> message <i>". Exits 0 when the host accepted all of them, 1 on an error.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from netmgr_client import Client, NetMgrError  # noqa: E402


def describe(event, resource):
    if event.type == "resource_moved" and event.resource == resource:
        return "resource %s moved from %s to %s (epoch %d)" % (event.resource, event.previous_node or "-", event.node or "-", event.epoch)
    if event.type == "session_resumed":
        return "session %s resumed on %s, host sees %s, messages sent again: %d" % (event.lu, event.node, event.host_address, event.count)
    if event.type == "session_opened":
        return "session %s opened on %s, host sees %s" % (event.lu, event.node, event.host_address)
    if event.type in ("server_connected", "server_lost"):
        return "server %s %s%s" % (event.server, event.type[7:], ": " + event.detail if event.detail else "")
    if event.type in ("message_failed", "session_refused", "events_dropped"):
        return repr(event)
    return None  # acks of sent messages, LU state changes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", action="append", required=True, help="HOST:PORT of a netmgrd (repeat for each)")
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--name")
    parser.add_argument("--resource", required=True)
    parser.add_argument("--lu", required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--interval-ms", type=int, default=20)
    parser.add_argument("--timeout-ms", type=int, default=30000)
    args = parser.parse_args()
    tls = (args.ca, args.cert, args.key) if args.ca else None
    moved = resumed = 0

    def show_events(client):
        nonlocal moved, resumed
        for event in client.events(timeout=0):
            moved += event.type == "resource_moved" and event.resource == args.resource
            resumed += event.type == "session_resumed"
            text = describe(event, args.resource)
            if text:
                print("event:", text, flush=True)

    try:
        with Client(args.server, name=args.name, tls=tls) as client:
            client.start()
            with client.open_session(args.resource, args.lu, timeout=args.timeout_ms / 1000) as session:
                for i in range(1, args.count + 1):
                    sequence = session.send(("%s message %d" % (args.lu, i)).encode(), timeout=args.timeout_ms / 1000)
                    if i % 25 == 0 or i == args.count:
                        print("accepted: %d of %d (sequence %d)" % (i, args.count, sequence), flush=True)
                    show_events(client)
                    time.sleep(args.interval_ms / 1000)
            show_events(client)
    except NetMgrError as error:
        print("send_through_failover.py: %s" % error, file=sys.stderr)
        return 1
    print("done: the host accepted all %d messages; resource moved %d times, session resumed %d times" % (args.count, moved, resumed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
