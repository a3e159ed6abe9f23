"""Language data shipped in knowledge/: user dictionary, synonyms, dialect forms, stop words, case categories."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.entry import InvalidFile, Problem

# libyaml's safe loader when PyYAML was built with it: ten times faster than the pure-Python one.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    objects: tuple[str, ...]  # what a problem of this kind is about: 路灯, 井盖, 油烟
    problems: tuple[str, ...]  # words that by themselves state such a problem: 不亮, 油烟直排
    decisive: tuple[str, ...] = ()  # things that settle the category when named: a crack in a 安置房 is a housing dispute
    problem_patterns: tuple[str, ...] = ()  # regular expressions that state such a problem: 补贴三个月没到账


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # what a knowledge base calls the kind: 有害垃圾
    cues: tuple[str, ...]  # a message asks about things of this kind only if it says one of these: 扔哪, 投放


@dataclass(frozen=True, slots=True)
class Detail:
    name: str  # 发放和到账
    asks: str  # a regular expression: the message asks about this detail (一起打还是另外发)
    said_by: tuple[str, ...]  # an entry that says one of these speaks of it (发放, 银行卡)


@dataclass(frozen=True, slots=True)
class Lexicon:
    userdict: Path
    synonyms: dict[str, str]  # variant -> canonical term
    kinds: dict[str, Kind]  # a thing -> the kind it belongs to (体温计 -> 有害垃圾)
    dialect: dict[str, str]  # colloquial form -> Mandarin
    stopwords: frozenset[str]
    asking_words: frozenset[str]  # what a resident wants to know (办理, 条件, 电话), not what about
    categories: tuple[Category, ...]
    problem_words: tuple[str, ...]
    policy_words: tuple[str, ...]
    place_words: tuple[str, ...] = field(default=())
    notice_words: tuple[str, ...] = field(default=())
    praise_words: tuple[str, ...] = field(default=())  # 修好了, 舒服多了: the resident is content, nothing to file
    trouble_patterns: tuple[str, ...] = field(default=())  # regular expressions
    lasting_patterns: tuple[str, ...] = field(default=())  # regular expressions: trouble that has gone on
    supposing_words: tuple[str, ...] = field(default=())  # 要是, 如果: what follows has not happened
    denying_words: tuple[str, ...] = field(default=())  # 没, 以免: the problem word right after them is not told
    elsewhere_patterns: tuple[str, ...] = field(default=())  # regular expressions: 对面, 3栋 (contentment not ours)
    planned_patterns: tuple[str, ...] = field(default=())  # regular expressions: trouble announced, not happening
    news_words: tuple[str, ...] = field(default=())  # 看新闻, 网上看到: trouble somewhere else, passed on
    here_patterns: tuple[str, ...] = field(default=())  # regular expressions: 我们, 今天 (the news is about us)
    joke_patterns: tuple[str, ...] = field(default=())  # regular expressions: 我老公打呼噜才叫噪音，哈哈
    must_name: frozenset[str] = field(default=frozenset())  # 社保, 工资: asked of, only an entry naming them answers
    must_name_anywhere: frozenset[str] = field(default=frozenset())  # 去世: ... said anywhere in the message
    details: tuple[Detail, ...] = field(default=())  # how it is paid, where to pay: only an entry saying so answers


def _lines(path: Path) -> list[list[str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line.split())
    return out


def read_groups(path: Path) -> dict[str, str]:
    """Lines of words, the first one naming the line: each later word -> the first (synonyms.txt)."""
    mapping: dict[str, str] = {}
    for canonical, *variants in _lines(path):
        for variant in variants:
            mapping.setdefault(variant, canonical)
    return mapping


def read_kinds(path: Path) -> dict[str, Kind]:
    """kinds.txt: "语境 cue…" lines, then "kind thing…" lines that those cues govern."""
    kinds: dict[str, Kind] = {}
    cues: tuple[str, ...] = ()
    for first, *rest in _lines(path):
        if first == "语境":
            cues = tuple(rest)
            continue
        kind = Kind(first, cues)
        for thing in rest:
            kinds.setdefault(thing, kind)
    return kinds


def read_dialect(path: Path) -> dict[str, str]:
    return {parts[0]: parts[1] for parts in _lines(path) if len(parts) == 2}


def _words(items) -> tuple[str, ...]:
    return tuple(str(w) for w in items or ())


_PATTERN_KEYS = ("trouble_patterns", "lasting_patterns", "planned_patterns", "elsewhere_patterns", "here_patterns",
                 "joke_patterns")
_WORD_KEYS = ("problem_words", "policy_words", "place_words", "notice_words", "praise_words", "supposing_words",
              "denying_words", "news_words")


def _list_problems(where: str, key: str, items) -> list[Problem]:
    """A list of words or patterns must be a YAML list of non-empty strings."""
    if items is None:
        return []
    if not isinstance(items, list):
        return [Problem(where, key, "应当是列表，如 [词一, 词二]")]
    return [Problem(f"{where} 第 {n} 条", key, f"应当是非空的文字：{item!r}")
            for n, item in enumerate(items, 1) if not isinstance(item, (str, int)) or not str(item).strip()]


def _sections(path: Path, key: str, hint: str) -> dict:
    """A YAML file whose `key` maps names to sections (dicts): read, or refused with a clear message."""
    try:
        spec = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise InvalidFile(str(path), message=f"{path}：不是有效的 YAML（{exc}）") from None
    if not isinstance(spec, dict) or not isinstance(spec.get(key), dict) or not all(
            isinstance(body, dict) for body in spec[key].values()):
        raise InvalidFile(str(path), message=f"{path}：缺少 {key}（{hint}）")
    return spec


def _pattern_problem(where: str, key: str, pattern: str) -> Problem | None:
    """A regular expression that does not compile, or that matches an empty string (it would match every message)."""
    try:
        if re.compile(pattern).search("") is None:
            return None
    except re.error as exc:
        return Problem(where, key, f"正则表达式有误（{exc}）：{pattern}")
    return Problem(where, key, f"正则表达式能匹配空字符串：{pattern}")


def _refuse(path: Path, problems: list[Problem]) -> None:
    if problems:
        raise InvalidFile(str(path), problems, f"{path}：发现 {len(problems)} 处错误，词表未载入")


def _read_categories(path: Path) -> dict:
    """categories.yaml, checked: an admin's slip gets a clear message, not a traceback or a half-read list."""
    spec = _sections(path, "categories", "每个类别代码下写 label、objects、problems")
    problems = [p for code, body in spec["categories"].items()
                for key in ("objects", "problems", "decisive", "problem_patterns")
                for p in _list_problems(f"类别 {code}", key, body.get(key))]
    problems += [p for key in (*_WORD_KEYS, *_PATTERN_KEYS) for p in _list_problems("词表", key, spec.get(key))]
    if not problems:
        lists = [(key, "", spec.get(key)) for key in _PATTERN_KEYS]
        lists += [("problem_patterns", f"类别 {code} ", body.get("problem_patterns")) for code, body in spec["categories"].items()]
        problems = [p for key, where, patterns in lists for number, pattern in enumerate(patterns or (), 1)
                    if (p := _pattern_problem(f"{where}第 {number} 条", key, str(pattern)))]
    _refuse(path, problems)
    return spec


