"""What the bot says: every user-facing sentence in one place."""

from __future__ import annotations

from datetime import datetime

from bot.registry import Person

WEEKDAYS = "一二三四五六日"


def when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日（周{WEEKDAYS[moment.weekday()]}）{moment:%H:%M}"


def names(people: list[Person]) -> str:
    return "、".join(dict.fromkeys(p.name for p in people))


def answered_above(question: str) -> str:
    return f"这个问题（{question}）刚刚在群里回答过，请往上翻看小助手的回复；还有疑问可以 @我 或联系网格员。"


def case_filed(case_id: str, label: str, responders: list[Person], due: datetime) -> str:
    who = f"本网格网格员{names(responders)}" if responders else "社区工作人员"
    return (
        f"已收到您反映的{label}问题，登记为网格事项 {case_id}，已通知{who}处理，"
        f"预计 {when(due)} 前办结。发送“查询 {case_id}”可随时了解进度。"
    )


UNPLACED = "位置待核实"


def place(location: str | None) -> str:
    """Where a case is, as every notice names it."""
    return location or UNPLACED


def place_line(location: str | None) -> str:
    return f"位置：{location}" if location and location != UNPLACED else "位置：待核实（可联系反映人确认）"


def worker_notice(case_id: str, label: str, group_name: str, reporter: str, text: str, location: str,
                  due: datetime) -> str:
    return (
        f"【新网格事项】{case_id}\n类别：{label}\n来源：{group_name}（{reporter}）\n{place_line(location)}\n"
        f"内容：{text}\n办理时限：{when(due)} 前\n回复“接单 {case_id}”开始处理。"
    )


def did_you_mean(questions: list[str]) -> str:
    lines = [f"{i}. {q}" for i, q in enumerate(questions, start=1)]
    return "您是不是想问：\n" + "\n".join(lines) + "\n请回复序号，我把答案发给您。"


def not_in_knowledge_base(responders: list[Person]) -> str:
    contact = f"本网格网格员{names(responders)}" if responders else "所在社区的网格员"
    return f"抱歉，这个问题我的知识库里暂时没有答案，已记录下来请工作人员补充。您也可以直接联系{contact}。"


def greeting() -> str:
    return "您好，我是网格小助手：可以解答房屋征收、三供一业、物业管理等政策问题，也可以登记您反映的问题（如路灯不亮、垃圾堆积）。请直接说出您的问题。"


def report_in_group(group_name: str | None, responders: list[Person]) -> str:
    """A problem told in a private chat: cases are filed from the grid's group, where the bot knows the grid."""
    where = f"「{group_name}」" if group_name else "您所在小区的网格群"
    worker = f"本网格网格员{names(responders)}" if responders else "网格员"
    return (f"收到。反映问题请在{where}里直接说出问题和具体位置（也可以在群里 @{worker}），"
            "我会登记为网格事项并通知网格员处理；私聊里我无法确定问题属于哪个网格，所以没有登记。")


STATE_LABELS = {
    "accepted": "已受理", "assigned": "已派遣网格员", "in_progress": "处置中",
    "resolved": "已办结（待评价）", "closed": "已办结并评价", "returned": "已退回社区",
}
RATING_LABELS = {"satisfied": "满意", "fair": "基本满意", "unsatisfied": "不满意"}


def ask_location(label: str) -> str:
    return f"收到，您反映的{label}问题我来登记。请问具体在哪里（如几栋几单元、哪条路、哪个门口）？直接回复位置即可。"


def case_merged(case_id: str, count: int) -> str:
    return f"这个问题已有居民反映过，已合并到网格事项 {case_id}（共 {count} 位居民反映），网格员正在跟进。发送“查询 {case_id}”可了解进度。"


def merged_notice(case_id: str, reporters: int, said: str, location: str, text: str) -> str:
    """To the workers: one more resident reported the case; `said` is the place they named (in `text` or when asked)."""
    told = f"（位置：{said}）" if said and said not in text and said != location else ""
    return f"【事项补充】{case_id}（{place(location)}）又有居民反映（共 {reporters} 位）：{text}{told}"


def case_line(case: dict, label: str) -> str:
    return (f"{case['id']}｜{label}｜{STATE_LABELS.get(case['state'], case['state'])}｜{place(case.get('location'))}"
            f"｜{case['text'][:30]}")


