"""ipcscope's Python harness: the tutorial's experiments, one child at a time, one JSON line each.

ipcscope writes this file (embedded in its binary) to a private temporary file and runs it with
the machine's python3 (3.8 or newer, standard library only). It builds the payload once, runs the
warm-up and counted children one after another, and writes one JSON line per child to the
descriptor given by --report-fd (never stdout, so a stray print cannot corrupt the stream):

    {"type": "hello", ...}    the interpreter, start method, verification, payload, shm name
    {"type": "child", ...}    one per child, warm-up ones first
    {"type": "done", ...}     the last line

Times come from time.perf_counter_ns (CLOCK_MONOTONIC on Linux: one clock for every process, so
the parent's and the children's stamps compare). A child's total is start() -> join(), the
tutorial's definition. The child reports its own stamps and its verification over a pipe made
before the fork.
"""

import argparse
import itertools
import json
import multiprocessing as mp
import operator
import os
import pickle
import resource
import signal
import sys
import time
import zlib
from array import array
from multiprocessing.reduction import ForkingPickler

EXPERIMENTS = ("py-inherit", "py-argument", "py-queue", "py-pipe", "py-shm", "py-spawn")
FAULTS = ("kill", "raise", "hang", "corrupt")
SHM_PREFIX = "ipcscope-"
DATA = None  # py-inherit's global, made before any child starts
now = time.perf_counter_ns


def ints_checksum(values):
    """Position-sensitive, and reads every element (so, in CPython, writes its reference count)."""
    return sum(map(operator.mul, values, itertools.count(1)))


def bytes_checksum(values):
    return zlib.crc32(values)


