"""NetMgrClient for Python: a ctypes binding of libnetmgrclient.so (netmgr_client.h).

No dependency beyond the standard library. The library is found, in order, at
$NETMGR_CLIENT_LIBRARY (a path), as libnetmgrclient.so beside this file, in its parent
directory (where scripts/c-api-install puts both) or in ../lib from it, or by
ctypes.util.find_library("netmgrclient") (ldconfig).

    from netmgr_client import Client

    with Client(["127.0.0.11:7301", "127.0.0.12:7301"], name="app",
                tls=("ca.pem", "app.pem", "app-key.pem")) as client:
        client.start()
        with client.open_session("TNVIP", "VIPLU01", timeout=30) as session:
            session.send(b"hello")            # returns once the host accepted it
            data = session.receive(timeout=5)  # bytes, or raises NetMgrError (TIMEOUT)
            for event in client.events(timeout=0):
                print(event)

Timeouts are in seconds (None: no limit, 0: no waiting). Errors raise NetMgrError, whose
`code` is one of the NETMGR_E_* values below and whose message is the library's detail.
Threads: as in the header: any thread may call anything; the event callback runs on the
client's internal thread.
"""

import ctypes
import ctypes.util
import os

__all__ = ["Client", "Session", "Event", "NetMgrError", "library"]

NETMGR_OK = 0
NETMGR_E_INVALID = 1
NETMGR_E_TIMEOUT = 2
NETMGR_E_BUFFER_TOO_SMALL = 3
NETMGR_E_STATE = 4
NETMGR_E_TLS = 5
NETMGR_E_HOST_REJECTED = 10
NETMGR_E_SERVER_QUEUE_FULL = 11
NETMGR_E_SESSION_CLOSED = 12
NETMGR_E_QUEUE_FULL = 13
NETMGR_E_TOO_LARGE = 14
NETMGR_E_UNKNOWN_RESOURCE = 15
NETMGR_E_UNKNOWN_LU = 16
NETMGR_E_NOT_ACTIVE = 17
NETMGR_E_LU_IN_USE = 18
NETMGR_E_SERVER_SHUTTING_DOWN = 19
NETMGR_E_NOT_AUTHORISED = 20
NETMGR_E_LICENCE_EXHAUSTED = 21
NETMGR_E_SHUT_DOWN = 22
NETMGR_E_PROTOCOL = 23
NETMGR_E_INTERNAL = 99

EVENT_TYPES = {
    1: "server_connected",
    2: "server_lost",
    3: "resource_moved",
    4: "session_opened",
    5: "session_resumed",
    6: "session_state",
    7: "message_acked",
    8: "message_failed",
    9: "session_refused",
    10: "events_dropped",
}


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("error", ctypes.c_int),
        ("resource", ctypes.c_char_p),
        ("lu", ctypes.c_char_p),
        ("node", ctypes.c_char_p),
        ("previous_node", ctypes.c_char_p),
        ("server", ctypes.c_char_p),
        ("host_address", ctypes.c_char_p),
        ("state", ctypes.c_char_p),
        ("detail", ctypes.c_char_p),
        ("sequence", ctypes.c_uint64),
        ("epoch", ctypes.c_uint64),
        ("count", ctypes.c_uint64),
    ]


_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Event), ctypes.c_void_p)
_DATA_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("NETMGR_CLIENT_LIBRARY")]
    candidates += [os.path.join(here, name) for name in ("libnetmgrclient.so", "../libnetmgrclient.so", "../lib/libnetmgrclient.so")]
    errors = []
    for candidate in candidates:
        if candidate and (os.path.exists(candidate) or candidate is candidates[0]):
            try:
                return ctypes.CDLL(candidate)
            except OSError as error:
                errors.append("%s: %s" % (candidate, error))
    found = ctypes.util.find_library("netmgrclient")  # runs ldconfig: the last resort
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError as error:
            errors.append("%s: %s" % (found, error))
    raise ImportError("libnetmgrclient.so not found (set NETMGR_CLIENT_LIBRARY to its path): " + "; ".join(errors or ["not installed"]))


library = _load()

