"""Generated bad input (issue 13 item 1): schemathesis drives every operation of the app's own
``/openapi.json`` against a running local stack, as every demo actor and anonymously, and checks
each answer against the document: no 5xx, a documented status code, a documented content type and
a body matching the documented schema (the error shape included).

Used by ``tests/e2e/test_fuzz.py`` (bounded, in every ``make test``) and ``make fuzz`` (larger):
``python -m tests.fuzzing --examples 40`` starts its own stack.

Why schemathesis and not hand-rolled generators: it reads OpenAPI 3.1 and JSON Schema as they are
(patterns, formats, ``$ref``s, enums), generates valid *and* invalid data for each (positive and
negative modes) and ships the conformance checks; we only choose who calls and how many.

How it stays fast: cases are generated per operation (hypothesis, no shrinking needed: every failure
is reported with its reproducing curl line rather than minimised) and sent by a small thread pool
while the next operation's are generated — the local gateway serves requests on threads.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python tests/fuzzing.py` as well as `-m tests.fuzzing`
    sys.path.insert(0, str(ROOT))

# Operations whose success ends the caller's sessions: the identity logs in again afterwards.
SESSION_ENDING = {("DELETE", "/sessions/current"), ("PUT", "/me/password")}


@dataclass(frozen=True)
class Identity:
    label: str
    login: str | None  # None: anonymous


def identities() -> list[Identity]:
    """Every demo actor's unit account and authorised operator (ops/seed's demo organisations, the
    platform's second reviewer included) and an anonymous caller."""
    from ops.seed import DEMO_EXTRA_OPERATORS, load_demo_orgs

    out = [Identity("anonymous", None)]
    for org in load_demo_orgs():
        out.append(Identity(f"{org['key']} unit account", org["unit_account"]))
        out.append(Identity(f"{org['key']} operator", org["operator_mobile"]))
    out += [Identity(f"{key} operator {mobile}", mobile) for key, mobile, _, _ in DEMO_EXTRA_OPERATORS]
    return out


def _call(base: str, method: str, path: str, payload: dict | None = None) -> dict:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:  # nosec B310: the local stack's http URL
        return json.loads(r.read())


def login(base: str, login_name: str) -> str:
    """A token through the real login (captcha answer from the local stage's dev route)."""
    from ops.seed import DEMO_PASSWORD

    captcha = _call(base, "POST", "/captchas", {})
    answer = _call(base, "GET", f"/dev/captchas/{captcha['captcha_id']}")["answer"]
    session = _call(base, "POST", "/sessions", {"login": login_name, "password": DEMO_PASSWORD,
                                               "captcha_id": captcha["captcha_id"], "captcha_answer": answer})
    return session["token"]


def principal_of(me: dict):
    """The caller as the access rules see it, from its ``GET /me`` (None: anonymous)."""
    from chalicelib.domain.access import Principal
    from chalicelib.domain.enums import AccountKind, ActorKind, Permission, ProcurementStatus, UnitRole

    def enum(cls, value):
        return cls(value) if value else None

    return Principal(
        account_id=me["account_id"], account_kind=AccountKind(me["account_kind"]), login=me["login"],
        org_id=me.get("org_id"), org_kind=enum(ActorKind, me.get("org_kind")),
        certified_role=enum(UnitRole, me.get("certified_role")),
        procurement_status=enum(ProcurementStatus, me.get("procurement_status")) or ProcurementStatus.NOT_ENTERED,
        procurement_authorized=bool(me.get("procurement_authorized")),
        permissions=frozenset(Permission(p) for p in me.get("permissions", [])))


