"""Complaint detection: does a message report a concrete, present problem, and of which category?

Evidence for a report: a word that states a problem (违建, 不亮, 油烟直排 — also with words in between, as in
"油烟直接朝我家窗户排"), general signs of trouble (坏了, 没人管, 好几天), a thing a case can be about (路灯, 电梯), a
concrete place (楼下, 3栋, 门口), a message addressed to the grid worker. Evidence against: words of rules and
procedures (政策, 怎么申请), a question with no problem in it, the form of a notice (【通知】, 请做好准备), contentment
(修好了, 舒服多了). Not read at all: what is only supposed (要是家里起火了…), denied (幸好没进水), meant to be avoided
(不想搞成违建) or announced for later (说要停水).
So "物业费怎么收" stays a question, "电梯坏了三天没人修" becomes a case, and the property company's
"周五停电检修，请做好准备" is neither.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knowledge.lexicon import Lexicon

PROBLEM = 55.0  # one word that states a problem of a category is enough
MORE_PROBLEMS = 10.0
OBJECT = 15.0
SIGN = 20.0  # each general sign of trouble, up to three
TROUBLE_AT = 20.0  # a sign of trouble next to a thing a case can be about: 消防通道 … 堵死
PLACE = 15.0  # a concrete place, when something is wrong there
CONCRETE = 15.0  # a thing at a place, told as a statement: "院子外面圈了块地搭了棚子"
TO_WORKER = 15.0  # addressed to the grid worker, when something is wrong
POLICY = -20.0  # each word of rules and procedures, up to two
QUESTION_ONLY = -10.0  # a question with no problem word in it
QUESTION_NO_SIGN = -20.0  # a question with a problem word but no sign that it is happening ("下午三点停电吗")
NOTICE = -60.0
PRAISE = -50.0  # "电梯装好以后舒服多了", "换了电池就好了": contentment, even where trouble words appear
DECISIVE = 10.0  # the category weight of a thing that settles it (安置房), more than a problem word of another (开裂)

# A decisive object does not decide where it only says where ("安置房楼上天天装修", "河堤上的路灯不亮") or who was told
# ("跟保安说了", "确保安全").
_ONLY_WHERE = re.compile(r"上|边上|步道|下面|底下|旁边|小区|那边|这边|外面|楼上|楼下|门口|附近|隔壁|说|讲|来了")
_ONLY_WHO = "跟找问向给确"
_BUILDING = re.compile(r"[0-9一二三四五六七八九十]+\s*(?:栋|幢|单元|号楼|楼道)")
_PLACE_PARTS = ("小区", "单元", "门口", "楼道", "阳台", "楼下", "楼上")
_TO_WORKER = re.compile(r"@\s*(?:网格员|网格长|社区|书记|主任)")
_NEGATED = re.compile(r"[不没]$")  # 一点都不贴心: no praise
# "能不能来处理一下" asks someone to act, not whether a rule allows something (unless a word of rules is left besides:
# "能不能找人来看一下合不合规").
REQUEST = re.compile(r"(?:能不能|可不可以|能否|可否)[^,.!?，。！？]{0,4}?(?:管|处理|解决|看一下|来看|过来|清理|喊人|叫人|找人|派人|派个人)"
                     r"|有人管(?:得了|得到)?(?:没|吗|不)|(?:什么时候|几时|好久)(?:来|能|才|可以)?(?:修|处理|解决|清理|清|管)"  # 有人管冇; 么时候来修
                     r"|这(?:个|种|事)?(?:事)?(?:归|该)?(?:谁|哪个)(?:来)?管"  # 这个哪个来管: the trouble just told
                     r"|有没有人来?(?:搞|管|处理|看|修|清理|收拾|弄)(?:一下|一管|下)")  # 有冇得人来搞一下
# Indignation asks nothing: "…不给办门禁卡，这合理吗" ends a report; the rule words in it (合法) ask no rule.
INDIGNATION = re.compile(r"(?:这(?:样|个|种)?(?:搞|做|收|弄)?(?:合理|公平|合法|像话)(?:吗|不|么)|有这样(?:搞|做|收|干|办)?的吗|搞什么名堂|了个寂寞|就不能一次"
                         r"[^,.;!?，。；！？]{0,6}"
                         r"|还(?:要不要|让不让)人(?:睡|活|休息|过)|还睡不睡(?:觉)?|哪有(?:这个|这种|这样的?)道理|(?:收|拿|交)(?:的)?钱(?:是)?(?:干嘛|干什么|做什么)的"  # 还要不要人睡觉了
                         r"|钱(?:都)?(?:到|跑|去)哪(?:里|儿)?去(?:了|哒|啦)"  # 我们交的钱到哪去了: an accusation, not a question
                         r"|这是要(?:我们|我|人|老百姓|大家)?(?:睡马路|住马路|喝西北风|饿死|逼死|露宿街头)"  # sarcasm
                         r"|是不是[^,.;!?，。；！？]{0,4}(?:出了|有)(?:问题|毛病)"  # suspicion of the trouble told: 是不是表有问题
                         r"|出了?事(?:情)?[^,.;!?，。；！？]{0,2}(?:谁|哪个)(?:来)?(?:负责|担责|承担)"  # a warning: 出了事哪个负责
                         r"|这(?:是)?(?:谁|哪个)(?:允许|批准|同意|准许|让)的"  # 人行道停满了车，这是哪个允许的？
                         r"|这算(?:什么|啥)(?:事|道理|名堂)?(?=[?？!！。,，]|$)|那还[\u4e00-\u9fff]个(?:什么|啥)"  # 这算什么; 那还分个么子
                         r"|(?:是不是)?只(?:会|晓得|知道)收钱|光收钱|(?:给|做给)(?:哪个|谁)看的"  # 物业是不是只会收钱; 分给哪个看的
                         r"|这也(?:叫|算)[^,.;!?，。；！？]{0,6}(?:[?？]|$)"  # 灯改造完反而不亮了，这也叫提质改造？
                         # a rule held up against what is happening: "(还在打桩，)不是说晚上不准施工吗"
                         r"|不是(?:说|讲|规定)[^,.;!?，。；！？]{0,10}(?:不准|不能|不许|不让|禁止)[^,.;!?，。；！？]{0,8}?(?:的?吗|嘛))[?？]*")
_LAUGHTER = re.compile(r"(?<![笑得哈])哈哈")  # laughing along, not laughter told of (笑得哈哈的)
# "要不要叫人来看" asks for help too; its 要不要 is no word of rules (whether the rest asks something, the caller knows).
HELP_ASKED = re.compile(r"要不要(?:喊|叫|找)人来?(?:看|修|处理)")


@dataclass(frozen=True, slots=True)
class ComplaintSignal:
    score: float  # 0-100
    category: str | None
    problems: tuple[str, ...]
    objects: tuple[str, ...]
    signs: tuple[str, ...]
    policy_words: tuple[str, ...]
    places: tuple[str, ...] = ()
    lasting: bool = False  # the trouble has gone on for a while
    set_aside: bool = False  # a notice, news passed on, a joke or contentment: no report, whatever words it has


def as_in_messages(word: str) -> str:
    """A lexicon word normalised as messages are: full width to half, lower case (ＫＴＶ -> ktv)."""
    return unicodedata.normalize("NFKC", word).lower()


class Words:
    """Find lexicon words in text; longer problem words also match with a few characters between their parts
    (油烟直排 ~ 油烟直接朝我家窗户排)."""

    _GAP = "[^,.!?;，。！？；]{0,%d}?"
    # Aspect markers and counts that Chinese puts inside a verb-object word: 停电 -> 停了两次电, 漏水 -> 漏了水.
    _INSERTED = "[了过着几次天回趟一二三四五六七八九十两半整好多个条道根处大长宽深间层栋晚夜上]{1,5}"  # 裂了好长一条缝, 停了一整天电

    def __init__(self, words, gapped: bool = False, patterns=()):
        self._patterns = [re.compile(p) for p in patterns]  # each on its own: a backreference counts its own groups
        words = sorted({as_in_messages(w) for w in words if w}, key=len, reverse=True)
        self._exact = re.compile("|".join(map(re.escape, words))) if words else None
        # Gapped forms are checked only when their first two characters occur: a cheap filter before a regex.
        self._gapped: dict[str, list[tuple[str, re.Pattern]]] = {}
        for word in (w for w in words if gapped and len(w) >= 2):
            if len(word) >= 4:
                body = re.escape(word[:2]) + self._GAP % 5 + (self._GAP % 2).join(map(re.escape, word[2:]))
            else:
                body = re.escape(word[0]) + self._INSERTED + re.escape(word[1:])
            self._gapped.setdefault(word[:2] if len(word) >= 4 else word[0], []).append((word, re.compile(body)))

    def finditer(self, text: str):
        """Where the words occur as written (no gapped forms)."""
        return self._exact.finditer(text) if self._exact else iter(())

    def find(self, text: str) -> tuple[str, ...]:
        """The words found, then what the patterns found."""
        return self.find_words(text) + self.stated(text)

    def find_words(self, text: str) -> tuple[str, ...]:
        found = self._exact.findall(text) if self._exact else []
        for head, forms in self._gapped.items():
            if head in text:
                found += [word for word, pattern in forms if word not in found and pattern.search(text)]
        return tuple(dict.fromkeys(found))

    def stated(self, text: str) -> tuple[str, ...]:
        """What the patterns found (补贴三个月没到账)."""
        return tuple(dict.fromkeys(m.group(0) for pattern in self._patterns for m in pattern.finditer(text)))


def _any_of(patterns) -> re.Pattern:
    """One regular expression for a list of them; an empty list matches nothing."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)")


