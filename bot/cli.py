"""The command line: parse arguments, call into the bot, print results. No policy lives here."""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import logging
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.listen import CannotListen
from knowledge.entry import InvalidFile

log = logging.getLogger("gridbot")
_OS_REASONS = {errno.ENOENT: "路径不存在", errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOSPC: "磁盘已满",
               errno.EROFS: "只读的文件系统", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
               errno.EEXIST: "已有同名的文件"}


def _settings(args) -> Settings:
    return load_settings(db=getattr(args, "db", None))


def _bot(args):
    from bot.app import Bot

    return Bot(_settings(args))


def cmd_ask(args) -> int:
    from bot.dispatcher import UnknownGroup

    bot = _bot(args)
    if args.group:
        try:
            bot.dispatcher.preview_group(args.group)
        except UnknownGroup as exc:
            print(exc, file=sys.stderr)
            return 2
    lines = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in lines:
        plan = bot.dispatcher.preview(text, args.mention, group_id=args.group)
        d = plan.decision
        answer = {"text": text, "intent": d.intent, "faq_id": d.faq.id if d.faq else None,
                  "category": d.category, "score": round(d.score, 1), "reply": plan.reply}
        if args.explain:
            answer["explain"] = {
                "normalized": d.text, "words": list(d.words), "reason": d.reason, "is_question": d.is_question,
                **({"meaning_sure": round(d.meaning_sure, 3)} if d.meaning_sure is not None else {}),
                **({"report_sure": round(d.report_sure, 3)} if d.report_sure is not None else {}),
                "suggestions": [e.id for e in d.suggestions],
                "candidates": [
                    {"faq_id": c.entry.id, "score": c.score, "phrasing": c.best_phrasing,
                     **({"meaning": round(d.meaning[i], 3)} if i < len(d.meaning) else {}),
                     **{name: round(value, 3) for name, value in c.features.items()}}
                    for i, c in enumerate(d.candidates[:5])
                ],
                "complaint": d.complaint and {
                    "score": d.complaint.score, "category": d.complaint.category,
                    "problems": list(d.complaint.problems), "objects": list(d.complaint.objects),
                    "signs": list(d.complaint.signs), "policy_words": list(d.complaint.policy_words),
                },
            }
        if args.json:
            print(json.dumps(answer, ensure_ascii=False), flush=True)
        else:
            print(f"[{d.intent}{' ' + (d.faq.id if d.faq else d.category or '') if d.faq or d.category else ''} {d.score:.1f}] "
                  f"{plan.reply or '（不回复）'}", flush=True)
            if args.explain:
                print(json.dumps(answer["explain"], ensure_ascii=False, indent=2))
    return 0


def cmd_kb(args) -> int:
    from bot import kb
    from knowledge.kbfile import read_kb_import, write_kb_file

    bot = _bot(args)
    if args.action == "import":
        found = read_kb_import(args.file)
        counts = kb.import_entries(bot.db, found.entries, author="cli", at=bot.clock.iso(), replace=args.replace,
                                   enabled=found.enabled)
        print(f"已导入 {len(found.entries)} 条：新增 {counts['created']}，更新 {counts['updated']}，"
              f"未变 {counts['unchanged']}，删除 {counts['removed']}")
    else:
        entries = kb.load_entries(bot.db, enabled_only=False)
        states = kb.enabled_states(bot.db)
        write_kb_file(args.file, entries, disabled={faq_id for faq_id, on in states.items() if not on})
        print(f"已导出 {len(entries)} 条到 {args.file}")
    return 0


