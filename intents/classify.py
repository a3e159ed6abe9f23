"""Understanding one group message: FAQ question, complaint, or nothing for the bot."""

from __future__ import annotations

import ctypes
import logging
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from intents.complaint import HELP_ASKED, INDIGNATION, REQUEST, ComplaintDetector, ComplaintSignal, as_in_messages
from intents.matcher import FEATURES, Candidate, FaqIndex, defined_thing, with_confidences
from intents.meaning import Meaning
from intents.normalize import Normalizer
from intents.reports import ReportModel, asks_the_model, report_features
from intents.segment import Segmenter
from knowledge.entry import FaqEntry
from knowledge.lexicon import Lexicon, load_lexicon

log = logging.getLogger(__name__)

_QUESTION = re.compile(
    r"[?？]|吗|呢|么$|(?<![没不])怎么|怎样|什么|如何|哪|(?<!没有)(?<!没)多少|(?<![好十这那前了都没被])几[个天时号月年点次类种步样岁张]|能不能|可不可以|是不是|有没有|为什么|为啥"
    r"|(?:要|需要|得)几(?:户|家|成|个人)"  # 要几户同意; but 下面就是几户人家 tells
    r"|(?<![怎什这那多])么(?:样|时候|意思)"  # dialect 么样 = 怎么样, 么时候 = 什么时候 (the dialect table cannot map them safely)
    r"|请问|咨询|想问|想了解|打听|谁|啥|行不行|要不要|咋|是否|能否|可否|多久|多长时间"
    r"|(?<!爱)(?!得不得了)([\u4e00-\u9fff])不\1"  # A-not-A: 会不会, 能不能, 靠不靠谱 (爱理不理, 高兴得不得了 ask nothing)
    r"|到底[^,.;!?，。；！？]{1,10}?还是|(?:是|算|按|找|归|给|选|交|丢|扔|倒|投)[^,.;!?，。；！？]{1,10}?还是(?!蛮|挺|很|比较|可以|不错|照样|老样子|一样没|没(?:人|用|修|好|来|动)|不(?:行|管|修|来|理|见|好|停|亮|通))"  # 算同意还是反对; not 还是蛮公道, 还是不行
    r"|[不没吗嘛么吧][?]?$|[不没](?=[咯啰哦啊呀噻嘛](?:[,，?？\s]|$))|么(?=[,，]\s*还是)|(?<![决绝偏就才也都还并])[不没吗](?=\s|[,，]\s*\S)|真的假的|是真的吗"  # 犯法不; 能借不 我们有十个人
    r"|几多(?=[钱岁天个年次平块人久户号]|$|[?？吗啊])"  # dialect: 要几多岁; but 几多臭 exclaims
    r"|(?:要|给|交|补|赔|收|算|拿|领|剩|摊|发|达到)好多(?=[钱平块元]|[人户年天个](?!了|的|都|一起)|$|[?？啊呀哦咯噻])|是好多(?=$|[?？啊呀哦咯噻])"
    r"|(?:要|达到)好多(?=业主|比例|票)|好多(?:个|位)?(?:人|户|业主)(?:同意|签字|签名|投票|表决)(?=才|[?？啊呀哦咯噻吗])"  # 要好多业主签字, 好多人同意才算; not 好多人同意 (many did), 好多人同意就是冇用
    r"|(?:工资|钱|费|价|租金|电话|号码)好多(?=$|[?？]|[啊呀哦咯噻][?？]?$)"  # 工资好多: how much is the pay; not 停车费好多啊，一个月三百
    # dialect 好多 = 多少: 一个月给好多, 要好多户同意, 户号是好多啊; but 有好多人, 花了好多钱, 交好多年了, 是好多户一起 tell
    r"|(?<!了)好久(?![\u4e00-\u9fff]{1,2}的)(?=能|会|才能|才会|可以|(?![没不才])[\u4e00-\u9fff]{1,2}一[次届回趟期]"
    r"|投放|交|发|办|拿|到账|开始|之内|以内|领|签|搬|修|换|装|收|通|截止|到期|开工|完工|公布|兑现|要(?!不))"  # dialect 好久 = 多久/几时: 好久能交房, 好久换一届, 好久投放;
    # not 好久没人管, 好久才来, 等了好久开发商, 等了好久换的, 好久搬的家, 好久没来一回
    r"|(?<![了都])要[^,.;!?，。；！？了]{0,4}好久(?=[?？啊呀哦咯噻]|$)"  # 要住满好久, 还要等好久: how long
    r"|有[^,.;!?，。；！？]{1,6}(?<!感)冒(?=[?？]|$)"  # dialect 有钱冒 = 有没有钱; not 有点感冒
)
# Verbs jieba's rarer words glue to the thing before them: 积分换 (东西), 余额用 (来…).
_GLUED_VERBS = frozenset("换用抵兑拿领交退补")
# A paper to bring ("要交税证明吗", "带上工资流水") names a thing to be named without asking about it.
_PAPERS = frozenset(("证明", "凭证", "记录", "流水", "清单", "单据", "单子", "票据"))
_CLAUSE = re.compile(r"[^,.;!?，。；！？\s]+[?？]?")  # a clause keeps its question mark
_SENTENCE = re.compile(r"(?:[^?!。.]|(?<=\d)\.(?=\d))+[?!。.]*")  # keeps its question mark; 1.5 is no full stop
# A short query in keyword style names what it wants at the end ("老年证办理流程", "积水上报渠道"): a question.
_QUERY_HEAD = re.compile(  # ... but "物业一直不接电话" is no query
    r"^(?!.*[不没])[^,.;!?。，；！？\s]{2,14}(?:流程|渠道|途径|条件|标准|材料|手续|电话|地址|地点|时间|方式|办法|要求|政策|规定)$")
