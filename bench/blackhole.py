#!/usr/bin/env python3
"""Two kinds of unreachable neighbour on loopback, for bench/breach.sh (no traffic leaves the machine).

  blackhole.py hang PORT   accepts connections, reads requests and never answers
  blackhole.py drop PORT   never accepts: its accept queue is filled once, after which the kernel
                           drops every SYN, so a client's connect() hangs exactly as it does
                           towards an unroutable host or through a firewall that drops packets
Runs until killed.
"""
import socket
import sys
import threading


def hang(port):
    server = socket.create_server(("127.0.0.1", port), backlog=128)

    def swallow(conn):
        with conn:
            while conn.recv(65536):
                pass

    while True:
        conn, _ = server.accept()
        threading.Thread(target=swallow, args=(conn,), daemon=True).start()


def drop(port):
    server = socket.create_server(("127.0.0.1", port), backlog=0)
    filler = socket.create_connection(("127.0.0.1", port))  # fills the queue of one
    threading.Event().wait()
    del server, filler


if __name__ == "__main__":
    {"hang": hang, "drop": drop}[sys.argv[1]](int(sys.argv[2]))