_c = ctypes
_handle = ctypes.c_void_p
_signatures = {
    "netmgr_api_version": (_c.c_int, []),
    "netmgr_strerror": (_c.c_char_p, [_c.c_int]),
    "netmgr_last_error_message": (_c.c_char_p, []),
    "netmgr_max_message_size": (_c.c_size_t, []),
    "netmgr_client_create": (_c.c_int, [_c.POINTER(_c.c_char_p), _c.c_size_t, _c.c_char_p,
                                        _c.c_char_p, _c.c_char_p, _c.c_char_p, _c.POINTER(_handle)]),
    "netmgr_client_start": (_c.c_int, [_handle]),
    "netmgr_client_destroy": (_c.c_int, [_handle]),
    "netmgr_wait_until_active": (_c.c_int, [_handle, _c.c_char_p, _c.c_int, _c.c_char_p, _c.c_size_t]),
    "netmgr_client_set_event_callback": (_c.c_int, [_handle, _CALLBACK, _c.c_void_p]),
    "netmgr_client_event_fd": (_c.c_int, [_handle, _c.POINTER(_c.c_int)]),
    "netmgr_next_event": (_c.c_int, [_handle, _c.POINTER(_Event), _c.c_int]),
    "netmgr_open_session": (_c.c_int, [_handle, _c.c_char_p, _c.c_char_p, _c.c_int, _c.POINTER(_handle)]),
    "netmgr_close_session": (_c.c_int, [_handle]),
    "netmgr_send": (_c.c_int, [_handle, _c.c_char_p, _c.c_size_t, _c.c_int, _c.POINTER(_c.c_uint64)]),
    "netmgr_submit": (_c.c_int, [_handle, _c.c_char_p, _c.c_size_t, _c.c_int, _c.POINTER(_c.c_uint64)]),
    "netmgr_unacknowledged": (_c.c_int, [_handle, _c.POINTER(_c.c_size_t)]),
    "netmgr_receive": (_c.c_int, [_handle, _c.c_void_p, _c.c_size_t, _c.POINTER(_c.c_size_t), _c.c_int]),
    "netmgr_session_set_data_callback": (_c.c_int, [_handle, _DATA_CALLBACK, _c.c_void_p]),
}
for _name, (_restype, _argtypes) in _signatures.items():
    _function = getattr(library, _name)
    _function.restype = _restype
    _function.argtypes = _argtypes


class NetMgrError(Exception):
    """A failed call: `code` (NETMGR_E_*), `name` (netmgr_strerror) and the library's detail."""

    def __init__(self, code, detail=""):
        self.code = code
        self.name = library.netmgr_strerror(code).decode()
        self.detail = detail
        super().__init__("%s (%d): %s" % (self.name, code, detail) if detail else "%s (%d)" % (self.name, code))


def _check(code):
    if code != NETMGR_OK:
        raise NetMgrError(code, library.netmgr_last_error_message().decode("utf-8", "replace"))


def _milliseconds(timeout):
    if timeout is None:
        return -1
    return max(0, min(int(timeout * 1000), 2**31 - 1))


def _text(value):
    return value.encode("utf-8") if isinstance(value, str) else value


class Event:
    """A copy of a netmgr_event_t: `type` is a name from EVENT_TYPES; absent strings are None."""

    __slots__ = ("type", "error", "resource", "lu", "node", "previous_node", "server",
                 "host_address", "state", "detail", "sequence", "epoch", "count")

    def __init__(self, raw):
        self.type = EVENT_TYPES.get(raw.type, "unknown-%d" % raw.type)
        self.error = raw.error
        for field in ("resource", "lu", "node", "previous_node", "server", "host_address", "state", "detail"):
            value = getattr(raw, field)
            setattr(self, field, value.decode("utf-8", "replace") if value is not None else None)
        self.sequence, self.epoch, self.count = raw.sequence, raw.epoch, raw.count

    def __repr__(self):
        fields = ", ".join("%s=%r" % (name, getattr(self, name)) for name in self.__slots__[1:]
                           if getattr(self, name) not in (None, 0))
        return "Event(%s%s)" % (self.type, ", " + fields if fields else "")