# Shaped like questions, asking the bot nothing: "不知道被谁偷了", "不晓得什么东西在发臭" say something happened, "谁有多余的纸箱" asks the
# neighbours for a thing, "吃了没" greets, "万一哪天" means someday, "要不要叫人来看" asks for help.
_NOT_ASKING_THE_BOT = re.compile(r"(?:不知道|不晓得|不清楚|也不知)(?:被谁|(?:哪家|哪户|谁家)的|什么东西在)|谁(?:有|要|能借|借)|吃了?饭?(?:没|吗)"  # 吃了没: a greeting
                                 r"|(?:万一|要是|说不定|总有|迟早)哪天"  # 万一哪天: someday, no question
                                 r"|(?:比|问|找|求)(?:哪个|谁|哪家)都"  # 比谁都积极, 问谁都说在走流程: everyone, no question
                                 r"|真是好[^,.;!?，。；！？]{1,4}?(?:呢|啊|哦|呀)"  # 真是好物业呢: an exclamation (often sarcastic)
                                 r"|(?:具体|详情|详细|如有疑问|有疑问)[^,.;!?，。；！？]{0,2}?(?:咨询|询问|联系)"  # a notice: 具体咨询所在社区
                                 rf"|{HELP_ASKED.pattern}")  # 要不要叫人来看: asks for help
# A message that opens by calling a neighbour ("老李，你屋那个评估签了冇", "王娭毑 你…") asks that neighbour, not the bot.
_TO_A_NEIGHBOUR = re.compile(r"^(?:(?:老|小|阿)[\u4e00-\u9fff]|[\u4e00-\u9fff]{0,2}(?:姐|哥|叔|姨|婶|嫂|伯|妹|弟|师傅|老师|奶奶|爷爷"
                             r"|娭毑|嗲嗲|爹爹|大爷|大妈))[,!\s]+(?:你|您)")
_A_JOKE = re.compile(r"^(?:讲|说)一?个笑话")  # "讲个笑话：老师问小明垃圾分几类……" asks nothing
_THANKED = re.compile(r"(?:上次|上回|之前|已经|领到|查到|办好|弄好|搞好)[^?？]*(?:谢谢|感谢|多谢|辛苦)"
                      r"|(?:谢谢|感谢|多谢)[^?？]*(?:上次|上回|之前)")
