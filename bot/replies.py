"""What the bot says: every user-facing sentence in one place."""

from __future__ import annotations

from datetime import datetime

from bot.registry import Person

WEEKDAYS = "一二三四五六日"


def when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日（周{WEEKDAYS[moment.weekday()]}）{moment:%H:%M}"


def names(people: list[Person]) -> str:
    return "、".join(dict.fromkeys(p.name for p in people))


def faq_answer(answer: str) -> str:
    return answer


def case_filed(case_id: str, label: str, responders: list[Person], due: datetime) -> str:
    who = f"本网格网格员{names(responders)}" if responders else "社区工作人员"
    return (
        f"已收到您反映的{label}问题，登记为网格事项 {case_id}，已通知{who}处理，"
        f"预计 {when(due)} 前办结。发送“查询 {case_id}”可随时了解进度。"
    )


def worker_notice(case_id: str, label: str, group_name: str, reporter: str, text: str, due: datetime) -> str:
    return (
        f"【新网格事项】{case_id}\n类别：{label}\n来源：{group_name}（{reporter}）\n"
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