def _decides(word: str, text: str) -> bool:
    """Whether `word`, a decisive object, is said as the thing in trouble somewhere in `text`."""
    return any(not _ONLY_WHERE.match(text, m.end()) and (m.start() == 0 or text[m.start() - 1] not in _ONLY_WHO)
               for m in re.finditer(re.escape(word), text))


class ComplaintDetector:
    def __init__(self, lexicon: Lexicon):
        # A word that is a general sign of trouble (坏了) says nothing about the category, and a thing that is a place
        # (阳台, 单元门) says less than one that is not: weigh them so.
        generic = set(lexicon.problem_words)
        self._places_set = set(lexicon.place_words)
        self._decisive = {w for c in lexicon.categories for w in c.decisive}
        # A general sign that a category also lists (漏水 for utilities) hints at that category like an object does.
        self._categories = [(c.code, Words([w for w in c.problems if w not in generic], gapped=True, patterns=c.problem_patterns),
                             Words(c.objects), Words([w for w in c.problems if w in generic])) for c in lexicon.categories]
        self._signs = Words(lexicon.problem_words)
        self._policy = Words(lexicon.policy_words)
        self._places = Words(lexicon.place_words)
        self._notice = Words(lexicon.notice_words)
        self._praise = Words(lexicon.praise_words)
        self._trouble = [re.compile(p) for p in lexicon.trouble_patterns]
        self._lasting = _any_of(lexicon.lasting_patterns)
        # What "要是…" supposes has not happened ("要是家里起火了找谁"); 主要是, 只要是 suppose nothing.
        supposing = "|".join(map(re.escape, lexicon.supposing_words)) or "(?!)"
        # It ends at a punctuation mark or a space, or where the consequence starts (就, 我, 找, 怎么 …).
        self._supposed = re.compile(f"(?<![主只])(?:{supposing})[^,.!?;，。！？；\\s]{{2,16}}?(?=[,.!?;，。！？；\\s]|就|的话|那|我|怎么|找|该|$)")
        # A problem said not to have happened ("还好我们家没进水") or only announced ("说要停水") is none: such phrases
        # are taken out before reading.
        stated = {as_in_messages(w) for c in lexicon.categories for w in c.problems}
        stated |= {as_in_messages(w) for w in lexicon.problem_words}
        stated = sorted((w for w in stated if w and w[0] not in "不没未无别"), key=len, reverse=True)
        # 没积水, and what one means to avoid: 不想搞成违建, 以免着火.
        denying = "|".join(map(re.escape, sorted(lexicon.denying_words, key=len, reverse=True))) or "(?!)"
        self._denied = re.compile(f"(?:{denying})(?:再|被|搞成|弄成|变成)?(?:{'|'.join(map(re.escape, stated))})")
        # Contentment about somewhere else ("对面小区已经来电了", "3栋已经来电了") does not end the writer's trouble.
        self._other_places = _any_of(lexicon.elsewhere_patterns)
        self._planned = _any_of(lexicon.planned_patterns)  # "说要停水": announced, not happening
        self._news = Words(lexicon.news_words)
        self._here = _any_of(lexicon.here_patterns)
        self._joke = _any_of(lexicon.joke_patterns)

    @staticmethod
    def _claimed(match: re.Match) -> bool:
        """"物业说没积水", "物业讲已经修好了": someone's claim, which the resident reports to dispute it."""
        before = match.string[max(0, match.start() - 4): match.start()]
        return "说" in before or "讲" in before

    def _elsewhere(self, match: re.Match) -> bool:
        """"对面小区都已经来电了": fixed for someone else, not for the one who writes."""
        return bool(self._other_places.search(match.string[max(0, match.start() - 8): match.start()]))

    def _unless_reported(self, denial: re.Match) -> str:
        """"幸好没进水" is no trouble, but "物业说没积水" is a claim the resident disputes."""
        return denial.group(0) if self._claimed(denial) else ","

    def _content(self, text: str) -> bool:
        """Praise or trouble over and done with, with no new trouble told after it ("路灯修好了，但是井盖又没了" is
        a report), not somewhere else ("我们这栋到现在还没电，3栋已经来电了") and not someone's claim ("物业说修好了")."""
        found = [m for m in self._praise.finditer(text)
                 if not self._claimed(m) and not self._elsewhere(m) and not _NEGATED.search(text, 0, m.start())]
        return bool(found) and not self._tells_trouble(text[found[-1].end():])

    def _passed_on(self, text: str) -> bool:
        """"看新闻说外地有个小区井盖塌了" passes on news; "新闻上说的化工厂就在我们后面，今天味道好大" reports."""
        return bool(self._news.find(text)) and not self._here.search(text)

    def _object_weight(self, word: str, text: str) -> float:
        if word in self._decisive and _decides(word, text):
            return DECISIVE
        weight = min(len(word), 4)
        return weight / 2 if word in self._places_set or any(p in word for p in _PLACE_PARTS) else weight

    def _tells_trouble(self, text: str) -> bool:
        return bool(self._signs_in(text) or any(problems.find(text) for _, problems, _, _ in self._categories))

    def _signs_in(self, text: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self._signs.find(text) + tuple(m.group(0) for p in self._trouble
                                                                  for m in p.finditer(text))))

    def assess(self, text: str, is_question: bool = False, raw: str = "") -> ComplaintSignal:
        text = self._planned.sub(",", self._denied.sub(self._unless_reported, self._supposed.sub(",", text)))
        best = (0.0, None, (), ())
        all_problems: list[str] = []
        all_objects: list[str] = []
        all_stated: list[str] = []  # problems told by a pattern
        named = False  # a general sign of trouble that some category names (漏水)
        for code, problems_re, objects_re, hints_re in self._categories:
            stated = problems_re.stated(text)
            problems, objects, hints = problems_re.find_words(text) + stated, objects_re.find(text), hints_re.find(text)
            all_problems += problems
            all_stated += stated
            all_objects += objects
            named = named or bool(hints)
            # A word that states the problem outweighs things named as much (冒充 over 燃气公司 + 管子).
            weight = (3 * sum(min(len(w), 4) for w in problems) + 0.5 * bool(problems)
                      + sum(self._object_weight(w, text) for w in objects) + sum(min(len(w), 4) for w in hints))
            if weight > best[0]:
                best = (weight, code, problems, objects)
        signs = self._signs_in(text)
        # A problem that has happened (停水了, 漏水了) is one, whatever the sentence asks afterwards.
        signs += tuple(f"{p}了" for p in all_problems if f"{p}了" in text and f"{p}了" not in signs)
        request = REQUEST.search(text)
        ruled = INDIGNATION.sub("", HELP_ASKED.sub("", REQUEST.sub("", text)))
        for told in all_stated:  # a word of rules inside a stated problem (高龄补贴三个月没到账) asks nothing
            ruled = ruled.replace(told, ",")
        policy = self._policy.find(ruled)
        is_question = is_question and not (request and not policy)  # "能不能来处理一下" asks for action
        places = self._places.find(text) + tuple(_BUILDING.findall(text))
        trouble = bool(all_problems or signs)
        # A place that can also be what a case is about (阳台, 楼道) is no thing that went wrong by itself ("阳台的花
        # 被风吹倒了" tells of a flowerpot), unless the trouble is of a kind a category names ("阳台被楼上漏水泡了").
        things = all_objects if named else [o for o in all_objects if o not in self._places_set]
        score = 0.0
        if all_problems:
            score += PROBLEM + MORE_PROBLEMS * min(len(all_problems) - 1, 2)
        if things:
            score += OBJECT
        score += SIGN * min(len(signs), 3)
        if things and signs:
            score += TROUBLE_AT
        if places and (trouble or things):
            score += PLACE
        if places and things and not is_question:
            score += CONCRETE
        if _TO_WORKER.search(raw) and (trouble or all_objects):
            score += TO_WORKER
        score += POLICY * min(len(policy), 2)
        if is_question and not all_problems:
            score += QUESTION_ONLY
        elif is_question and not signs and not all_stated:  # a pattern states what happened: 先交物业费才给办卡
            score += QUESTION_NO_SIGN
        # A notice or contentment outweighs any amount of trouble words: taken off the capped score.
        score = min(score, 100.0)
        # A joke (打呼噜…哈哈) is no report unless it also tells of trouble ("…天天跳到十点多，能不能管一管").
        # banter: "哈哈哈我屋里那位也天天喊换物业" (but not "笑得哈哈哈的…能不能去讲一下", laughter reported)
        laughing = bool(_LAUGHTER.search(text)) and not all_problems and not request
        announced = bool(self._notice.find(text) or self._passed_on(text) or laughing
                         or (self._joke.search(text) and not signs))
        content = self._content(text)
        if announced:
            score += NOTICE
        if content:
            score += PRAISE
        if not trouble and not (all_objects and places):
            score = 0.0
        category = best[1] or ("other" if score > 0 else None)
        return ComplaintSignal(max(0.0, score), category, best[2], best[3], signs, policy, places,
                               lasting=trouble and bool(self._lasting.search(text)), set_aside=announced or content)
