"""IVR graphs (TEL-4) as data: validation before publishing, and stepping through a graph.

Pure: no database, no carrier. `graph_problems` explains every defect with the node ids
involved; `advance` walks from a node with the caller's input to the next node that waits
for input or ends the IVR, collecting the prompts to play on the way.

A graph looks like:
    {"start": "welcome", "nodes": {
        "welcome": {"type": "play", "say": "Welcome.", "next": "main"},
        "main": {"type": "menu", "say": "Billing 1, support 2.", "options": {"1": "q1", "2": "q2"},
                 "timeout_s": 5, "retries": 2, "default": "q2"},
        "q1": {"type": "queue", "queue": 3}, ...}}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telephony.addresses import E164

INPUT_TYPES = {"menu", "collect", "survey"}
PASS_TYPES = {"play", "hours", "tier"}
TERMINAL_TYPES = {"queue", "voicemail", "callback", "transfer", "hangup"}
NODE_TYPES = INPUT_TYPES | PASS_TYPES | TERMINAL_TYPES
# Where each node type may branch to; the first group must all be present.
REQUIRED_BRANCHES: dict[str, tuple[str, ...]] = {
    "play": ("next",), "hours": ("open", "closed"), "tier": ("vip", "default"), "collect": ("next",),
    "survey": ("next",),
}
OPTIONAL_BRANCHES: dict[str, tuple[str, ...]] = {
    "hours": ("holiday",), "menu": ("default",), "collect": ("default",),
}
DTMF_KEY = re.compile(r"^[0-9*#]{1,4}$")
MAX_NODES = 200
MAX_PROMPT = 1000


@dataclass
class Problem:
    node: str
    message: str


def _targets(node: dict) -> list[tuple[str, Any]]:
    """(branch name, target) pairs of one node."""
    kind = node.get("type")
    out = [(b, node.get(b)) for b in REQUIRED_BRANCHES.get(kind, ()) + OPTIONAL_BRANCHES.get(kind, ())
           if b in node]
    if kind == "menu":
        for key, opt in (node.get("options") or {}).items() if isinstance(node.get("options"), dict) else []:
            out.append((f"options.{key}", opt.get("next") if isinstance(opt, dict) else opt))
    return out


def _check_node(nid: str, node: Any, nodes: dict, queue_ids: set[int] | None) -> list[Problem]:
    if not isinstance(node, dict):
        return [Problem(nid, "must be an object with a 'type'")]
    kind = node.get("type")
    if not isinstance(kind, str) or kind not in NODE_TYPES:  # (a list or object is no type, and unhashable)
        return [Problem(nid, f"unknown type {kind!r}; use one of {', '.join(sorted(NODE_TYPES))}")]
    problems = []
    for text_field in ("say", "play"):
        value = node.get(text_field)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_PROMPT):
            problems.append(Problem(nid, f"'{text_field}' must be text of at most {MAX_PROMPT} characters"))
    for branch in REQUIRED_BRANCHES.get(kind, ()):
        if not node.get(branch):
            problems.append(Problem(nid, f"{kind} node needs '{branch}' (where the call goes next)"))
    if kind == "menu":
        options = node.get("options")
        if not isinstance(options, dict) or not options:
            problems.append(Problem(nid, "menu needs 'options': a map of keys to nodes"))
        else:
            problems += [Problem(nid, f"menu key {key!r} is not a phone key (0-9, *, #)")
                         for key in options if not DTMF_KEY.match(str(key))]
    for name, lo, hi in (("timeout_s", 1, 60), ("retries", 0, 5), ("min_digits", 1, 30), ("max_digits", 1, 30),
                         ("max_length_s", 5, 600)):
        if name in node and (not isinstance(node[name], int) or not lo <= node[name] <= hi):
            problems.append(Problem(nid, f"'{name}' must be a whole number from {lo} to {hi}"))
    if kind == "collect" and node.get("min_digits", 1) > node.get("max_digits", 30):
        problems.append(Problem(nid, "'min_digits' is larger than 'max_digits'"))
    if kind in ("queue", "callback"):
        qid = node.get("queue")
        if not isinstance(qid, int):
            problems.append(Problem(nid, f"{kind} node needs 'queue': the id of a queue"))
        elif queue_ids is not None and qid not in queue_ids:
            problems.append(Problem(nid, f"queue {qid} does not exist"))
    if kind == "transfer" and not E164.match(str(node.get("number", ""))):
        problems.append(Problem(nid, "transfer node needs 'number' in E.164 form, e.g. +14155550100"))
    for branch, target in _targets(node):
        if not isinstance(target, str) or target not in nodes:
            problems.append(Problem(nid, f"'{branch}' points at {target!r}, which is not a node"))
    return problems


def graph_problems(graph: Any, *, queue_ids: set[int] | None = None) -> list[Problem]:
    """Every reason this graph cannot be published; empty when it is sound."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), dict) or not graph["nodes"]:
        return [Problem("", "the graph needs 'nodes': a non-empty map of node ids to nodes")]
    nodes: dict = graph["nodes"]
    if len(nodes) > MAX_NODES:
        return [Problem("", f"at most {MAX_NODES} nodes")]
    start = graph.get("start")
    if not isinstance(start, str) or start not in nodes:
        return [Problem("", f"'start' must name a node; {start!r} is not one")]
    problems: list[Problem] = []
    for nid, node in nodes.items():
        problems += _check_node(str(nid), node, nodes, queue_ids)
    sound = {nid: n for nid, n in nodes.items() if isinstance(n, dict) and isinstance(n.get("type"), str)
             and n["type"] in NODE_TYPES}

    def edges(nid: str) -> list[str]:
        return [t for _, t in _targets(sound[nid]) if isinstance(t, str) and t in sound] if nid in sound else []

    reachable, frontier = {start}, [start]
    while frontier:
        for target in edges(frontier.pop()):
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    problems += [Problem(nid, "is unreachable from the start") for nid in nodes if nid not in reachable]
    problems += [Problem(nid, "is part of a loop with no caller input (the call would spin forever)")
                 for nid in _silent_cycle_nodes({nid: n for nid, n in sound.items()}, edges)]
    return problems