# A question that wants something done ("为什么停水三天了没人管", "去哪投诉", "能不能帮忙协调一下") is a report; one that
# asks how things are ruled ("漏了两年了，要几多户同意才能用维修资金") is answered, however much trouble it tells.
_WANTS_ACTION = re.compile(r"为什么|为啥|凭什么|怎么还|投诉|举报|协调|帮忙|帮帮|帮我|管一管|管管|管不管|有没有人管|没人管|谁来管"
                           r"|什么时候(?:修|来|处理|解决|弄|搞|恢复|通|好|能|可以|才)|几时|好久(?:能|才)"
                           r"|到底(?:要|还)?[^,.;!?，。；！？]{0,6}?(?:卡在哪|好久|多久|什么时候|发不发|批不批|给不给)|哪年哪月|猴年马月"  # impatience
                           r"|到底[^,.;!?，。；！？]{0,2}(?:归|该)(?:谁|哪个|哪家|哪里)(?:来)?管"  # not 以后到底交给哪个管
                           r"|没有?人(?:管|收|来|修|清|搬|理)|(?:能|会|可以)?管(?:吗|不[?？]*$|得)|报给谁|上报"
                           r"|找(?:哪个|谁|物业)(?:修|管|报|反映|报修)?(?:[?？!！咯啊哦呢呀]*$|有用)|有用吗|报到哪|报哪里"
                           r"|怎么办|怎么搞|怎么处理|没有?人(?:赔|处理|负责|解决)|(?<![能会])不(?:修|管|处理|解决)"
                           r"|困人|关了?人|有人在里面|快点|赶紧|急死"  # an emergency
                           r"|找(?:谁|哪个)都(?:推|不管|没用)|推来推去|踢皮球|又是(?:哪个|谁|哪家)(?:把|在|又)"  # the runaround, again
                           r"|说好(?:了|的)?[^,.;!?，。；！？]{1,12}[,，\s]\s*(?:现在|结果|到现在|至今|可是|但是)"  # a promise broken
                           r"|干什么吃|吃干饭|像话吗|像不像话|什么道理|岂有此理|讲不讲理|有没有王法|这合不合理"
                           rf"|{INDIGNATION.pattern}|{REQUEST.pattern}")  # indignation and requests ("这个归哪个管") want it done too
_HAS_WORD = re.compile(r"[\u4e00-\u9fffa-z0-9]")
# Small talk with the bot about itself ("你叫什么名字", "谢谢你上次的回答"): it gets a greeting, never an FAQ answer.
_SMALL_TALK = re.compile(
    r"^(?:你|您)(?:好|是谁|叫什么名字|叫什么|叫啥|(?:是|是不是)(?:机器人|真人|人工智能|ai))[吗呢啊呀?!。]*$"
    r"|^(?:谢谢|感谢|多谢)(?:你|您|小助手)?[啊了哈]?[,，!！]?(?:上次|刚才|之前)?的?(?:回答|解答|帮助|帮忙)?[了啊哈!！]*$")


class _Detail(NamedTuple):
    name: str
    asks: re.Pattern
    said_by: tuple[str, ...]


def _asks(norm: str, mentioned: bool, asked: str | None = None) -> bool:
    """Whether a normalised message is shaped like a question to whoever may answer it; `asked`: the message less
    what asks the bot nothing, when the caller has it already."""
    asked = _NOT_ASKING_THE_BOT.sub("", norm) if asked is None else asked
    return bool(_QUESTION.search(asked) or _QUERY_HEAD.search(norm)) \
        and (mentioned or not _TO_A_NEIGHBOUR.match(norm)) and not _A_JOKE.match(norm)


def _asking_clauses(text: str) -> list[str]:
    """The clauses of a message that ask something, or all of it when none does."""
    return [c for c in _CLAUSE.findall(text) if _QUESTION.search(c)] or [text]


def _paper_follows(words: tuple[str, ...], i: int) -> bool:
    """Whether a paper is named right after the i-th word (交税 证明, 交税 的 单子)."""
    following = words[i + 1 : i + 3]
    if following[:1] == ("的",):
        following = following[1:]
    return bool(following) and following[0] in _PAPERS