class Tokens:
    """Each identity's current token (renewed after an operation that ends its sessions) and the
    principal the access rules see."""

    def __init__(self, base: str, people: list[Identity]):
        self.base, self._lock, self._tokens, self.principals = base, threading.Lock(), {}, {}
        self.issued: list[str | None] = []  # every token handed out (the logs must show none)
        for person in people:
            token = login(base, person.login) if person.login else None
            self._tokens[person.label] = token
            self.issued.append(token)
            if token:
                req = urllib.request.Request(f"{base}/me", headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(req, timeout=30) as r:  # nosec B310: the local stack
                    self.principals[person.label] = principal_of(json.loads(r.read()))
            else:
                self.principals[person.label] = None
        self.people = {p.label: p for p in people}

    def allowed(self, method: str, path: str) -> set[str]:
        """The identities the route's access rule lets through (``chalicelib.domain.access``)."""
        from chalicelib.domain import access
        from chalicelib.domain.errors import DomainError
        from chalicelib.handlers._http import ENDPOINTS

        doc = ENDPOINTS.get((path, method.upper()))
        if doc is None:
            return set()
        out = set()
        for label, principal in self.principals.items():
            try:
                access.check(doc.access, principal)
            except DomainError:
                continue
            out.add(label)
        return out

    def headers(self, label: str) -> dict[str, str]:
        token = self._tokens[label]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def renew(self, label: str) -> None:
        person = self.people[label]
        if person.login:
            with self._lock:
                self._tokens[label] = login(self.base, person.login)
                self.issued.append(self._tokens[label])


@dataclass
class Report:
    requests: int = 0
    operations: int = 0
    seconds: float = 0.0
    generate_seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    by_identity: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # one per (operation, check, status)
    tokens: list[str] = field(default_factory=list)  # every token the run used
    known: dict[str, int] = field(default_factory=dict)  # demo ids found per path parameter
    busy: Counter = field(default_factory=Counter)  # seconds spent waiting per operation

    def summary(self) -> str:
        return (f"{self.requests} requests over {self.operations} operations in {self.seconds:.1f} s "
                f"(generation done after {self.generate_seconds:.1f} s; {self.requests / max(self.seconds, 1e-9):.0f}/s); statuses {dict(sorted(self.statuses.items()))}; "
                f"{len(self.failures)} distinct failures; demo ids per path parameter {self.known}")


def _get(base: str, path: str, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:  # nosec B310: the local stack
        return json.loads(r.read())


def known_path_values(base: str, tokens: Tokens) -> dict[str, list[str]]:
    """Ids of the demo world for path parameters, so that some cases reach a real resource (a random
    id is a 404 before any rule runs). Each lookup is best effort: one that fails leaves its name out."""
    from chalicelib.domain.enums import RecordKind

    def token(label: str) -> str | None:
        return tokens.headers(label).get("Authorization", " ").split(" ", 1)[1] or None

    known: dict[str, list[str]] = {"kind": [k.value for k in RecordKind]}
    known["org_id"] = sorted({p.org_id for p in tokens.principals.values() if p and p.org_id})
    known["account_id"] = sorted({p.account_id for p in tokens.principals.values() if p})
    lookups = {
        "project_id": lambda: [a["project_id"] for a in _get(base, "/announcements", None)["items"]],
        "task_id": lambda: [t["task_id"] for t in _get(base, "/allocation-tasks", token("city operator"))["items"]],
        "code27": lambda: [c["code27"] for p in known.get("project_id", []) for c in
                           _get(base, f"/workbench/projects/{p}/candidates", token("manufacturer operator"))["items"]],
        "inst_id": lambda: [s["inst_id"] for t in known.get("task_id", [])[:1] for s in
                            _get(base, f"/allocation-tasks/{t}/city/sheets", token("city operator"))["items"]],
        "city": lambda: ["630100", "630200"],
        "role_id": lambda: [r["role_id"] for r in _get(base, "/org/roles", token("manufacturer unit account"))["items"]],
        "cert_no": lambda: [c["cert_no"] for c in _get(base, "/catalog/certificates?limit=5", None)["items"]],
    }
    for name, lookup in lookups.items():  # in order: code27 and inst_id use the ids found before them
        try:
            values = [v for v in lookup() if v]
        except (urllib.error.URLError, KeyError, ValueError, TypeError):
            continue
        if values:
            known[name] = sorted(set(values))
    return known


def _generate(strategy, count: int, seed: int) -> list:
    """Up to ``count`` cases drawn from a schemathesis strategy (hypothesis, no shrinking)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis.errors import Unsatisfiable

    cases: list = []

    @seeded(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(case) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:  # nothing to get wrong: a negative case of an operation without inputs
        pass
    return cases


def run(base: str, *, examples: int = 4, workers: int = 6, seed: int = 13) -> Report:
    """``examples`` positive and (where there is a body, query or header) ``examples`` negative
    cases per operation, and ``examples // 2 + 1`` positive ones on ids of the demo world where
    every path parameter has some (``known_path_values``); three in four sent as a caller the route's access rule lets in, the
    fourth as one it refuses, each list taken in turn (shifted per operation, so every identity
    meets every kind of route). A dropped connection counts as a failure."""
    import requests
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
    )
    from schemathesis.core.failures import FailureGroup

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    people = identities()
    tokens = Tokens(base, people)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    report = Report()
    local = threading.local()
    lock = threading.Lock()

    def send(item) -> None:
        case, label = item
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        began = time.perf_counter()
        try:
            response = case.call(base_url=base, session=session, headers=tokens.headers(label), timeout=60)
        except requests.RequestException as exc:
            with lock:
                report.failures.setdefault(f"{case.method} {case.path} [no answer] {type(exc).__name__}",
                                           f"as {label}: {exc}\n  {case.as_curl_command()}")
            return
        problem = None
        try:
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            problem = group
        except AssertionError as error:  # a single failure
            problem = error
        with lock:
            report.busy[f"{case.method} {case.path}"] += time.perf_counter() - began
            report.requests += 1
            report.statuses[response.status_code] += 1
            report.by_identity[label] += 1
            if problem is not None:
                key = f"{case.method} {case.path} [{response.status_code}] {type(problem).__name__}"
                report.failures.setdefault(key, f"as {label}: {problem}\n  {case.as_curl_command()}")
        if (case.method, case.path) in SESSION_ENDING and 200 <= response.status_code < 300:
            tokens.renew(label)

    import app  # noqa: F401  (registers every route's access rule in ENDPOINTS)

    known = known_path_values(base, tokens)
    report.known = {name: len(values) for name, values in known.items()}

    started = time.perf_counter()
    labels = [p.label for p in people]
    pool = ThreadPoolExecutor(workers)  # sends each operation's cases while the next ones are generated
    sent = []
    for shift, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        report.operations += 1
        # Three cases in four as a caller the route lets in (so they reach parsing and the service),
        # the fourth as one it refuses; each list taken in turn.
        allowed = [label for label in labels if label in tokens.allowed(operation.method, operation.path)]
        refused = [label for label in labels if label not in allowed]
        turn = {"in": shift, "out": shift}

        def caller(i: int) -> str:
            side = "in" if allowed and (i % 4 != 3 or not refused) else "out"
            pool = allowed if side == "in" else refused
            turn[side] += 1
            return pool[turn[side] % len(pool)]
        # Negative cases only where there is an input to get wrong besides the path: a path
        # parameter is any string, its "invalid" values are filtered out after drawing (1-3 s each).
        has_inputs = bool(operation.body) or bool(operation.query) or bool(operation.headers)
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if has_inputs else (GenerationMode.POSITIVE,)
        for mode_index, mode in enumerate(modes):
            for i, case in enumerate(_generate(operation.as_strategy(generation_mode=mode), examples,
                                               seed + shift * 2 + mode_index)):
                sent.append(pool.submit(send, (case, caller(i))))
        # Half as many positive cases again on ids of the demo world, where every path parameter has some.
        names = [p.name for p in operation.path_parameters]
        if names and all(name in known for name in names):
            pick = random.Random(seed + shift)  # nosec B311: test data
            path = {name: pick.choice(known[name]) for name in names}
            strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=path)
            for i, case in enumerate(_generate(strategy, examples // 2 + 1, seed + shift * 2 + 7)):
                sent.append(pool.submit(send, (case, caller(4 * i))))  # a caller the route lets in
    report.generate_seconds = time.perf_counter() - started
    pool.shutdown(wait=True)
    for future in sent:
        future.result()  # an error of the driver itself (not of the API) surfaces here
    report.seconds = time.perf_counter() - started
    report.tokens = [t for t in tokens.issued if t]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="schemathesis over the local stack, as every demo actor")
    parser.add_argument("--examples", type=int, default=40, help="positive and negative cases per operation each")
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--url", help="a running stack's API (default: start one, as `make run` does)")
    args = parser.parse_args(argv)
    if args.url:
        return _report(run(args.url, examples=args.examples, workers=args.workers, seed=args.seed), args.seed)
    import tempfile

    from ops.stack_process import LocalStack

    stack = LocalStack(Path(tempfile.mkdtemp(prefix="medprocure-fuzz-")) / "stack.log", demo_close_minutes=60)
    try:
        stack.wait()
        return _report(run(stack.api, examples=args.examples, workers=args.workers, seed=args.seed), args.seed)
    finally:
        stack.stop()


def _report(report: Report, seed: int) -> int:
    print(f"fuzz (seed {seed}): {report.summary()}")
    print("slowest operations (seconds waited in all):",
          ", ".join(f"{op} {s:.1f}" for op, s in report.busy.most_common(8)))
    for key, detail in sorted(report.failures.items()):
        print(f"FAIL {key}\n  {detail}\n")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