def _silent_cycle_nodes(nodes: dict, edges) -> list[str]:
    """Nodes on a cycle made only of pass-through nodes (no menu or collect to wait on)."""
    graph = {nid: [t for t in edges(nid) if nodes[t]["type"] in PASS_TYPES]
             for nid, n in nodes.items() if n["type"] in PASS_TYPES}
    on_cycle: set[str] = set()
    for root in graph:  # small graphs (≤ 200 nodes): a DFS from each node is plenty
        stack, seen = [root], set()
        while stack:
            for nxt in graph[stack.pop()]:
                if nxt == root:
                    on_cycle.add(root)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return sorted(on_cycle)


def problems_message(problems: list[Problem]) -> str:
    parts = [f"node '{p.node}' {p.message}" if p.node else p.message for p in problems]
    head = "The IVR graph cannot be published"
    return f"{head}: {parts[0]}." if len(parts) == 1 else f"{head} ({len(parts)} problems): {'; '.join(parts)}."


@dataclass
class Context:
    """What pass-through nodes ask about the call and the tenant."""

    is_open: Callable[[int | None], bool] = lambda queue_id: True
    is_holiday: Callable[[int | None], bool] = lambda queue_id: False
    is_vip: bool = False


@dataclass
class Step:
    """The outcome of walking the graph: prompts to play, then `node` (input or terminal)."""

    node_id: str
    node: dict
    prompts: list[dict] = field(default_factory=list)  # {"say": …} / {"play": …}, with "language"
    path: list[str] = field(default_factory=list)
    language: str = ""
    collected: dict[str, str] = field(default_factory=dict)
    retry: bool = False


def _prompt(node: dict, language: str) -> list[dict]:
    out = []
    if node.get("play"):
        out.append({"play": node["play"]})
    if node.get("say"):
        out.append({"say": node["say"], "language": node.get("language") or language})
    return out


def walk(graph: dict, node_id: str, ctx: Context, *, language: str = "") -> Step:
    """From `node_id`, follow pass-through nodes to the next input or terminal node."""
    nodes = graph["nodes"]
    step = Step(node_id=node_id, node=nodes[node_id], language=language)
    for _ in range(len(nodes) + 1):  # validated graphs have no silent loops; this is a belt
        node = nodes[step.node_id]
        step.node = node
        step.path.append(step.node_id)
        kind = node["type"]
        if kind not in PASS_TYPES:
            return step
        if kind == "play":
            step.prompts += _prompt(node, step.language)
            step.node_id = node["next"]
        elif kind == "hours":
            qid = node.get("queue")
            if ctx.is_holiday(qid) and node.get("holiday"):
                step.node_id = node["holiday"]
            else:
                step.node_id = node["open"] if ctx.is_open(qid) and not ctx.is_holiday(qid) else node["closed"]
        elif kind == "tier":
            step.node_id = node["vip"] if ctx.is_vip else node["default"]
    raise ValueError("IVR graph loops without input")


def advance(graph: dict, node_id: str, digits: str | None, ctx: Context, *, language: str = "",
            retries_used: int = 0) -> Step:
    """The caller answered (or not) at input node `node_id`: where does the call go next?"""
    node = graph["nodes"][node_id]
    kind = node["type"]
    digits = (digits or "").strip()
    target, collected = None, {}
    if kind == "menu":
        opt = (node.get("options") or {}).get(digits) if digits else None
        if opt is not None:
            target = opt.get("next") if isinstance(opt, dict) else opt
            if isinstance(opt, dict) and opt.get("language"):
                language = opt["language"]
    elif kind == "collect":
        value = digits.rstrip(node.get("finish_on_key", "#"))
        if node.get("min_digits", 1) <= len(value) <= node.get("max_digits", 30) and value.isdigit():
            target = node["next"]
            collected[node.get("variable", node_id)] = value
    elif kind == "survey" and digits in ("1", "2"):
        target = node["next"]
        collected[node.get("variable", "survey")] = {"1": "satisfied", "2": "unsatisfied"}[digits]
    if target is None:
        if retries_used < node.get("retries", 2):
            step = Step(node_id=node_id, node=node, language=language, retry=True, path=[node_id])
            step.prompts = [{"say": node.get("invalid_say", "Sorry, that is not a valid choice."),
                             "language": language}]
            return step
        target = node.get("default")
        if target is None:
            hang = {"type": "hangup", "say": "We did not get a valid choice. Goodbye."}
            return Step(node_id=node_id, node=hang, language=language, path=[node_id])
    step = walk(graph, target, ctx, language=language)
    step.collected = collected
    return step


def queue_ids_of(graph: dict) -> set[int]:
    return {n["queue"] for n in graph.get("nodes", {}).values() if n.get("type") in ("queue", "callback")}