def cmd_registry(args) -> int:
    from bot import registry
    from knowledge.registryfile import read_registry_file, write_registry_file

    bot = _bot(args)
    if args.action == "groups":
        groups = registry.groups_json(bot.db)
        if args.json:
            print(json.dumps(groups, ensure_ascii=False))
        else:
            for g in groups:
                print(f"{g['channel']:<7}{g['group_id']:<24}{g['street']} {g['community']} {g['grid']}  {g['name']}")
    elif args.action == "import":
        rows = read_registry_file(args.file)
        registry.replace_registry(bot.db, rows)
        print(f"已导入登记表：{sum(r.kind == 'group' for r in rows)} 个群，{sum(r.kind != 'group' for r in rows)} 条人员账号")
    else:
        rows = registry.registry_rows(bot.db)
        write_registry_file(args.file, rows)
        print(f"已导出 {len(rows)} 行到 {args.file}")
    return 0


def cmd_cases(args) -> int:
    from bot import cases, replies

    bot = _bot(args)
    if args.action == "list":
        found = cases.list_cases(bot.db, args.state, args.grid, args.category)
        if args.json:
            print(json.dumps(found, ensure_ascii=False))
        else:
            for c in found:
                print(f"{c['id']}  {cases.STATES.get(c['state'], c['state'])}  {c['category']}  {c['grid']}  {c['text'][:40]}")
        return 0
    case = cases.case_json(bot.db, args.id, with_events=True)
    if case is None:
        print(f"没有编号为 {args.id} 的事项", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(case, ensure_ascii=False))
    else:
        print(f"{case['id']}  {cases.STATES.get(case['state'], case['state'])}  {case['category']}  {case['grid']}\n"
              f"{replies.place_line(case['location'])}\n{case['text']}")
        for e in case["events"]:
            print(f"  {e['at']}  {e['actor']}  {e['action']}  {e['note'] or ''}")
    return 0


def cmd_stats(args) -> int:
    from bot.stats import StatsError

    bot = _bot(args)
    try:
        figures = bot.stats.compute(args.start, args.end, args.by)
    except StatsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    rows = figures if isinstance(figures, list) else [{"key": "合计", **figures}]
    print(f"{'':<16}{'事项':>6}{'办结':>6}{'办结率':>8}{'按时办结率':>10}{'满意率':>8}")
    for f in rows:
        print(f"{f['key']:<16}{f['cases']:>6}{f['closed']:>6}{_rate(f['closure_rate'], f['cases']):>9}"
              f"{_rate(f['on_time_rate'], f['closed']):>11}{_rate(f['satisfaction_rate'], f['rated']):>9}")
    return 0


def _rate(value: float, counted: int) -> str:
    """A rate of nothing (no case resolved, none rated) is no 0.0%: it is shown as —."""
    return f"{value:.1%}" if counted else "—"


def cmd_eval(args) -> int:
    from bot.evaluate import run_eval

    report = run_eval(args.dir, _settings(args))
    print(json.dumps(report.as_json(), ensure_ascii=False) if args.json else report.render())
    return 0


def cmd_chat(args) -> int:
    from bot.app import Bot
    from bot.channels.terminal import TerminalChannel
    from bot.registry import groups_json
    from bot.sandbox import sandbox_copy

    settings = _settings(args)
    # A private copy: the terminal stands in for QQ and WeChat, so on the real database it would take over the
    # running bot's deliveries and leave its own replies for `serve` to send into a real group.
    bot = Bot(settings, db=sandbox_copy(settings.db_path))
    groups = groups_json(bot.db)
    group = next((g for g in groups if args.group in (None, g["group_id"], g["name"])), None)
    if group is None:
        print(f"没有找到群 {args.group}；用 `run_bot.py registry groups` 查看已登记的群", file=sys.stderr)
        return 1
    names = {(p["channel"], p["user_id"]): p["name"] for g in groups for p in g["workers"]}
    channel = TerminalChannel(group["channel"], group["group_id"], group["name"], args.as_name,
                              name_of=lambda ch, uid: names.get((ch, uid), uid))
    print(f"（试聊：用 {settings.db_path} 的登记表和知识库，在它的临时副本上对话；不会发到真实的群和网格员，"
          "登记的事项退出后不保留。）", flush=True)
    try:
        asyncio.run(bot.run([channel]))
    except KeyboardInterrupt:
        pass
    return 0