def _read_details(path: Path) -> tuple[Detail, ...]:
    """asked_details.yaml, checked like categories.yaml: all of it or a clear message."""
    spec = _sections(path, "details", "每个细节下写 asks 和 said_by")
    problems = []
    for name, body in spec["details"].items():
        where = f"细节 {name}"
        problems += _list_problems(where, "said_by", body.get("said_by"))
        if not body.get("said_by"):
            problems.append(Problem(where, "said_by", "至少要有一个词"))
        if not body.get("asks") or not isinstance(body["asks"], str):
            problems.append(Problem(where, "asks", "缺少正则表达式（一段文字）"))
        elif problem := _pattern_problem(where, "asks", str(body["asks"])):
            problems.append(problem)
    _refuse(path, problems)
    return tuple(Detail(str(name), str(body["asks"]), _words(body["said_by"])) for name, body in spec["details"].items())


def load_lexicon(directory: Path = HERE) -> Lexicon:
    spec = _read_categories(directory / "categories.yaml")
    categories = tuple(
        Category(code, str(body.get("label") or code), _words(body.get("objects")) + _words(body.get("decisive")),
                 _words(body.get("problems")), _words(body.get("decisive")), _words(body.get("problem_patterns")))
        for code, body in spec["categories"].items()
    )
    stopwords = frozenset(word for parts in _lines(directory / "stopwords.txt") for word in parts)
    asking_words = frozenset(word for parts in _lines(directory / "asking_words.txt") for word in parts)
    marked = [word for parts in _lines(directory / "must_name.txt") for word in parts]
    must_name = frozenset(word.lstrip("*") for word in marked)
    must_name_anywhere = frozenset(word.lstrip("*") for word in marked if word.startswith("*"))
    return Lexicon(
        userdict=directory / "userdict.txt",
        synonyms=read_groups(directory / "synonyms.txt"),
        kinds=read_kinds(directory / "kinds.txt"),
        dialect=read_dialect(directory / "dialect.txt"),
        stopwords=stopwords,
        asking_words=asking_words,
        categories=categories,
        problem_words=_words(spec.get("problem_words")),
        policy_words=_words(spec.get("policy_words")),
        place_words=_words(spec.get("place_words")),
        notice_words=_words(spec.get("notice_words")),
        praise_words=_words(spec.get("praise_words")),
        trouble_patterns=_words(spec.get("trouble_patterns")),
        lasting_patterns=_words(spec.get("lasting_patterns")),
        supposing_words=_words(spec.get("supposing_words")),
        denying_words=_words(spec.get("denying_words")),
        elsewhere_patterns=_words(spec.get("elsewhere_patterns")),
        planned_patterns=_words(spec.get("planned_patterns")),
        news_words=_words(spec.get("news_words")),
        here_patterns=_words(spec.get("here_patterns")),
        joke_patterns=_words(spec.get("joke_patterns")),
        must_name=must_name,
        must_name_anywhere=must_name_anywhere,
        details=_read_details(directory / "asked_details.yaml"),
    )