def pseudo_random_bytes(count):
    """ipcscope's bytes payload: xorshift64* words, little-endian, the last one cut to fit."""
    mask = (1 << 64) - 1
    state = 0x2545F4914F6CDD1D
    words = array("Q")
    for _ in range(count // 8 + 1):
        state ^= state >> 12
        state = (state ^ (state << 25)) & mask
        state ^= state >> 27
        words.append((state * 0x2545F4914F6CDD1D) & mask)
    if sys.byteorder != "little":
        words.byteswap()
    return words.tobytes()[:count]


class Expectation:
    """What every child must find: the payload's length, first and last element, checksum."""

    def __init__(self, kind, data, full):
        self.kind = kind
        self.length = len(data)
        self.first = data[0] if data else None
        self.last = data[-1] if data else None
        self.checksum = self.sum_of(data) if full else None

    def sum_of(self, values):
        return ints_checksum(values) if self.kind == "ints" else bytes_checksum(values)

    def light(self, data):
        """The tutorial's child only binds the list; this reads three things of it."""
        if len(data) != self.length:
            return f"expected {self.length} elements, got {len(data)}"
        if data and (data[0] != self.first or data[-1] != self.last):
            return f"expected first/last {self.first}/{self.last}, got {data[0]}/{data[-1]}"
        return None

    def full(self, data):
        error = self.light(data)
        if error is None and self.checksum is not None:
            got = self.sum_of(data)
            if got != self.checksum:
                error = f"checksum {got} differs from the parent's {self.checksum}"
        return error


def receive(experiment, source, shm_view):
    """In the child: returns (bytes stamp, payload, unpickled stamp or None, cleanup)."""
    if experiment == "py-inherit":
        return now(), DATA, None, None
    if experiment in ("py-argument", "py-spawn"):
        return now(), source, None, None
    if experiment == "py-pipe":
        wire = source.recv_bytes()  # Connection.recv() is exactly recv_bytes + loads
        received = now()
        return received, ForkingPickler.loads(wire), now(), None
    if experiment == "py-queue":
        # Queue.get() (3.8 to 3.13) is this body; it is spelled out to time the unpickling.
        if all(hasattr(source, name) for name in ("_rlock", "_recv_bytes", "_sem")):
            with source._rlock:
                wire = source._recv_bytes()
            source._sem.release()
            received = now()
            return received, ForkingPickler.loads(wire), now(), None
        return now(), source.get(), None, None
    # py-shm: attach by name, view the parent's bytes in place.
    from multiprocessing import shared_memory

    segment = shared_memory.SharedMemory(name=source)
    view = segment.buf[: shm_view[0]]
    data = view.cast("Q") if shm_view[1] == "ints" else view

    def cleanup():
        data.release()
        view.release()
        segment.close()

    return now(), data, None, cleanup


def corrupted(data):
    """A copy of the payload whose middle element differs: light verification misses it."""
    middle = len(data) // 2
    changed = data[middle] ^ 1
    if isinstance(data, (bytes, bytearray)) or getattr(data, "format", "Q") == "B":
        return bytes(data[:middle]) + bytes([changed]) + bytes(data[middle + 1:])
    return list(data[:middle]) + [changed] + list(data[middle + 1:])


def child_body(experiment, source, shm_view, expect, full, fault, report):
    """A child's whole life: receive, verify, report its stamps. Faults are for ipcscope's tests."""
    started = now()
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault == "hang":
        time.sleep(3600)
    received = unpickled = verified = cleanup = None
    try:
        if fault == "raise":
            raise RuntimeError("the test fault 'raise' was asked for")
        received, data, unpickled, cleanup = receive(experiment, source, shm_view)
        if fault == "corrupt":
            data = corrupted(data)
        error = expect.full(data) if full else expect.light(data)
        verified = now()
        del data
    except Exception as exception:  # a child that raises is a failure with its reason
        error = f"the child raised {type(exception).__name__}: {exception}"
    finally:
        if cleanup is not None:
            cleanup()
    report.send((started, received, unpickled, verified, error))


def usage_now():
    return resource.getrusage(resource.RUSAGE_CHILDREN)


def usage_delta(before, after):
    return {
        "minor_faults": after.ru_minflt - before.ru_minflt,
        "major_faults": after.ru_majflt - before.ru_majflt,
        "voluntary_switches": after.ru_nvcsw - before.ru_nvcsw,
        "involuntary_switches": after.ru_nivcsw - before.ru_nivcsw,
        "user_ns": round((after.ru_utime - before.ru_utime) * 1e9),
        "system_ns": round((after.ru_stime - before.ru_stime) * 1e9),
    }


def read_report(reader):
    """The child's report, or None when it died before sending one (its end is closed)."""
    try:
        return reader.recv() if reader.poll(0) else None
    except EOFError:
        return None


def exit_reason(exitcode):
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the child was killed by {name}"
    return f"the child exited with status {exitcode}"


class Harness:
    def __init__(self, args):
        self.args = args
        self.context = mp.get_context("spawn" if args.experiment == "py-spawn" else "fork")
        self.full = args.verify == "full"
        self.current = None  # the child running now, killed on SIGTERM
        self.segment = None

    def build(self):
        global DATA
        args = self.args
        data = list(range(args.count)) if args.payload == "ints" else pseudo_random_bytes(args.count)
        self.expect = Expectation(args.payload, data, self.full)
        self.data = data
        self.shm_view = None
        if args.experiment == "py-shm":
            from multiprocessing import shared_memory

            flat = array("Q", data).tobytes() if args.payload == "ints" else data
            self.segment = shared_memory.SharedMemory(
                name=f"{SHM_PREFIX}{os.getpid()}", create=True, size=max(len(flat), 1)
            )
            self.segment.buf[: len(flat)] = flat
            self.shm_view = (len(flat), args.payload)
        if args.experiment == "py-inherit":
            DATA = data

    def run_child(self, fault):
        """One child, start() -> join(); returns the fields of its line."""
        experiment = self.args.experiment
        reader, writer = self.context.Pipe(duplex=False)
        source, sender, pickle_ns = None, None, None
        if experiment in ("py-argument", "py-spawn"):
            source = self.data
        elif experiment == "py-queue":
            source = sender = self.context.Queue()
        elif experiment == "py-pipe":
            sender, source = self.context.Pipe()  # duplex: a socket pair, as in the tutorial
        elif experiment == "py-shm":
            source = self.segment.name
        if experiment in ("py-queue", "py-spawn"):
            # The Queue pickles in its feeder thread and spawn inside start(): time the same
            # pickling beside the child, outside its total.
            before = now()
            ForkingPickler.dumps(self.data)
            pickle_ns = now() - before
        child = self.context.Process(
            target=child_body,
            args=(experiment, source, self.shm_view, self.expect, self.full, fault, writer),
        )
        usage_before = usage_now()
        start = now()
        child.start()
        self.current = child
        if experiment == "py-queue":
            sender.put(self.data)
        elif experiment == "py-pipe":
            before = now()
            wire = ForkingPickler.dumps(self.data)  # Connection.send() is exactly dumps + send_bytes
            pickle_ns = now() - before
            sender.send_bytes(wire)
            del wire
        child.join(self.args.timeout)
        timed_out = child.exitcode is None
        if timed_out:
            child.kill()
            child.join()
        end = now()
        self.current = None
        usage = usage_delta(usage_before, usage_now())
        writer.close()
        report = None if timed_out else read_report(reader)
        reader.close()
        line = {"ok": False, "error": None, "total_ns": end - start, "pickle_ns": pickle_ns,
                "startup_ns": None, "transfer_ns": None, "unpickle_ns": None, "verify_ns": None, "usage": usage}
        if timed_out:
            line["error"] = f"the child did not finish within {self.args.timeout:g} s and was killed"
        elif report is None:
            line["error"] = exit_reason(child.exitcode) if child.exitcode else "the child sent no report"
        else:
            started, received, unpickled, verified, error = report
            line["startup_ns"] = started - start
            if verified is not None:
                line["transfer_ns"] = received - started
                if unpickled is not None:
                    line["unpickle_ns"] = unpickled - received
                line["verify_ns"] = verified - (unpickled or received)
            line["error"] = error if error is not None else (
                exit_reason(child.exitcode) if child.exitcode else None)
            line["ok"] = line["error"] is None
        child.close()
        return line

    def kill_current(self):
        child = self.current
        if child is not None and child.exitcode is None:
            child.kill()
            child.join()

    def release(self):
        if self.segment is not None:
            segment, self.segment = self.segment, None
            segment.close()
            segment.unlink()


class Stop(Exception):
    """SIGTERM or SIGINT arrived."""


def on_signal(signum, _frame):
    if mp.parent_process() is not None:  # a forked child inherits the handler: just die
        os._exit(128 + signum)
    raise Stop(signal.Signals(signum).name)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="ipcscope's Python harness")
    parser.add_argument("--report-fd", type=int, required=True)
    parser.add_argument("--experiment", choices=EXPERIMENTS, required=True)
    parser.add_argument("--payload", choices=("ints", "bytes"), required=True)
    parser.add_argument("--count", type=int, required=True, help="elements: ints or bytes")
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--verify", choices=("light", "full"), default="light")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per child")
    parser.add_argument("--fault", choices=FAULTS, help="for ipcscope's tests")
    parser.add_argument("--fault-child", type=int, default=0, help="the counted child to fault")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    report = os.fdopen(args.report_fd, "w", buffering=1)
    os.set_inheritable(args.report_fd, False)  # no spawned child or helper keeps it open

    def emit(kind, **fields):
        report.write(json.dumps({"type": kind, **fields}) + "\n")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    harness = Harness(args)
    try:
        setup_start = now()
        harness.build()
        emit("hello", python=sys.version.split()[0], start_method=harness.context.get_start_method(),
             experiment=args.experiment, verify=args.verify,
             payload={"kind": args.payload, "count": args.count,
                      "bytes": args.count * (8 if args.payload == "ints" else 1),
                      "first": harness.expect.first, "last": harness.expect.last},
             shm_name=harness.segment.name.lstrip("/") if harness.segment else None,
             pickle_protocol=pickle.DEFAULT_PROTOCOL, setup_ns=now() - setup_start)
        failures = 0
        for warmup, count in ((True, args.warmup), (False, args.repeats)):
            for index in range(count):
                fault = args.fault if not warmup and index == args.fault_child else None
                line = harness.run_child(fault)
                failures += not warmup and not line["ok"]
                emit("child", child=index, warmup=warmup, **line)
        emit("done", repeats=args.repeats, failures=failures)
    except Stop as stop:
        harness.kill_current()
        harness.release()
        report.close()
        sys.exit(f"harness stopped by {stop}")
    finally:
        harness.release()


if __name__ == "__main__":
    main(sys.argv[1:])
