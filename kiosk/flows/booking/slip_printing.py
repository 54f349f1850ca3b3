"""Printing a slip once per tap: a lock against double taps, device errors turned into plain words."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from devices.base import DeviceError

from kiosk.flows.ports import PdfPrinter

#: Device reasons (devices/printer) in the words a resident understands; others: 打印机故障.
REASONS = {"media-empty": "打印纸用完", "paper-out": "打印纸用完", "offline": "打印机离线",
           "door-open": "打印机舱门未关", "media-jam": "打印机卡纸", "toner-empty": "墨粉用完",
           "paused": "打印机暂停使用", "stopped": "打印机暂停使用",
           "not-accepting": "打印机暂停使用", "timeout": "打印超时",
           "job-aborted": "打印任务被中止", "job-held": "打印任务被挂起",
           "job-stopped": "打印任务被中止", "cups-unreachable": "打印服务未运行",
           "queue-missing": "打印服务未运行"}
BUSY = "正在打印，请稍候。"


@dataclass
class PrintOutcome:
    printed: bool
    message: str
    busy: bool = False  # a tap while a job runs: says so, changes nothing


def device_reason(exc: DeviceError) -> str:
    return REASONS.get(getattr(exc, "reason", None) or "", "打印机故障")


class SlipPrinting:
    """Renders and prints a slip; a second tap while a job runs does not print twice."""

    def __init__(self, printer: PdfPrinter, render: Any, timeout: float) -> None:
        self._printer = printer
        self._render = render
        self._timeout = timeout
        self._lock = threading.Lock()
        self.last: PrintOutcome | None = None

    def print(self, booking: Any) -> PrintOutcome:
        provisional = bool(getattr(booking, "provisional", False))
        if not self._lock.acquire(blocking=False):
            # Not the previous outcome: after a failure that would say "not printed" while
            # the reprint is printing.
            return PrintOutcome(False, BUSY, busy=True)
        try:
            pdf = self._render(booking)
            self._printer.print_pdf(pdf, title=f"预约凭证 {booking.reference}",
                                    timeout=self._timeout)
        except DeviceError as exc:
            keep = ("临时编号已显示在屏幕上，请记下；结果会以短信通知。" if provisional
                    else "预约已成功，请记下预约号，或点“重新打印”。")
            outcome = PrintOutcome(False, f"凭证未能打印（{device_reason(exc)}）。{keep}")
        else:
            outcome = PrintOutcome(True, "临时凭证已打印，请从出纸口取走。" if provisional
                                   else "凭证已打印，请从出纸口取走。")
        finally:
            self._lock.release()
        self.last = outcome
        return outcome
