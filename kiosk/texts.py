"""Every resident-facing message by key: code names the key, the Chinese lives here only.

`text(key, **params)` formats one entry; `error_text(exc)` turns a device, platform or flow
error into the resident's words in one place. Keys are dotted by area (home., identify.,
booking., face., staff., print.); an English table can follow with the same keys.
"""

from __future__ import annotations

from datetime import date

from devices.base import DeviceError
from services.errors import PlatformError

WEEKDAYS = "一二三四五六日"


class UnknownText(KeyError):
    """A key that the table does not hold: a programming error, caught by the tests."""


TEXTS: dict[str, str] = {
    # -- the shell and the home screen ----------------------------------------------------
    "app.ok": "知道了",
    "app.device_fault": "设备故障，请联系工作人员。",
    "home.coming": "“{title}”即将开放。\n{now}其他事项请到人工窗口办理或拨打12345咨询。",
    "home.coming_now": "现在可以使用{titles}，",
    "home.coming_title": "“{title}”",
    "home.coming_joiner": "、",
    "home.coming_line": "即将开放：{titles}",
    "home.unavailable": "“{title}”现在无法办理：{reason}。",
    "home.needs_platform": "网络连接中断，这项服务需要实时联网，请稍后再试或到人工窗口办理",
    "home.devices_down": "{devices}暂时故障，请到人工窗口办理",
    "device.idcard": "身份证读卡器",
    "device.sscard": "社保卡读卡器",
    "device.printer": "打印机",
    "device.camera": "摄像头",
    "visit.notice": "【{title}】\n{text}",
    # -- identification -------------------------------------------------------------------
    "identify.bad_identity": "证件信息无法识别，请到人工窗口办理。",
    "identify.waiting": "正在等待读卡…",
    #   built from the ways this terminal has (kiosk/flows/identify/ways.py)
    "identify.no_card": "没有检测到证件，请{how}。",
    "identify.how.id_card": "把身份证平放在感应区",
    "identify.how.sscard": "插入社保卡",
    "identify.or": "，或",
    "identify.name.id_card": "身份证",
    "identify.name.sscard": "社保卡",
    "identify.name.app": "手机App扫码",
    "identify.use_instead": "可以改用{ways}。",
    "identify.see_help": "其他办法请点“没带证件或读不出？”。",
    "identify.down.id_card": "身份证读卡器暂时无法使用。",
    "identify.down.sscard": "社保卡读卡器暂时无法使用。",
    "identify.expired.id_card": ("这张身份证已过有效期，不能在本机使用。\n"
                                 "请到公安户籍窗口换领新证（丢失的请补领）。"),
    "identify.expired.sscard": ("这张社保卡已过有效期，不能在本机使用。\n"
                                "请到社保经办窗口或社保卡服务银行网点换领。"),
    "identify.removed": "读卡时证件被拿开了，请重新放好，读完再拿走。",
    "identify.failed": "证件没有读出来，请重新放一次。多次不行，请点“没带证件或读不出？”。",
    "identify.qr_expired": "手机上的登录码已过期，请在App中刷新后再对准摄像头。",
    "identify.qr_foreign": "这不是政务App的登录码，请打开“江汉政务”App的扫码登录。",
    "identify.qr_unreadable": "登录码没有读出来，请把手机上的二维码重新对准摄像头。",
    "identify.sscard_help": "请将社保卡芯片朝上插入读卡口，或放在感应区，读完后再取出。",
    "identify.app_help": ("打开“江汉政务”App，点“扫码登录”，把手机上的二维码对准屏幕上方的"
                          "摄像头，保持一会儿。"),
    #   没带证件或读不出？ — what a resident can do here at any hour, from what works now
    "identify.help.busy": "请稍候…",
    "identify.help.intro": "没带证件，或者证件读不出来，可以这样办：",
    "identify.help.marks": "①②③④⑤",
    "identify.help.app": ("用“江汉政务”App扫码登录：在App里点“扫码登录”，"
                          "把二维码对准屏幕上方的摄像头。"),
    "identify.help.sscard": "带了社保卡的，可以插入社保卡。",
    "identify.help.hotline": "拨打政务服务便民热线 12345，咨询怎么办理。",
    "identify.help.hall": "到有工作人员的大厅办理：{name}\n地址：{address}\n办公时间：{hours}",
    "identify.help.hall_unknown": "到就近的政务服务大厅，在人工窗口办理。",
    #   no staff PIN on this terminal: no call button is promised at an unattended site
    "face.ask_staff": ("本机没有设置工作人员核验。\n不刷脸，可以到有工作人员的政务服务大厅，"
                       "在人工窗口核验身份后办理；也可以拨打 12345 咨询。"),
    "face.attempt": "第 {used} 次，共 {total} 次",
    "face.demo_photos_missing": "演示照片不可用（需要 scikit-image）。",
    "staff.locked_out": "密码错误次数过多，已停止输入。请到人工窗口办理。",
    # -- the screens (kiosk/screens) -------------------------------------------------------
    #   attract: 政务公开 snippets shown while idle, in turn
    "attract.notice.hours": "24小时自助服务：{services}，随时可办",
    "attract.services_joiner": "、",
    "attract.services_separator": " · ",
    "attract.notice.elderly": "老年人可开启“长辈模式”：字更大，办理时间更充裕",
    "attract.notice.cross_province": "外省户籍居民的跨省通办事项，同样可在本机预约",
    "attract.notice.hotline": "对服务不满意？拨打政务服务便民热线 12345",
    #   identify and face
    "identify.way.id_card": "身份证",
    "identify.way.sscard": "社保卡",
    "identify.way.app": "手机扫码",
    "face.pin_clear": "清除",
    #   booking, step 1: the item
    "booking.item.key_delete": "删除",
    "booking.item.key_clear": "清空",
    "booking.item.greeting": "{name} 您好",
    "booking.item.heading_pinyin": "输入事项名称的拼音首字母，如“社保卡”输入 SBK",
    "booking.item.heading_department": "请选择部门",
    "booking.item.heading_life_event": "请选择要办的“一件事”",
    "booking.item.heading_group": "“{group}”的可预约事项",
    "booking.item.none_found": "没有找到，换个字母试试，或按部门查找",
    "booking.item.searching": "正在查找…",
    "booking.item.popular": "常用事项：",
    "booking.item.choose_group_first": "请先选择部门，这里会列出它的可预约事项",
    "booking.item.choose_life_event_first": "请先选择“一件事”，这里会列出相关事项",
    "booking.item.typed": "已输入：{query}",
    "booking.item.typed_nothing": "（无）",
    "booking.item.details": "{department} · {level}级{extra}",
    "booking.item.cross_province": " · 跨省通办",
    "booking.item.busy": "正在查询可预约的大厅…",
    #   booking, step 2: hall, day and slot
    "booking.slot.day": "{month}月{day}日\n{weekday}",
    "booking.slot.choose_hall_first": "请先选择大厅，再选择日期",
    "booking.slot.none_that_day": "这一天没有可预约的时段，请换一天或换一个大厅",
    "booking.slot.hint": "请选择时段（括号内为剩余名额）",
    "booking.slot.stale": "。网络中断，余位是{minutes}分钟前的数据，以提交结果为准",
    "booking.slot.remaining": "余{remaining}",
    "booking.slot.full": "已约满",
    "booking.slot.busy": "正在查询可预约时段…",
    #   booking, step 3: confirm
    "booking.confirm.summary": ("姓名：{name}\n证件：{id_number}\n事项：{item}\n大厅：{hall}\n"
                                "地址：{address}\n"
                                "时间：{start:%Y年%m月%d日} {weekday} {start:%H:%M}-{end:%H:%M}"),
    "booking.confirm.button": "确认预约并打印凭证",
    "booking.confirm.button_by_phone": "确认预约（打印机暂停，凭证发到手机）",
    "booking.confirm.phone_prompt": "请输入手机号",
    "booking.confirm.key_delete": "删除",
    "booking.confirm.key_clear": "清空",
    "booking.confirm.busy": "正在提交预约并打印凭证，请稍候…",
    #   booking: the result
    "booking.done.title": "预约成功",
    "booking.done.title_provisional": "已受理，待平台确认",
    "booking.done.reference": "预约号",
    "booking.done.reference_provisional": "临时编号",
    "booking.done.when": "{item}\n{hall}\n{start:%Y年%m月%d日 %H:%M}-{end:%H:%M}\n",
    "booking.done.provisional": ("网络暂时不通，预约尚未生效。网络恢复后由平台确认原时段，"
                                 "或改约到最近的空闲时段，结果以短信发送到 {phone}。"),
    "booking.done.bring_id": "请携带身份证原件，按时到达",
    "booking.done.reprint": "重新打印",
    "booking.done.print_confirmed": "打印正式凭证",
    "booking.done.confirmed": "平台已确认，临时凭证作废。请点“打印正式凭证”，或发送到手机。",
    "booking.done.busy_sms": "正在发送到手机…",
    "booking.done.busy_reprint": "正在重新打印…",
    #   the dev panel's simulated-device buttons (kiosk/devtools/dev_panel.py)
    "dev.card": "模拟放卡：{name}",
    "dev.app_code": "模拟手机扫码：{name}",
    "dev.face_self": "模拟刷脸：本人",
    "dev.face_stranger": "模拟刷脸：他人",
    "dev.staff_pin": "演示用工作人员密码：{pin}",
    # -- (flow texts below) ---------------------------------------------------------------
    # booking (kiosk/flows/booking/flow.py)
    "booking.not_bookable": "“{item}”不需要预约，可直接到窗口办理。",
    "booking.no_halls": "“{item}”暂无可预约的办事大厅，请咨询12345。",
    "booking.day_out_of_range": "只能预约今后{days}天内的时段。",
    "booking.choose_hall_and_day": "请先选择大厅和日期。",
    "booking.slot_full": "该时段已约满，请选择其他时段。",
    "booking.phone_needed": "请输入11位手机号码，用于接收预约提醒。",
    "booking.step_expired": "操作已过期，请重新选择。",
    "booking.queued": ("网络不稳定，预约申请已安全保存在本机，网络恢复后会自动提交。"
                       "请稍后再点“确认预约”查看结果；在确认成功之前，预约尚未生效。"),
    "booking.sms.sent": "预约信息已发送到手机 {phone}。",
    "booking.sms.later": "网络恢复后会把预约信息发送到您的手机，请记下预约号。",
    "booking.sms.failed": "短信未能发送：{reason}请记下预约号。",
    "booking.sms.refused": "短信发送失败。",
    "booking.sms.provisional": "离线预约的结果会由平台以短信发送给您。",
    #   a second booking of one item on one day (409 duplicate-booking); no my-bookings
    #   service on the terminal yet, so changing or cancelling goes through 12345
    "booking.double": ("您已预约 {when} {hall} 的“{item}”（预约号 {reference}），"
                       "同一事项同一天只能预约一次。如需改约或取消，请拨打 12345。"),
    "booking.double.when": "{month}月{day}日 {hour}:{minute:02d}",
    "booking.double.unknown": ("您在这一天已预约过这个事项，同一事项同一天只能预约一次。"
                               "如需改约或取消，请拨打 12345。"),
    # the slip on the printer (kiosk/flows/booking/slip_printing.py)
    "print.job_title": "预约凭证 {reference}",
    "print.busy": "正在打印，请稍候。",
    "print.printed": "凭证已打印，请从出纸口取走。",
    "print.printed_provisional": "临时凭证已打印，请从出纸口取走。",
    "print.failed": "凭证未能打印（{reason}）。预约已成功，请记下预约号，或点“重新打印”。",
    "print.failed_provisional": ("凭证未能打印（{reason}）。临时编号已显示在屏幕上，请记下；"
                                 "结果会以短信通知。"),
    "print.paused_provisional": "打印机暂停，请记下屏幕上的临时编号；结果会以短信通知您。",
    #   printer reasons (devices/printer) in the resident's words; any other: print.reason.other
    "print.reason.media-empty": "打印纸用完",
    "print.reason.paper-out": "打印纸用完",
    "print.reason.offline": "打印机离线",
    "print.reason.door-open": "打印机舱门未关",
    "print.reason.media-jam": "打印机卡纸",
    "print.reason.toner-empty": "墨粉用完",
    "print.reason.paused": "打印机暂停使用",
    "print.reason.stopped": "打印机暂停使用",
    "print.reason.not-accepting": "打印机暂停使用",
    "print.reason.timeout": "打印超时",
    "print.reason.job-aborted": "打印任务被中止",
    "print.reason.job-held": "打印任务被挂起",
    "print.reason.job-stopped": "打印任务被中止",
    "print.reason.cups-unreachable": "打印服务未运行",
    "print.reason.queue-missing": "打印服务未运行",
    "print.reason.other": "打印机故障",
    # provisional bookings and their outcome (kiosk/flows/booking/provisional.py)
    "provisional.when": "{start:%m月%d日} {weekday} {start:%H:%M}-{end:%H:%M}",
    "provisional.where": "{item}\n{hall}\n{when}\n预约号 {reference}",
    "provisional.confirmed.title": "离线预约已确认",
    "provisional.confirmed.text": "临时编号 {local} 已确认：\n{where}",
    "provisional.moved.title": "离线预约已改约",
    "provisional.moved.text": "临时编号 {local}：原选时段已约满，已改约到最近的空闲时段：\n{where}",
    "provisional.refused.title": "离线预约未成功",
    "provisional.refused.text": "临时编号 {local} 的预约未能成功：{reason}请重新预约。",
    "provisional.unreadable.title": "离线预约",
    "provisional.unreadable.text": "临时编号 {local} 已提交，结果请以短信为准。",
    "provisional.dead.title": "离线预约未能提交",
    "provisional.dead.text": ("临时编号 {local} 的预约未能提交到平台，预约没有生效。请重新预约，"
                              "或请工作人员协助。"),
    "provisional.waiting.title": "离线预约仍在提交",
    "provisional.waiting.text": "临时编号 {local} 的预约还在等待网络，确认后会短信通知您。",
    "provisional.double.text": "临时编号 {local} 的预约未能成功：{reason}",
    "provisional.double.held": ("您已在本机预约 {when} {hall} 的“{item}”（临时编号 {local}，"
                                "待平台确认），同一事项同一天只能预约一次。结果会以短信通知您；"
                                "如需改约或取消，请拨打 12345。"),
    # the face check (kiosk/flows/identify/face_check.py), by step or reason
    "face.looking": "请正对摄像头，把脸放进框里",
    "face.verifying": "正在核验，请稍候…",
    "face.passed": "核验通过",
    "face.failed": "人脸与证件不一致，请摘下帽子、眼镜后再试一次",
    "face.not-seen": "没有看清您的脸，请正对摄像头再试一次",
    "face.not-live": "没有看到您转头，请按提示再试一次",
    "face.too-many": "多次核验未通过。请点“不刷脸，请工作人员核验”。",
    "face.camera-down": "摄像头暂时无法使用。请点“不刷脸，请工作人员核验”。",
    "face.no-reference": "没有找到您的留存照片，无法刷脸。请点“不刷脸，请工作人员核验”。",
    "face.verifier-down": "人脸核验暂时无法使用。请点“不刷脸，请工作人员核验”。",
    "face.platform-down": "暂时无法核验人脸（网络或平台故障）。请稍后再试，或请工作人员核验。",
    #   the preview is mirrored: "turn-left" in image coordinates is the resident's right
    "face.challenge.turn-left": "请慢慢把头向右转，再转回来",
    "face.challenge.turn-right": "请慢慢把头向左转，再转回来",
    "face.challenge.any": "请慢慢左右转动头部",
    #   face quality and liveness reasons (devices/camera/face.py gives the codes)
    "face.quality.ok": "很好，请保持不动",
    "face.quality.no-face": "请正对摄像头",
    "face.quality.many-faces": "请确保镜头前只有您一人",
    "face.quality.too-small": "请靠近一点",
    "face.quality.too-large": "请稍微往后退一点",
    "face.quality.off-centre": "请把脸移到画面中间",
    "face.quality.blurry": "请保持不动",
    "face.quality.too-dark": "光线太暗，请靠近屏幕或打开灯",
    "face.quality.too-bright": "光线太亮，请避开强光",
    "face.quality.not-live": "请按提示慢慢转动头部",
    "face.quality.too-few-frames": "请看着摄像头，稍等片刻",
    # staff assistance (kiosk/flows/identify/staff_check.py)
    "staff.approved": "工作人员已核验，请继续办理。",
    "staff.wrong": "密码不对，请再输一次。",
    "staff.wrong_tries_left": "密码不对，请再输一次。还可以输 {left} 次。",
    #   "staff.locked_out" (too many wrong PINs) is above: the PIN pad says it too
    "staff.terminal_locked": ("工作人员密码在本机输错次数过多，已暂停输入，{until:%H:%M} 以后才能"
                              "再输。现在请到人工窗口办理。"),
    "staff.not_configured": "本机未设置工作人员密码。请到人工窗口办理。",
    "staff.bad_input": "请输入4到12位数字。",
}


def text(key: str, **params: object) -> str:
    """The resident's words for `key`, with `params` filled in."""
    try:
        template = TEXTS[key]
    except KeyError:
        raise UnknownText(key) from None
    return template.format(**params) if params else template


def weekday(day: date) -> str:
    """周一 … 周日."""
    return "周" + WEEKDAYS[day.weekday()]


def error_text(exc: BaseException) -> str:
    """The one translation of an error into what the resident reads.

    Flow errors and platform errors carry the resident's words already (the platform's own
    message, or the client's plain default); device errors are named by kind, never by their
    technical reason.
    """
    if isinstance(exc, DeviceError):
        return text("app.device_fault")
    message = getattr(exc, "message", None)
    if isinstance(exc, PlatformError) or (isinstance(message, str) and message):
        return str(message)
    return text("app.device_fault")