def progress(case: dict, label: str, last: dict | None) -> str:
    line = f"事项 {case['id']}（{label}）：{STATE_LABELS.get(case['state'], case['state'])}"
    if last:
        line += f"；最近：{last['at'][5:16].replace('T', ' ')} {last['actor']} {last['note'] or ''}".rstrip()
    return line


def no_cases() -> str:
    return "您目前没有登记中的事项。发现问题可以直接在群里说，我会登记并通知网格员。"


def worker_accepted(case_id: str) -> str:
    return f"已接单：{case_id}。处理完成后回复“办结 {case_id} 处理说明”。"


def case_resolved_to_reporter(case_id: str, note: str) -> str:
    return (f"您反映的事项 {case_id} 已办结：{note}。请回复“满意”“基本满意”或“不满意”"
            f"（多件事项时加编号，如“满意 {case_id}”）为这次处理评价。")


def rated(case_id: str, rating: str) -> str:
    if rating == "unsatisfied":
        return f"抱歉没能让您满意。事项 {case_id} 已重新打开，并已通知社区督办。"
    return f"感谢您的评价（{RATING_LABELS[rating]}）！事项 {case_id} 已办结归档。"


def which_to_rate(case_ids: list[str], rating: str) -> str:
    return (f"您有 {len(case_ids)} 件待评价的事项（{'、'.join(case_ids)}），请加上编号，"
            f"如“{RATING_LABELS[rating]} {case_ids[0]}”。")


def reopened_notice(case_id: str, grid: str, location: str, comment: str, to_worker: bool) -> str:
    """The worker is asked to handle the case again; the community's contacts to see that it is (督办)."""
    said = f"：{comment}" if comment else ""
    ask = f"请重新处理，完成后回复“办结 {case_id} 处理说明”。" if to_worker else "请督办。"
    return f"【事项重办】{case_id}（{grid}，{place(location)}）居民评价“不满意”{said}。事项已重新打开，{ask}"


def sent_back_notice(case_id: str, grid: str, location: str, who: str, reason: str) -> str:
    """`who` with their role, e.g. 网格员袁萍 or 街道管理员张三."""
    return f"【事项退回】{case_id}（{grid}，{place(location)}）被{who}退回社区：{reason}。请重新派遣或直接处理。"


def transferred_notice(case_id: str, label: str, text: str, location: str, due: datetime) -> str:
    return (f"【转派事项】{case_id}\n类别：{label}\n{place_line(location)}\n内容：{text}\n办理时限：{when(due)} 前\n"
            f"回复“接单 {case_id}”开始处理。")


def reminder(case_id: str, location: str, due: datetime) -> str:
    return (f"【即将到期】事项 {case_id}（{place(location)}）将于 {when(due)} 到期，请尽快处理；"
            f"处理完成后回复“办结 {case_id} 处理说明”。")


def overdue_notice(case_id: str, grid: str, location: str, due: datetime) -> str:
    return f"【超期督办】事项 {case_id}（{grid}，{place(location)}）已于 {when(due)} 超过办理时限，仍未办结，请督办。"


def digest(lines: list[str]) -> str:
    """The daily push."""
    return f"【每日待办】您有 {len(lines)} 件未办结事项（最早的在前）：\n" + "\n".join(lines)


def open_case_list(lines: list[str]) -> str:
    """What 我的事项 answers, at any time of day."""
    return f"您负责的网格有 {len(lines)} 件未办结事项（最早的在前）：\n" + "\n".join(lines)


def sent_privately(count: int) -> str:
    return f"您负责的网格有 {count} 件未办结事项，清单已私信发给您（群里不公开居民反映的内容）。"


def webhook_case(case_id: str, label: str, group_name: str, grid: str, location: str, text: str, due: datetime) -> str:
    return (f"### 新网格事项 {case_id}\n> 类别：<font color=\"warning\">{label}</font>\n> 网格：{grid}\n"
            f"> {place_line(location)}\n> 来源：{group_name}\n> 时限：{when(due)} 前\n\n{text}")


def no_permission(case_id: str) -> str:
    return f"事项 {case_id} 不属于您负责的网格，不能操作。"