def _return_free_memory() -> None:
    """Building an index churns through many small objects; give the freed heap back to the system (glibc)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


# The meaning band's logistic model: how sure the top candidate of a question the words leave unsure is right, from the
# words' confidence and margin (0-1), whether the bot was @-mentioned, the sentence cosine to the top candidate and its
# lead over the next two, and the candidate's word features. Weights (bias first) fitted by
# benchmarks/calibrate_meaning.py on our labelled sets; refit them when the matcher's WEIGHTS change.
MEANING_FEATURES = ("score", "margin", "mentioned", "cosine", "lead", *FEATURES)
MEANING_WEIGHTS = (0.130, 5.539, 2.743, 0.112, 6.271, 6.984, -4.666, -6.704, 2.043, -2.399, -7.552, -1.726, 1.248, 0.331,
                   0.605, 0.786, 1.064, -2.465)


def meaning_features(top: Candidate, second: float, mentioned: bool, near: tuple[float, ...]) -> tuple[float, ...]:
    lead = near[0] - max(near[1:], default=0.0)
    return (top.score / 100, (top.score - second) / 100, float(mentioned), near[0], lead,
            *(top.features[name] for name in FEATURES))


def meaning_confidence(values: tuple[float, ...], weights: tuple[float, ...] = MEANING_WEIGHTS) -> float:
    z = weights[0] + sum(w * v for w, v in zip(weights[1:], values, strict=True))
    return 1 / (1 + math.exp(-z)) if z > -700 else 0.0


def _report_model() -> ReportModel | None:
    """The shipped report model; one that does not load (a broken install) is said in the log, and reports are then
    filed by the lexicon alone, as questions are answered by words alone without the sentence encoder."""
    try:
        return ReportModel.load()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("投诉判读模型载入失败，只按词表识别投诉：%s", exc)
        return None


@dataclass(frozen=True, slots=True)
class Thresholds:
    mention: float = 30.0
    plain: float = 40.0
    suggest: float = 15.0
    margin: float = 5.0
    complaint: float = 55.0
    strong: float = 60.0  # a question that matches an entry this well is answered unless it wants something done
    terse: float = 80.0  # a plain message that is no question form (e.g. "加装电梯补贴") is answered only above this
    # A question the words leave unsure (top candidate at least `meaning_floor`) is answered when its meaning is close to
    # the top candidate's phrasings (cosine) and closer than to the runners-up by `meaning_lead`, or else when the
    # meaning band's model, weighing words and meaning together, is `meaning_sure` the top candidate is right
    # (0.75: a wrong answer costs as much as three right ones earn).
    meaning: float = 0.55
    meaning_lead: float = 0.05
    meaning_sure: float = 0.75
    meaning_floor: float = 10.0
    # A runner-up is answered instead when its meaning is this far ahead of every other candidate's, top included,
    # at least `meaning_runner_up` close, and the words put it on topic too.
    meaning_overrule: float = 0.15
    meaning_runner_up: float = 0.45
    # A message the complaint words leave silent though they saw something is filed when the report model
    # (intents/reports.py) is this sure it reports a problem.
    report_sure: float = 0.5


@dataclass(frozen=True, slots=True)
class Decision:
    intent: str  # "faq" | "complaint" | "none"
    score: float
    reason: str
    faq: FaqEntry | None = None
    category: str | None = None
    suggestions: tuple[FaqEntry, ...] = ()
    is_question: bool = False
    text: str = ""  # the normalised text
    words: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)
    complaint: ComplaintSignal | None = field(default=None, repr=False)
    meaning: tuple[float, ...] = ()  # cosines of the first candidates, when words left the bot unsure
    meaning_sure: float | None = None  # how sure the meaning band's model was of the top candidate, when it was asked
    report_sure: float | None = None  # how sure the report model was that the message reports a problem, when asked


class Understanding:
    """Everything needed to read residents' messages against one knowledge base."""

    def __init__(self, entries: list[FaqEntry], thresholds: Thresholds | None = None, lexicon: Lexicon | None = None,
                 meaning: Meaning | None = None, use_meaning: bool = True, reports: ReportModel | None = None):
        self.lexicon = lexicon or load_lexicon()
        self.meaning = (meaning or Meaning()) if use_meaning else None
        self.reports = (reports or _report_model()) if use_meaning else None
        self.thresholds = thresholds or Thresholds()
        self.normalize = Normalizer(self.lexicon.dialect)
        self.segmenter = Segmenter(self.lexicon)
        self.complaints = ComplaintDetector(self.lexicon)
        self.category_labels = {c.code: c.label for c in self.lexicon.categories}
        self.must_name = frozenset(self.lexicon.synonyms.get(w, w) for w in self.lexicon.must_name)
        self.must_name_anywhere = frozenset(self.lexicon.synonyms.get(w, w) for w in self.lexicon.must_name_anywhere)
        self._must_name_endings = tuple(self.must_name)  # str.endswith takes them all at once
        self.details = tuple(_Detail(d.name, re.compile(d.asks), tuple(map(as_in_messages, d.said_by)))
                             for d in self.lexicon.details)
        self.reload(entries)

    def reload(self, entries: list[FaqEntry]) -> None:
        """Swap in a new knowledge base; the old index serves until the new one is complete."""
        try:
            index = FaqIndex(entries, self.segmenter)
        except Exception:
            if previous := getattr(self, "index", None):  # none when the first build fails
                self.segmenter.use_words(previous.terms)  # the old index's terms back
            raise
        self.index = index
        _return_free_memory()

    def warm(self, stop: threading.Event | None = None) -> int:
        """Load the sentence encoder and encode the phrasings it has not seen before, until done or `stop` is set
        (slow: the bot runs this in the background after a start); returns how many phrasings were encoded."""
        encoded = self.meaning.warm(self.index.entries, stop) if self.meaning is not None else 0
        _return_free_memory()
        return encoded

    def _unnamed(self, entry: FaqEntry, subjects: tuple[str, ...], text: str) -> list[str]:
        """What the message asks about that the entry must name (must_name.txt) and does not. Only the clauses that
        ask count, or the whole message when none does: "业委会委员有工资吗" asks about pay, "以前厂里扣工资，现在电费去哪交"
        does not. Words marked * in the file count wherever they are said."""
        named = {w: found for w in subjects if (found := self._named(w))}
        if not named:
            return []
        asked = set().union(*(self.index.subjects(self.segmenter.content(self._unpapered(c))) for c in _asking_clauses(text)))
        # A death, a divorce or a sale changes what is owed wherever it is said: "老人过世了，高龄津贴要退回去吗".
        anywhere = set(self._unpapered(text))
        names = [n for w, found in named.items() for n in found
                 if w in asked or (n in self.must_name_anywhere and w in anywhere)]
        return [n for n in dict.fromkeys(names) if not self.index.speaks_of(entry, (n,), text)]

    def _named(self, word: str) -> tuple[str, ...]:
        """The must-name things a resident's word names: those it ends with (装修押金, 开发票; not 工资卡), the fee of one
        (年检费), or the one a verb was glued to by jieba (积分换 in "有积分换东西吗"). Runs for every subject of every
        message: a few str.endswith."""
        glued = word[:-1] if word[-1:] in _GLUED_VERBS and word[:-1] in self.must_name else None
        if word.endswith("费") and word[:-1].endswith(self._must_name_endings):  # 年检费 is about 年检
            word = word[:-1]
        if not glued and not word.endswith(self._must_name_endings):
            return ()
        return tuple(sorted(n for n in self.must_name if n == glued or word.endswith(n)))

    def _unpapered(self, text: str) -> tuple[str, ...]:
        """The words of `text`, less those that only name a paper to bring (交税 in "要交税证明吗", "交税的单子")."""
        words = self.segmenter.cut(text)
        return tuple(w for i, w in enumerate(words) if not _paper_follows(words, i))

    def _unsaid(self, entry: FaqEntry, text: str) -> str | None:
        """A detail the message asks about (how it is paid, where to pay: asked_details.yaml) that the entry does not
        speak of: "签约奖励是跟补偿款一起打还是另外发" is not answered by an entry saying only that there is a reward."""
        clauses = _asking_clauses(text)
        said = ""
        for detail in self.details:
            if any(detail.asks.search(c) for c in clauses):
                said = said or as_in_messages(self.index.said(entry))
                if not any(w in said for w in detail.said_by):
                    return detail.name
        return None

    def _search(self, text: str, content: tuple[str, ...], allow: Callable[[str], bool] | None) -> tuple[Candidate, ...]:
        found = self.index.search(content, text)
        if allow is not None:
            found = with_confidences([c for c in found if allow(c.entry.id)])
        return tuple(found)

    def _surer_from_the_question(self, text: str, top: Candidate, allow: Callable[[str], bool] | None) \
            -> tuple[Candidate, ...] | None:
        """A question told inside a story ("老房子划进红线了，我爸想问搬家有没有补贴？他腿脚不好"): the candidates of the
        clauses that ask, read alone, when they are surer of the same entry."""
        clauses = _CLAUSE.findall(text)
        asking = [c for c in clauses if _QUESTION.search(c)]
        if len(clauses) < 3 or not 0 < len(asking) < len(clauses):
            return None
        story = " ".join(c for c in clauses if c not in asking)
        if not self.segmenter.content(self.segmenter.cut(story)):  # "请问一下，…？谢谢" tells no story: nothing to leave out
            return None
        told = " ".join(asking)
        alone = self._search(told, self.segmenter.content(self.segmenter.cut(told)), allow)
        return alone if alone and alone[0].entry.id == top.entry.id and alone[0].score > top.score else None

    def _on_subject(self, entry: FaqEntry, subjects: tuple[str, ...], text: str) -> bool:
        """Whether the entry speaks of one of the message's subjects, or of a number it names."""
        return bool(subjects) and (self.index.speaks_of(entry, subjects, text) or self.index.shares_a_number(entry, text))

    def _fits(self, entry: FaqEntry, subjects: tuple[str, ...], text: str) -> bool:
        """The gates the top candidate passes, for a runner-up that would answer instead: on subject, names what must
        be named, tells the detail asked."""
        return self._on_subject(entry, subjects, text) and not self._unnamed(entry, subjects, text) \
            and not self._unsaid(entry, text)

    def _closer_in_meaning(self, candidates: tuple[Candidate, ...], near: tuple[float, ...], subjects: tuple[str, ...],
                           text: str) -> Candidate | None:
        """A runner-up the words ranked lower that is, by meaning, clearly the one asked about ("搬家费补不补" beside
        "家里老人多" is the moving allowance, though the words favour moving the old out before a flood)."""
        t = self.thresholds
        best = max(range(len(near)), key=near.__getitem__)
        lead = near[best] - max((c for i, c in enumerate(near) if i != best), default=0.0)
        if best == 0 or near[best] < t.meaning_runner_up or lead < t.meaning_overrule:
            return None
        runner = candidates[best]
        return runner if self._fits(runner.entry, subjects, text) else None

    def classify(self, text: str, mentioned: bool = False, allow: Callable[[str], bool] | None = None) -> Decision:
        """`allow(faq_id)`, when given, leaves out entries that do not apply here (a community's own entries)."""
        decision = self._read(text, mentioned, allow)
        # "网格员能帮老人代办事情不？我崽在外地回不来": one sentence asks, the others tell of the family around it and
        # only blur the words. When the whole says nothing sure, the asking sentence is read alone; not when the
        # whole names a problem ("停水停到什么时候？一滴水都没有"): that is a report the bot could not place.
        if decision.intent == "none" and decision.candidates and not (decision.complaint and decision.complaint.problems):
            sentences = [s for s in _SENTENCE.findall(decision.text) if _HAS_WORD.search(s)]
            asking = [s for s in sentences if _asks(s, mentioned)] if len(sentences) > 1 else []
            if len(asking) == 1 and (alone := self._read(asking[0], mentioned, allow)).intent == "faq":
                return replace(alone, reason=f"asked in one of {len(sentences)} sentences: {alone.reason}")
        return self._read_as_report(decision, mentioned) if asks_the_model(decision) else decision

    def _read_as_report(self, decision: Decision, mentioned: bool) -> Decision:
        """A message the complaint words saw something in but left silent, read again by its meaning."""
        if self.reports is None or (vector := self.meaning.vector(decision.text)) is None:
            return decision
        sure = self.reports.sureness(vector, report_features(decision, mentioned))
        if sure < self.thresholds.report_sure:
            return replace(decision, report_sure=sure)
        signal = decision.complaint
        return replace(decision, intent="complaint", score=signal.score, reason=f"reads as a report: {sure:.0%} sure",
                       category=signal.category or "other", suggestions=(), report_sure=sure)

    def _read(self, text: str, mentioned: bool, allow: Callable[[str], bool] | None) -> Decision:
        t = self.thresholds
        norm = self.normalize(text)
        if not _HAS_WORD.search(norm):
            return Decision("none", 0.0, "no words", text=norm)
        if _SMALL_TALK.match(norm.replace(" ", "")):
            return Decision("none", 0.0, "small talk with the bot", text=norm)
        words = self.segmenter.cut(norm)
        content = self.segmenter.content(words)
        candidates = self._search(norm, content, allow)
        asked = _NOT_ASKING_THE_BOT.sub("", norm)
        question = _asks(norm, mentioned, asked)
        # "…不给办门禁卡，这合理吗" is indignation, no question: it neither softens the report it ends nor lets an entry
        # that matches the rest win over it.
        sincere = question and bool(_QUESTION.search(INDIGNATION.sub("", asked)))
        complaint = self.complaints.assess(norm, sincere, raw=text[:200])
        top = candidates[0] if candidates else None
        second = candidates[1].score if len(candidates) > 1 else 0.0
        common = dict(is_question=question, text=norm, words=words, candidates=candidates, complaint=complaint)
        subjects = self.index.subjects(content)
        on_topic = top is not None and self._on_subject(top.entry, subjects, norm)
        # "业委会委员任期几年" shares 业委会委员 with an entry on who may serve; 任期 is what it asks, and the entry is silent on it.
        unnamed = self._unnamed(top.entry, subjects, norm) if on_topic else []
        unsaid = self._unsaid(top.entry, norm) if on_topic and not unnamed else None
        on_topic = on_topic and not unnamed and not unsaid

        # A question about a rule wins over the problem words it mentions ("私搭的棚子拆迁补不补"), unless it also
        # tells of trouble now ("…停水三天了没人管"); a statement of a problem is a report, however well it matches
        # an entry ("社区电话打了一上午都没人接", "物业乱收停车费").
        if top is None or top.score < t.mention or not on_topic:
            faq_wins = False
        elif sincere:
            faq_wins = (bool(complaint.policy_words) and not complaint.lasting) or not complaint.signs \
                or top.score > complaint.score + 10 or (top.score >= t.strong and not _WANTS_ACTION.search(norm))
        else:
            faq_wins = not (complaint.signs or complaint.problems) and top.score > complaint.score + 10
        if complaint.score >= t.complaint and not faq_wins:
            return Decision("complaint", complaint.score, "reports a problem", category=complaint.category, **common)
        if top is None:
            return Decision("none", 0.0, "no knowledge-base words", **common)
        threshold = t.mention if mentioned else t.plain
        # On topic and above threshold and margin, the whole is sure: the asking clauses read alone could only agree.
        sure_already = on_topic and top.score >= threshold and top.score - second >= t.margin
        if (mentioned or "?" in norm) and not sure_already and (surer := self._surer_from_the_question(norm, top, allow)):
            candidates = common["candidates"] = surer
            top, second = candidates[0], candidates[1].score if len(candidates) > 1 else 0.0
        if mentioned and not question and _THANKED.search(norm):  # "上次讲的…好有用，谢谢哈": thanks for a past answer
            return Decision("none", top.score, "thanks, no question", **common)
        if not subjects:  # only words of asking ("补贴怎么领", "小区要办什么手续"): about what? Not guessed
            return Decision("none", top.score, "names no subject", **common)
        # "三供一业是什么东西": the entry that says what it is, however many others name it more often.
        thing = defined_thing(asked, lambda part: self.segmenter.content(self.segmenter.cut(part))) \
            if mentioned or question else None
        defined = self.index.defining(thing)
        if defined is not None and (allow is None or allow(defined.id)):
            score = next((c.score for c in candidates if c.entry.id == defined.id), top.score)
            return Decision("faq", score, f"asks what {thing} is: {defined.id} says", faq=defined, **common)
        if unnamed:  # it asks about a thing the entry does not name
            return Decision("none", top.score, f"off topic: {top.entry.id} does not speak of {'、'.join(unnamed)}", **common)
        if unsaid:  # it asks about a detail the entry does not tell; when @-mentioned, offer those that do
            telling = tuple(c.entry for c in candidates[1:3]
                            if self.index.speaks_of(c.entry, subjects, norm) and not self._unsaid(c.entry, norm))
            # The next entry passes the gates the top failed and is as sure over the rest as an answer must be: it answers.
            runner = candidates[1] if len(candidates) > 1 else None
            third = candidates[2].score if len(candidates) > 2 else 0.0
            if ((mentioned or question) and runner and runner.score >= threshold and runner.score - third >= t.margin
                    and self._fits(runner.entry, subjects, norm)):
                return Decision("faq", runner.score, f"{top.entry.id} does not say {unsaid}; {runner.entry.id} does, "
                                f"score {runner.score} ≥ {threshold}", faq=runner.entry, **common)
            return Decision("none", top.score, f"off topic: {top.entry.id} does not say {unsaid}",
                            suggestions=telling if mentioned else (), **common)
        if not on_topic:  # it shares only words of asking with the entry: it asks about something else
            return Decision("none", top.score, f"off topic: {top.entry.id} speaks of none of {'、'.join(subjects)}", **common)
        margin = top.score - second
        # A plain statement is answered only when it is a terse, on-topic query ("加装电梯补贴").
        terse = top.score >= t.terse and len(content) >= 2 and top.features["unknown"] == 0
        if top.score >= threshold and margin >= t.margin and (mentioned or question or terse):
            return Decision("faq", top.score, f"score {top.score} ≥ {threshold}, margin {margin:.1f}", faq=top.entry, **common)
        if (mentioned or question) and top.score >= t.meaning_floor and self.meaning is not None:
            common["meaning"] = near = tuple(self.meaning.similarities(norm, [c.entry for c in candidates[:3]]))
            if near and near[0] >= t.meaning and (lead := near[0] - max(near[1:], default=0.0)) >= t.meaning_lead:
                return Decision("faq", top.score, f"meaning: cosine {near[0]:.2f}, {lead:.2f} ahead of the next", faq=top.entry,
                                **common)
            # Not for a message that names a problem ("停水停到什么时候？一家老小等着做饭"): a report it could not place.
            if near and not complaint.problems:
                common["meaning_sure"] = sure = meaning_confidence(meaning_features(top, second, mentioned, near))
                if sure >= t.meaning_sure:
                    return Decision("faq", top.score, f"meaning with words: {sure:.0%} sure", faq=top.entry, **common)
                if runner := self._closer_in_meaning(candidates, near, subjects, norm):
                    return Decision("faq", runner.score, f"meaning: {runner.entry.id} closer than the top by a wide lead",
                                    faq=runner.entry, **common)
        if mentioned and top.score >= t.suggest:
            close = [c.entry for c in candidates[:3] if c.score >= max(t.suggest, top.score - 12)]
            # and the candidate closest in meaning, which the words may have ranked lower
            if (near := common.get("meaning")) and (nearest := candidates[near.index(max(near))].entry) not in close:
                close.append(nearest)
            return Decision("none", top.score, "unsure: offer choices", suggestions=tuple(close), **common)
        reason = "not a question" if not (mentioned or question) else f"score {top.score} below {threshold} or margin {margin:.1f}"
        return Decision("none", top.score, reason, **common)
