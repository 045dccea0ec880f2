"""Project attachments (PDF): the center attaches its verified PDFs to a draft; the
announcement carries them, with download links anonymous readers can use."""
from __future__ import annotations

import pytest

from tests.api.conftest import assert_error, assert_ok
from tests.api.projects_support import history, project_body
from tests.api.test_documents import put_at_pinned_key
from tests.domain.test_documents import pdf_bytes


def uploaded(api, token, filename="采购文件.pdf", data: bytes | None = None, complete=True) -> tuple[str, bytes]:
    """A file through POST /files + the pinned upload (+ complete): its id and bytes."""
    ticket = assert_ok(api.post("/files", {"filename": filename, "purpose": "project_attachment"}, token=token),
                       "POST /files", 201)
    data = pdf_bytes(2) if data is None else data
    put_at_pinned_key(ticket, data)
    file_id = ticket["file"]["file_id"]
    if complete:
        api.post(f"/files/{file_id}/complete", token=token)
    return file_id, data


def fetch(url: str) -> bytes:
    import requests

    got = requests.get(url)
    assert got.status_code == 200, f"the presigned link answers {got.status_code}: {got.text[:200]}"
    return got.content


@pytest.fixture
def draft(api, people, frozen):
    return assert_ok(api.post("/projects", project_body(frozen.now()), token=people.center), "create",
                     201)["project_id"]


def attach(api, token, project_id, file_id, title="采购文件"):
    return api.post(f"/projects/{project_id}/attachments", {"file_id": file_id, "title": title}, token=token)


def test_attach_publish_and_anyone_downloads_from_the_announcement(api, people, draft):
    file_id, data = uploaded(api, people.center)
    shown = assert_ok(attach(api, people.center, draft, file_id, "  采购文件（正式）  "), "attach", 201)
    (att,) = shown["attachments"]
    assert (att["file_id"], att["title"], att["filename"], att["pages"]) == \
        (file_id, "采购文件（正式）", "采购文件.pdf", 2), att
    assert att["size"] == len(data) and att["added_at"].endswith("+08:00"), att
    assert fetch(att["url"]) == data, "the center downloads a draft's attachment"
    assert_error(api.get(f"/announcements/{draft}"), 404, "announcement_not_found", "a draft has no announcement")
    assert_error(api.get(f"/projects/{draft}", token=people.enterprise), 404, "project_not_found",
                 "a draft (and its attachments) is the center's")

    assert_ok(api.post(f"/projects/{draft}/publish", token=people.center), "publish")
    public = assert_ok(api.get(f"/announcements/{draft}"), "the public announcement, no login")
    assert [a["file_id"] for a in public["attachments"]] == [file_id], public
    assert fetch(public["attachments"][0]["url"]) == data, "an anonymous reader downloads the attachment"
    listed = assert_ok(api.get("/announcements"), "announcements")["items"]
    assert [a["title"] for a in next(i for i in listed if i["project_id"] == draft)["attachments"]] == \
        ["采购文件（正式）"]
    seen = assert_ok(api.get(f"/projects/{draft}", token=people.enterprise), "an enterprise sees the project")
    assert fetch(seen["attachments"][0]["url"]) == data

    other, _ = uploaded(api, people.center, "补充说明.pdf")
    assert_error(attach(api, people.center, draft, other), 409, "project_not_draft", "attach after publication")
    assert_error(api.delete(f"/projects/{draft}/attachments/{file_id}", token=people.center), 409,
                 "project_not_draft", "remove after publication")
    assert len(assert_ok(api.get(f"/announcements/{draft}"), "unchanged")["attachments"]) == 1
    assert_error(api.get(f"/announcements/{'f' * 32}"), 404, "announcement_not_found", "unknown project")


def test_only_verified_pdfs_of_the_center_and_each_once(api, people, draft):
    from tests import factory

    not_pdf, _ = uploaded(api, people.center, "假的.pdf", data=b"<html>" + b"x" * 500)  # rejected on complete
    error = assert_error(attach(api, people.center, draft, not_pdf), 400, "file_not_verified", "a rejected upload")
    assert error["details"][0]["field"] == "file_id"
    pending, _ = uploaded(api, people.center, complete=False)
    assert_error(attach(api, people.center, draft, pending), 400, "file_not_verified", "never completed")
    theirs, _ = uploaded(api, factory.operator_token(people.ent))
    assert_error(attach(api, people.center, draft, theirs), 400, "file_not_found", "another organisation's file")
    assert_error(attach(api, people.center, draft, "nope"), 400, "file_not_found", "unknown id")

    ours, _ = uploaded(api, people.center)
    blank = assert_error(attach(api, people.center, draft, ours, "   "), 400, "validation_failed", "a blank title")
    assert blank["details"][0]["field"] == "title"
    assert_error(attach(api, people.center, draft, ours, "公告\u202e附件"), 400, "malformed", "an invisible character")
    assert_error(attach(api, people.center, draft, ours, "x" * 101), 400, "validation_failed", "a long title")
    assert_ok(attach(api, people.center, draft, ours), "attach", 201)
    assert_error(attach(api, people.center, draft, ours), 400, "already_attached", "twice")
    assert_error(attach(api, people.center, "f" * 32, ours), 404, "project_not_found", "unknown project")
    assert_error(attach(api, people.enterprise, draft, ours), 403, "actor_forbidden", "an enterprise")


def test_remove_an_attachment_from_a_draft(api, people, draft):
    
    first, _ = uploaded(api, people.center, "一.pdf")
    second, _ = uploaded(api, people.center, "二.pdf")
    assert_ok(attach(api, people.center, draft, first, "一"), "attach 1", 201)
    assert_ok(attach(api, people.center, draft, second, "二"), "attach 2", 201)
    left = assert_ok(api.delete(f"/projects/{draft}/attachments/{first}", token=people.center), "remove")
    assert [a["title"] for a in left["attachments"]] == ["二"], left
    assert_error(api.delete(f"/projects/{draft}/attachments/{first}", token=people.center), 404,
                 "attachment_not_found", "twice")
    assert_error(api.delete(f"/projects/{draft}/attachments/{second}", token=people.enterprise), 403,
                 "actor_forbidden", "an enterprise")
    none = assert_ok(api.delete(f"/projects/{draft}/attachments/{second}", token=people.center), "remove the last")
    assert none["attachments"] == []
    actions = [e["action"] for e in history(draft)]
    assert actions.count("project_attachment_added") == 2 and actions.count("project_attachment_deleted") == 2

    assert_ok(api.post(f"/projects/{draft}/publish", token=people.center), "publish")
    assert assert_ok(api.get(f"/announcements/{draft}"), "announcement")["attachments"] == []


def test_at_most_ten_attachments(api, people, draft):
    from chalicelib.store import projects
    from chalicelib.store.projects import Attachment, ProjectItem

    item = projects.get(draft)
    full = [Attachment(file_id=f"{i:032x}", title=str(i), filename=f"{i}.pdf", key=f"k{i}", added_at="2026-01-01")
            for i in range(10)]
    item.update(actions=[ProjectItem.attachments.set(full)])
    ours, _ = uploaded(api, people.center)
    assert_error(attach(api, people.center, draft, ours), 400, "too_many_attachments", "an eleventh")