def _log_to_stdout(verbose: bool) -> None:
    logging.getLogger().setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setStream(sys.stdout)


def cmd_serve(args) -> int:
    from bot.channels.registry import configured_channels
    from bot.channels.simulator import SimulatorChannel
    from bot.service import serve

    settings = _settings(args)
    _log_to_stdout(args.verbose)
    bot = _bot(args)
    # The simulator speaks on its own channel names beside the real ones: nothing of it reaches a real group.
    channels = [*configured_channels(settings), SimulatorChannel(clock=bot.clock)]
    serve(bot, channels, settings.web_host, settings.web_port)
    return 0


def cmd_console(args) -> int:
    """The embedded default: the admin console with the group-chat simulator standing in for WeChat and QQ."""
    from bot.channels.simulator import SimulatorChannel
    from bot.listen import web_address
    from bot.service import serve

    settings = _settings(args)
    bot = _bot(args)

    def banner(service) -> None:
        address, password = web_address(settings.web_host, service.port), service.first_admin_password
        print(f"网格小助手已启动（本地 SQLite：{settings.db_path}；模拟群聊代替微信/QQ）", flush=True)
        print(f"管理控制台：{address}   模拟群聊：{address}simulator", flush=True)
        if password:
            print(f"首个管理员账号：admin   一次性密码：{password}（首次登录后须修改）", flush=True)
        else:
            print("请用已有账号登录；忘记密码可运行 python run_bot.py users passwd admin", flush=True)
        print("按 Ctrl-C 停止。", flush=True)

    serve(bot, [SimulatorChannel(clock=bot.clock)], settings.web_host, settings.web_port, ready=banner)
    return 0


def cmd_users(args) -> int:
    import getpass
    import secrets

    from bot.accounts import AccountError, add_user, list_users, set_password

    bot = _bot(args)
    try:
        if args.action == "list":
            for user in list_users(bot.db):
                print(f"{user['username']:<16}{user['role']:<10}{','.join(user.get('scope') or []) or '全区'}"
                      f"{'（已停用）' if user.get('disabled') else ''}")
            return 0
        if not args.name:
            print(f"users {args.action} 需要用户名", file=sys.stderr)
            return 2
        password = args.password or (getpass.getpass("新密码：") if sys.stdin.isatty() else secrets.token_urlsafe(12))
        if args.action == "add":
            add_user(bot.db, args.name, password, args.role, [s for s in (args.scope or "").split(",") if s],
                     must_change=True)
        else:
            set_password(bot.db, args.name, password, must_change=True)
    except AccountError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.password and not sys.stdin.isatty():
        print(f"一次性密码：{password}（首次登录后须修改）")
    print(f"已{'添加' if args.action == 'add' else '重设密码'}：{args.name}")
    return 0