class Client:
    """A netmgr_client_t. `tls` is (ca_path, certificate_path, key_path), or None for a
    cluster with `tls: off`. Destroy it with close() (or use it in a with block)."""

    def __init__(self, servers, name=None, tls=None):
        servers = [_text(server) for server in servers]
        array = (ctypes.c_char_p * max(1, len(servers)))(*servers)
        ca, certificate, key = (tuple(_text(path) for path in tls) if tls is not None else (None, None, None))
        handle = _handle()
        _check(library.netmgr_client_create(array, len(servers), _text(name), ca, certificate, key, ctypes.byref(handle)))
        self._handle = handle
        self._callback = None

    def start(self):
        _check(library.netmgr_client_start(self._handle))

    def close(self):
        """Shuts the client down and frees it (netmgr_client_destroy); its sessions close too."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            _check(library.netmgr_client_destroy(handle))

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()

    def wait_until_active(self, resource, timeout=None):
        """Waits until a server has `resource` active; returns that node's name."""
        node = ctypes.create_string_buffer(256)
        _check(library.netmgr_wait_until_active(self._handle, _text(resource), _milliseconds(timeout), node, len(node)))
        return node.value.decode()

    def open_session(self, resource, lu, timeout=None):
        handle = _handle()
        _check(library.netmgr_open_session(self._handle, _text(resource), _text(lu), _milliseconds(timeout), ctypes.byref(handle)))
        return Session(handle, resource, lu)

    @property
    def event_fd(self):
        """A descriptor that is readable while events wait (for select/poll/selectors)."""
        fd = ctypes.c_int(-1)
        _check(library.netmgr_client_event_fd(self._handle, ctypes.byref(fd)))
        return fd.value

    def next_event(self, timeout=None):
        """The oldest queued Event, or None when none came within `timeout`."""
        raw = _Event()
        code = library.netmgr_next_event(self._handle, ctypes.byref(raw), _milliseconds(timeout))
        if code == NETMGR_E_TIMEOUT:
            return None
        _check(code)
        return Event(raw)

    def events(self, timeout=0):
        """Yields queued events until none comes within `timeout`."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def set_event_callback(self, function):
        """Calls function(Event) on the client's event thread for every event (None: back to
        the queue). The function must not raise; what it raises is printed and dropped."""
        if function is None:
            callback = _CALLBACK()
        else:
            def trampoline(raw, _user):
                try:
                    function(Event(raw.contents))
                except Exception as error:  # never let an exception cross into C
                    print("netmgr_client: event callback raised %r" % (error,))
            callback = _CALLBACK(trampoline)
        _check(library.netmgr_client_set_event_callback(self._handle, callback, None))
        self._callback = callback  # kept alive as long as the library may call it


class Session:
    """A netmgr_session_t; made by Client.open_session."""

    def __init__(self, handle, resource, lu):
        self._handle = handle
        self.resource = resource
        self.lu = lu

    def send(self, data, timeout=None):
        """Sends `data` (bytes) and waits until the host accepted it; returns its sequence number."""
        sequence = ctypes.c_uint64()
        _check(library.netmgr_send(self._handle, bytes(data), len(data), _milliseconds(timeout), ctypes.byref(sequence)))
        return sequence.value

    def submit(self, data, timeout=None):
        """Queues `data` for the host; returns its sequence number (acks come as events)."""
        sequence = ctypes.c_uint64()
        _check(library.netmgr_submit(self._handle, bytes(data), len(data), _milliseconds(timeout), ctypes.byref(sequence)))
        return sequence.value

    def unacknowledged(self):
        count = ctypes.c_size_t()
        _check(library.netmgr_unacknowledged(self._handle, ctypes.byref(count)))
        return count.value

    def receive(self, timeout=None, size=4096):
        """The next message from the host, as bytes (the buffer grows to fit it)."""
        length = ctypes.c_size_t()
        while True:
            buffer = ctypes.create_string_buffer(size)
            code = library.netmgr_receive(self._handle, buffer, size, ctypes.byref(length), _milliseconds(timeout))
            if code == NETMGR_E_BUFFER_TOO_SMALL:
                size = length.value
                continue
            _check(code)
            return buffer.raw[:length.value]

    def set_data_callback(self, function):
        """Calls function(bytes) on the session's data thread with each message from the host,
        instead of receive() (None: back to receive). What the function raises is printed."""
        if function is None:
            callback = _DATA_CALLBACK()
        else:
            def trampoline(_session, data, length, _user):
                try:
                    function(ctypes.string_at(data, length) if length else b"")
                except Exception as error:  # never let an exception cross into C
                    print("netmgr_client: data callback raised %r" % (error,))
            callback = _DATA_CALLBACK(trampoline)
        _check(library.netmgr_session_set_data_callback(self._handle, callback, None))
        self._data_callback = callback  # kept alive as long as the library may call it

    def close(self):
        if self._handle is not None:
            handle, self._handle = self._handle, None
            _check(library.netmgr_close_session(handle))

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()
