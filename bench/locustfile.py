"""The load test's users (bench/load.py runs locust on this file, headless).

Three kinds of user, as the demo logins of `make run` (ops/seed): an enterprise operator (the
declaration workbench, declaring and withdrawing a product of the demo alliance project), a
platform reviewer (the review queues) and a city bureau operator (the allocation sheets of its
city). Each logs in at start (captcha, its answer from the local stage's dev route, the login)
and again now and then (one task in ~30: a token lasts 30 minutes). Answers the API documents for contention are counted apart, under the
request's name with the status (``[409]``…), not as errors: 409 (the product declared by a colleague
meanwhile: all enterprise users are one operator of one organisation), 429 (throttled) and, on the
withdrawal of a declaration this user made, 404 ``declaration_not_found`` (a colleague withdrew it
first). Anything else at or above 400 is an error.
"""
from __future__ import annotations

import random

from locust import HttpUser, between, task

PASSWORD = "Demo@2026qh"  # ops/seed.DEMO_PASSWORD (not imported: locust runs this file on its own)
DOCUMENTED = (409, 429)


class DemoUser(HttpUser):
    abstract = True
    wait_time = between(0.2, 1.0)
    login_name = ""

    def on_start(self) -> None:
        self.login()

    def login(self) -> None:
        captcha = self.client.post("/captchas", json={}, name="POST /captchas").json()
        answer = self.client.get(f"/dev/captchas/{captcha['captcha_id']}", name="GET /dev/captchas/{id}").json()
        with self.client.post("/sessions", json={"login": self.login_name, "password": PASSWORD,
                                                 "captcha_id": captcha["captcha_id"],
                                                 "captcha_answer": answer["answer"]},
                              name="POST /sessions", catch_response=True) as response:
            if response.status_code == 201:
                self.client.headers["Authorization"] = f"Bearer {response.json()['token']}"
            self._judge(response)

    def _judge(self, response, contention: tuple[str, ...] = ()) -> None:
        code = response.json().get("error", {}).get("code") if response.status_code >= 400 and \
            response.headers.get("content-type", "").startswith("application/json") else None
        if response.status_code in DOCUMENTED or (code is not None and code in contention):
            response.request_meta["name"] = f"{response.request_meta['name']} [{response.status_code}]"
            response.success()
        elif response.status_code >= 400:
            response.failure(f"{response.status_code}: {response.text[:200]}")

    def call(self, method: str, path: str, name: str, contention: tuple[str, ...] = (), **kwargs):
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            self._judge(response, contention)
            return response

    @task(1)
    def log_in_again(self) -> None:
        self.login()


class EnterpriseOperator(DemoUser):
    """The manufacturer's operator: the workbench, its candidates, declare / withdraw."""

    login_name = "13800000007"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        projects = self.call("GET", "/workbench/projects", "GET /workbench/projects").json()["items"]
        self.project_id = next(p["project"]["project_id"] for p in projects if p["project"]["status"] == "declaring")
        self.codes = [c["code27"] for c in self.call("GET", f"/workbench/projects/{self.project_id}/candidates",
                                                     "GET /workbench/projects/{id}/candidates").json()["items"]]

    @task(20)
    def workbench(self) -> None:
        self.call("GET", "/workbench/projects", "GET /workbench/projects")

    @task(10)
    def candidates(self) -> None:
        self.call("GET", f"/workbench/projects/{self.project_id}/candidates", "GET /workbench/projects/{id}/candidates")

    @task(10)
    def declare_and_withdraw(self) -> None:
        code = random.choice(self.codes)  # nosec B311: load, not security
        declared = self.call("POST", f"/projects/{self.project_id}/declarations", "POST /projects/{id}/declarations",
                             json={"code27": code})
        if declared.status_code == 201:  # ours to withdraw (unless a colleague did it first)
            self.call("DELETE", f"/projects/{self.project_id}/declarations/{code}",
                      "DELETE /projects/{id}/declarations/{code27}", contention=("declaration_not_found",))


class PlatformReviewer(DemoUser):
    """The platform's first-level reviewer: the record queues and their counts."""

    login_name = "13800000001"
    weight = 1

    @task(15)
    def queue(self) -> None:
        kind = random.choice(("enterprise_info", "product", "registration_certificate"))  # nosec B311
        self.call("GET", f"/reviews/records?kind={kind}", "GET /reviews/records")

    @task(10)
    def counts(self) -> None:
        self.call("GET", "/reviews/record-counts", "GET /reviews/record-counts")

    @task(5)
    def mine(self) -> None:
        self.call("GET", "/reviews/mine", "GET /reviews/mine")


class CityOperator(DemoUser):
    """The city bureau's operator: the allocation tasks and its city's institution sheets."""

    login_name = "13800000004"
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        tasks = self.call("GET", "/allocation-tasks", "GET /allocation-tasks").json()["items"]
        self.task_id = tasks[0]["task_id"]

    @task(10)
    def allocation_tasks(self) -> None:
        self.call("GET", "/allocation-tasks", "GET /allocation-tasks")

    @task(20)
    def sheets(self) -> None:
        self.call("GET", f"/allocation-tasks/{self.task_id}/city/sheets", "GET /allocation-tasks/{id}/city/sheets")