def cmd_db(args) -> int:
    from pathlib import Path

    from bot.backup import BackupError, backup, check, restore

    db_path = _settings(args).db_path
    try:
        if args.action == "backup":
            size = backup(db_path, Path(args.file))
            print(f"已备份到 {args.file}（{size / 1024:.0f} KB）")
        elif args.action == "restore":
            restore(Path(args.file), db_path)
            print(f"已从 {args.file} 恢复到 {db_path}")
        else:
            check(Path(args.file) if args.file else db_path)
            print("数据库完好")
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run_bot.py", description="网格小助手 — the grid-group assistant")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to standard error")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="SQLite database file (default data/bot.db, or BOT_DB)")
    # Also after the command (`serve -v`, and the default console's `--db x.db -v`); SUPPRESS keeps a -v given
    # before the command from being reset.
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("ask", parents=[common], help="dry run: what the bot would do with one group message")
    p.add_argument("text", nargs="?", help="the message (default: one message per line from standard input)")
    p.add_argument("--mention", action="store_true", help="the resident @-mentioned the bot")
    p.add_argument("--group", help="the group the message was posted in")
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    p.add_argument("--explain", action="store_true", help="show words, candidates and scores")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("kb", parents=[common], help="import or export the FAQ knowledge base (.json .csv .xlsx)")
    p.add_argument("action", choices=["import", "export"])
    p.add_argument("file")
    p.add_argument("--replace", action="store_true", help="make the file the whole knowledge base")
    p.set_defaults(func=cmd_kb)

    p = sub.add_parser("registry", parents=[common], help="the district registry: groups, grids, workers")
    p.add_argument("action", choices=["groups", "import", "export"])
    p.add_argument("file", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_registry)

    p = sub.add_parser("cases", parents=[common], help="list grid cases or show one with its timeline")
    p.add_argument("action", choices=["list", "show"])
    p.add_argument("id", nargs="?")
    p.add_argument("--state")
    p.add_argument("--grid")
    p.add_argument("--category")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("stats", parents=[common], help="case counts, 办结率, 按时办结率, 满意率")
    p.add_argument("--from", dest="start", help="first day (YYYY-MM-DD), inclusive")
    p.add_argument("--to", dest="end", help="last day (YYYY-MM-DD), exclusive")
    p.add_argument("--by", choices=["street", "community", "grid", "category"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("eval", parents=[common], help="run a labelled evaluation set (DIR/messages.jsonl against DIR/kb.json, or the shipped knowledge base if DIR has none)")
    p.add_argument("dir")
    p.add_argument("--json", action="store_true", help="figures and failures as one JSON object")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", parents=[common], help="run headless (as under systemd): HTTP server, channels, outbox")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("db", parents=[common], help="online backup, restore and integrity check of the database")
    p.add_argument("action", choices=["backup", "restore", "check"])
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("console", parents=[common], help="the admin console with the group-chat simulator (the default)")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("users", parents=[common], help="console accounts: list, add, passwd")
    p.add_argument("action", choices=["list", "add", "passwd"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["district", "street", "community", "grid"], default="district")
    p.add_argument("--scope", help="the street / community / grid names the account looks after, comma-separated")
    p.add_argument("--password", help="the new password (default: asked for, or a one-time password is printed)")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("chat", parents=[common], help="talk to the bot in the terminal as a resident of a group")
    p.add_argument("--group", help="group id or name (default: the first registered group)")
    p.add_argument("--as", dest="as_name", default="居民小王", help="your nickname in the group")
    p.set_defaults(func=cmd_chat)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = next(a for a in parser._actions if a.dest == "command").choices
    if not any(arg in commands for arg in argv) and not {"-h", "--help"} & set(argv):
        argv.insert(0, "console")  # the embedded default: the console and its simulator, no accounts or network
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in ("registry", "kb") and args.action in ("import", "export") and not args.file:
        parser.error(f"{args.command} {args.action} 需要文件路径")
    if args.command == "db" and args.action in ("backup", "restore") and not args.file:
        parser.error(f"db {args.action} 需要文件路径")
    if args.command == "cases" and args.action == "show" and not args.id:
        parser.error("cases show 需要事项编号")
    try:
        return args.func(args)
    except (InvalidFile, ConfigError, CannotListen) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signal (loading the models, hashing …)
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # no traceback reaches a user; -v shows it
        log.debug("unexpected error", exc_info=True)
        if isinstance(exc, OSError) and exc.filename:  # a path that cannot be read or written: which, and why
            print(f"无法访问 {exc.filename}：{_OS_REASONS.get(exc.errno, exc.strerror)}（加 -v 查看详细信息）", file=sys.stderr)
        else:
            print(f"出错了：{type(exc).__name__}: {exc}（加 -v 查看详细信息）", file=sys.stderr)
        return 1
