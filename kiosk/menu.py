"""The services on the home screen (DESIGN.md §1); those not built yet show as coming."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceEntry:
    key: str
    title: str
    subtitle: str
    icon: str
    available: bool
    needs_identity: bool = True
    # Devices without which the service cannot start (the home screen says why). "platform"
    # marks a service that needs the platform live (a query or a payment cannot be queued).
    needs_devices: tuple[str, ...] = ()


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("booking", "办事预约", "预约大厅窗口 打印凭证", "约", True,
                 needs_devices=("idcard",)),
    ServiceEntry("apply", "审批服务", "填表 拍材料 提交申请", "审", False),
    ServiceEntry("query", "查询打印", "办件进度 社保记录 电子证照", "查", False,
                 needs_devices=("idcard", "platform")),
    ServiceEntry("pay", "便民缴费", "水 电 燃气 各类费用", "缴", False,
                 needs_devices=("idcard", "platform")),
    ServiceEntry("rating", "好差评", "评价办过的事", "评", False),
    ServiceEntry("assist", "帮办代办", "工作人员协助办理", "帮", False),
    ServiceEntry("life_event", "一事联办", "一件事 一次办", "联", False),
    ServiceEntry("cross_province", "跨省通办", "外省居民 同样办理", "跨", False),
    ServiceEntry("hotline", "12345热线", "投诉 建议 求助", "话", False, needs_identity=False),
    ServiceEntry("public", "政务公开", "政策文件 公示公告", "公", False, needs_identity=False),
    ServiceEntry("policy", "惠企政策", "企业扶持 申报指南", "企", False, needs_identity=False),
)


DEVICE_NAMES = {"idcard": "身份证读卡器", "printer": "打印机", "camera": "摄像头"}


def unavailable_reason(entry: ServiceEntry, usable: dict[str, bool]) -> str | None:
    """Plain-Chinese reason a built service cannot start now, or None when it can."""
    if "platform" in entry.needs_devices and not usable.get("platform", False):
        return "网络连接中断，这项服务需要实时联网，请稍后再试或到人工窗口办理"
    missing = [DEVICE_NAMES.get(d, d) for d in entry.needs_devices if not usable.get(d, False)]
    if missing:
        return "、".join(missing) + "暂时故障，请到人工窗口办理"
    return None


def service(key: str) -> ServiceEntry:
    for entry in SERVICES:
        if entry.key == key:
            return entry
    raise KeyError(key)
