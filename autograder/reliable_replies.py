"""Execute replies that no lost ZeroMQ wake-up can delay: a mixin for nbclient's executors.

Mix :class:`ReliableRepliesMixin` in *before* nbclient's ``NotebookClient`` or anything built
on it (nbconvert's ``ExecutePreprocessor``, nbgrader's ``Execute``)::

    class SandboxExecute(ReliableRepliesMixin, Execute):
        ...

It only changes how the executor *waits* for the kernel's messages; what it does with them,
the cell time limit, the interrupt on timeout and the error output are nbclient's own.
"""

from __future__ import annotations

import asyncio
import typing as t
from queue import Empty
from time import monotonic

from nbclient.client import timestamp
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError
from nbclient.util import ensure_async

__all__ = ["ReliableRepliesMixin"]


class ReliableRepliesMixin:
    """Never let a lost ZeroMQ wake-up hold a cell's ``execute_reply`` until the cell limit.

    **The cause.** nbclient (0.11) waits for a cell's ``execute_reply`` with *one*
    ``await kc.shell_channel.get_msg(timeout=cell_timeout)``: one asyncio poll of the shell
    socket (pyzmq's ``zmq.asyncio``), armed for the whole cell time limit. The poll is woken
    through the socket's ``ZMQ_FD``, which is *edge-triggered*: it becomes readable once,
    when the socket's command mailbox is signalled, and any libzmq call on that socket
    (``send``, ``recv``, ``getsockopt(EVENTS)``, ``zmq_poll``) consumes the signal.
    ``zmq.asyncio`` re-checks the socket after the calls made through it, but not after
    calls it never sees.

    nbclient makes such a call while the poll is pending. When a cell writes into an
    ipywidgets ``Output`` widget (``with out: ...``, ``out.clear_output()``, as lab 01's
    weights explorer does), the output reaches nbclient on IOPub, and nbclient's
    ``OutputWidget`` mimic syncs the widget's state back to the kernel with a ``comm_msg``
    sent **on the shell channel**, from the IOPub task. ``jupyter_client``'s
    ``Session.send`` sends it through a fresh blocking ``zmq.Socket.shadow`` of the asyncio
    socket, so ``zmq.asyncio`` is never told. If the ``execute_reply`` has just arrived (its
    signal is on the FD, and the event loop has not yet run the socket's handler because
    the IOPub task is still running), that send consumes the signal. The reply then sits in
    the socket while the poll sleeps on an FD that never becomes readable again, until the
    cell timeout fires and pyzmq's last ``zmq_poll(0)`` finds the reply: the cell ends with
    status ``ok``, no error and nothing logged, one cell time limit late. It happens over
    ``ipc`` and ``tcp``, with or without the sandbox, to a few per cent of the cells that
    write into an ``Output`` widget, and never to cells without one. The race is open
    upstream (jupyter/nbclient#312, jupyter/jupyter_client#1059).

    **The fix**, in two layers, keeping nbclient's logic:

    1. After nbclient has handled each IOPub message (which is when ``OutputWidget`` sends),
       the shell socket is asked for ``EVENTS`` through its ``zmq.asyncio`` wrapper, which
       is how ``zmq.asyncio`` is told to look at the socket again: a reply whose wake-up
       the send consumed is then delivered at once.
    2. Every wait for a message (the ``execute_reply`` on shell, the outputs on IOPub) is cut
       into slices of at most :attr:`reply_poll_interval` seconds. Each slice first takes a
       message already queued (``get_msg(timeout=0)``, a level-triggered ``zmq_poll``,
       right whatever the FD's state), then polls for one slice. Any lost wake-up, from
       this cause or another, delays a message by at most one slice.

    The cell time limit is unchanged: the slices of one wait end at the deadline nbclient's
    single poll had, and then nbclient's own code checks that the kernel is alive,
    interrupts it (``interrupt_on_timeout``) and records ``error_on_timeout``, or raises
    ``CellTimeoutError``, exactly as before; a reply found by the last look at the deadline
    still counts. A kernel that dies still cancels the wait (``_async_poll_kernel_alive``).

    Attributes
    ----------
    reply_poll_interval : float
        Longest single wait on a socket, in seconds (default 0.1): the most a lost wake-up
        can cost. A waiting cell costs the worker about 0.5 % of a core at 0.1 s.

    Notes
    -----
    ``_async_poll_for_reply`` and ``_async_poll_output_msg`` are private nbclient methods,
    copied from nbclient 0.11 with only their ``get_msg`` calls replaced;
    ``tests/test_reply_stall.py`` checks that their signatures still match the installed
    nbclient. ``benchmarks/reply_stall.py`` reproduces the stall and measures the fix.
    """

    reply_poll_interval: float = 0.1

    async def _get_msg_sliced(self, channel: t.Any, timeout: float | None) -> dict[str, t.Any]:
        """``channel.get_msg(timeout)``, waited in slices; raises ``queue.Empty`` at the deadline.

        Parameters
        ----------
        channel : jupyter_client channel
            ``kc.shell_channel`` or ``kc.iopub_channel``.
        timeout : float or None
            Seconds until ``Empty`` is raised; None waits for ever.
        """
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            try:  # a message already queued: found whatever state the edge-triggered FD is in
                return await ensure_async(channel.get_msg(timeout=0))
            except Empty:
                pass
            wait = float(self.reply_poll_interval)
            if deadline is not None:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    raise Empty
                wait = min(wait, remaining)
            try:
                # at least 1 ms: get_msg rounds down to whole milliseconds, 0 means "don't wait"
                return await ensure_async(channel.get_msg(timeout=max(wait, 0.001)))
            except Empty:
                continue

    def process_message(self, msg: dict[str, t.Any], cell: t.Any, cell_index: int) -> t.Any:
        """nbclient's ``process_message``, then a fresh look at the shell socket (layer 1)."""
        try:
            return super().process_message(msg, cell, cell_index)
        finally:
            self._look_at_shell_again()

    def _look_at_shell_again(self) -> None:
        """Tell ``zmq.asyncio`` to re-check the shell socket: a send may have eaten its wake-up.

        Reading ``EVENTS`` through the ``zmq.asyncio`` socket (not a shadow) makes it
        schedule its event handler when a message is waiting and a poll is pending.
        """
        try:
            socket = self.kc.shell_channel.socket
            if socket is not None and not socket.closed:
                _ = socket.events
        except Exception:  # noqa: BLE001  only an optimisation: the slices still bound the delay
            pass

    # nbclient 0.11's NotebookClient._async_poll_for_reply, with the shell wait sliced
    async def _async_poll_for_reply(
        self,
        msg_id: str,
        cell: t.Any,
        timeout: int | None,
        task_poll_output_msg: asyncio.Future[t.Any],
        task_poll_kernel_alive: asyncio.Future[t.Any],
    ) -> dict[str, t.Any]:
        msg: dict[str, t.Any]
        assert self.kc is not None
        new_timeout: float | None = None
        if timeout is not None:
            deadline = monotonic() + timeout
            new_timeout = float(timeout)
        error_on_timeout_execute_reply = None
        while True:
            try:
                if error_on_timeout_execute_reply:
                    msg = error_on_timeout_execute_reply
                    msg["parent_header"] = {"msg_id": msg_id}
                else:
                    msg = await self._get_msg_sliced(self.kc.shell_channel, new_timeout)
                if msg["parent_header"].get("msg_id") == msg_id:
                    if self.record_timing:
                        cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(msg)
                    try:
                        await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
                    except (TimeoutError, Empty):
                        if self.raise_on_iopub_timeout:
                            task_poll_kernel_alive.cancel()
                            raise CellTimeoutError.error_from_timeout_and_cell(
                                "Timeout waiting for IOPub output", self.iopub_timeout, cell
                            ) from None
                        else:
                            self.log.warning("Timeout waiting for IOPub output")
                    task_poll_kernel_alive.cancel()
                    return msg
                else:
                    if new_timeout is not None:
                        new_timeout = max(0, deadline - monotonic())
            except Empty:
                # received no message, check if kernel is still alive
                assert timeout is not None
                task_poll_kernel_alive.cancel()
                await self._async_check_alive()
                error_on_timeout_execute_reply = await self._async_handle_timeout(timeout, cell)

    # nbclient 0.11's NotebookClient._async_poll_output_msg, with the IOPub wait sliced
    async def _async_poll_output_msg(self, parent_msg_id: str, cell: t.Any, cell_index: int) -> None:
        assert self.kc is not None
        while True:
            msg = await self._get_msg_sliced(self.kc.iopub_channel, None)
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    # Will raise CellExecutionComplete when completed
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return

