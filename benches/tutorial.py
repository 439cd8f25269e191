#!/usr/bin/env python3
"""The tutorial's experiment in Python, to compare with `ipcscope run --preset seed`.

Each child gets a list of 1,000,000 integers: inherited across fork (a global made before the
child starts), as its argument, through a multiprocessing.Queue, or through a Pipe. Children
run one after another; the time per child is the total over all children divided by their
number. The child checks the list's length and its last element (ipcscope's children checksum
every element, so this favours Python).

    python3 benches/tutorial.py                 # all four methods, 100 children each
    python3 benches/tutorial.py -n 1000 pipe    # the tutorial's 1000 children, one method
"""

import argparse
import multiprocessing as mp
import time

SIZE = 1_000_000
METHODS = ("inherit", "argument", "queue", "pipe")
DATA = None  # the inherited global, made before any child starts


def check(data):
    if len(data) != SIZE or data[-1] != SIZE - 1:
        raise SystemExit(1)


def inherit_child():
    check(DATA)


def argument_child(data):
    check(data)


def queue_child(queue):
    check(queue.get())


def pipe_child(conn):
    check(conn.recv())


def run_one(method, data):
    if method == "inherit":
        child = mp.Process(target=inherit_child)
        child.start()
    elif method == "argument":
        child = mp.Process(target=argument_child, args=(data,))
        child.start()
    elif method == "queue":
        queue = mp.Queue()
        child = mp.Process(target=queue_child, args=(queue,))
        child.start()
        queue.put(data)
    else:
        parent_end, child_end = mp.Pipe()
        child = mp.Process(target=pipe_child, args=(child_end,))
        child.start()
        parent_end.send(data)
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"a {method} child failed with exit code {child.exitcode}")


def main():
    global DATA
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--children", type=int, default=100)
    parser.add_argument("methods", nargs="*", metavar="METHOD",
                        help="inherit, argument, queue or pipe (default: all four)")
    args = parser.parse_args()
    args.methods = args.methods or list(METHODS)
    for method in args.methods:
        if method not in METHODS:
            parser.error(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    mp.set_start_method("fork")
    DATA = list(range(SIZE))
    for method in args.methods:
        run_one(method, DATA)  # one warm-up child
        start = time.perf_counter()
        for _ in range(args.children):
            run_one(method, DATA)
        per_child = (time.perf_counter() - start) / args.children
        print(f"{method:<9} {per_child * 1e3:8.2f} ms per child ({args.children} children)")


if __name__ == "__main__":
    main()
