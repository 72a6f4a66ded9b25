"""Documents (书面材料): who may attach which, PDF and images judged by content, the size limit,
downloads as attachments, public documents of published releases, and both storage backends."""

from __future__ import annotations

import datetime as dt
import io
import socket

import pytest

from tests.support import factories
from tests.support.procedure import REVIEWERS, TODAY, file_and_submit, through_review

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(api, url, as_, data, name="申请函.pdf", kind="application_letter"):
    return api.post(url, as_, data={"kind": kind, "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.fixture
def filed(api):
    application = file_and_submit(api, factories.admission())
    return api, application["id"]


def test_the_applicant_attaches_its_signed_letter_and_downloads_it(filed):
    api, app_id = filed
    url = f"/api/v1/applications/{app_id}/documents"
    response = upload(api, url, "nyncj", PDF, name="../../申请函（盖章）.exe")
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert set(document) == {"id", "name", "kind", "content_type", "size", "sha256", "uploaded_at", "uploaded_by"}
    assert document["name"] == "申请函（盖章）.pdf" and document["content_type"] == "application/pdf"
    assert document["size"] == len(PDF) and document["uploaded_by"] == "nyncj" and len(document["sha256"]) == 64
    listed = api.get(url, "bb").get_json()
    assert [d["id"] for d in listed] == [document["id"]]
    download = api.get(f"/api/v1/documents/{document['id']}", "bb")
    assert download.status_code == 200 and download.data == PDF
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition and ".." not in disposition
    assert download.mimetype == "application/pdf"
    # Someone who may not see the application cannot list or read its documents.
    assert api.get(url, "sgz-dyz").status_code == 404
    assert api.get(f"/api/v1/documents/{document['id']}", "sgz-dyz").status_code == 404
    assert api.get(f"/api/v1/documents/{document['id']}").status_code == 404
    history = api.get(f"/api/v1/applications/{app_id}/history", "bb").get_json()
    assert history[-1]["action"] == "attach_document"


def test_only_pdf_png_and_jpeg_judged_by_content(filed):
    api, app_id = filed
    url = f"/api/v1/applications/{app_id}/documents"
    assert upload(api, url, "nyncj", PNG, name="扫描件.png").status_code == 201
    assert upload(api, url, "nyncj", JPEG, name="photo.jpeg").get_json()["content_type"] == "image/jpeg"
    # A script named .pdf is refused, and so is a PDF-looking HTML page.
    refused = upload(api, url, "nyncj", b"<html><script>alert(1)</script>", name="申请函.pdf")
    assert refused.status_code == 415 and refused.get_json()["error"]["code"] == "unsupported_media_type"
    assert upload(api, url, "nyncj", b"MZ\x90\x00", name="申请函.pdf").status_code == 415
    assert upload(api, url, "nyncj", PDF, kind="minutes").status_code == 422
    assert upload(api, url, "nyncj", PDF, kind="letter").status_code == 422
    no_file = api.post(url, "nyncj", data={"kind": "application_letter"}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["error"]["details"]["fields"]
    assert len(api.get(url, "nyncj").get_json()) == 2


def test_the_size_limit_is_configured(filed):
    api, app_id = filed
    api.app.config["ADMISSION_MAX_DOCUMENT_MB"] = 0.01
    url = f"/api/v1/applications/{app_id}/documents"
    too_big = upload(api, url, "nyncj", PDF + b"0" * 11000)
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "too_large"
    assert upload(api, url, "nyncj", PDF + b"0" * 9000).status_code == 201


def test_each_kind_belongs_to_the_party_that_signs_it(filed):
    api, app_id = filed
    url = f"/api/v1/applications/{app_id}/documents"
    # Another applicant may not attach a letter to this application, nor the secretariat its letter.
    assert upload(api, url, "zrzyj", PDF).status_code == 404
    assert upload(api, url, "bb", PDF).status_code == 403
    through_review(api, app_id)
    assert upload(api, url, "zzb", PDF, kind="opinion").status_code == 201
    # A member unit not asked to review has no opinion to sign; the county decides nothing yet.
    assert "sfj" not in REVIEWERS
    assert upload(api, url, "sfj", PDF, kind="opinion").status_code in (403, 404)
    assert upload(api, url, "nyncj", PDF, kind="opinion").status_code == 403
    assert upload(api, url, "xwxzf", PDF, kind="decision").status_code in (403, 404)
    assert upload(api, url, "zzb", PDF, kind="feedback").status_code == 403


def test_release_documents_are_the_secretariats_and_public_once_published(api):
    url = "/api/v1/catalogue/releases/1/documents"
    assert upload(api, url, "nyncj", PDF, kind="release_document").status_code == 403
    response = upload(api, url, "bb", PDF, name="临编办发〔2022〕1号.pdf", kind="release_document")
    assert response.status_code == 201, response.get_json()
    assert upload(api, url, "bb", PDF, kind="decision").status_code == 422
    # Public: no token needed to list or download.
    listed = api.client.get(url)
    assert listed.status_code == 200 and listed.get_json()[0]["name"] == "临编办发〔2022〕1号.pdf"
    download = api.client.get(f"/api/v1/documents/{response.get_json()['id']}")
    assert download.status_code == 200 and download.data == PDF
    assert api.client.get("/api/v1/catalogue/releases/9/documents").status_code == 404


def test_meeting_minutes_are_attached_by_the_secretariat(filed):
    api, app_id = filed
    through_review(api, app_id)
    meeting = api.post("/api/v1/meetings", "bb", json={
        "scheduled_at": (TODAY + dt.timedelta(days=3)).isoformat() + "T09:00:00+08:00", "location": "县委组织部会议室", "agenda": [app_id],
        "attendees": ["zzb", "mzj"],
    })  # fmt: skip
    assert meeting.status_code == 201, meeting.get_json()
    url = f"/api/v1/meetings/{meeting.get_json()['id']}/documents"
    assert upload(api, url, "bb", PDF, kind="minutes").status_code == 201
    assert upload(api, url, "zzb", PDF, kind="minutes").status_code == 403
    assert len(api.get(url, "zzb").get_json()) == 1
    assert api.get(url, "sgz-dyz").status_code == 404


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_server():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - the test dependency is missing
        pytest.skip(f"moto[server] is not installed: {exc}")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - no socket on this machine
        print(f"S3-compatible test server could not start: {exc}")
        pytest.skip(f"S3-compatible test server could not start: {exc}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_documents_in_s3_compatible_storage(make_app, s3_server, monkeypatch):
    import boto3

    from tests.support.api import Api, fast_passwords

    for key, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket="county-documents")
    app = make_app("demo")
    app.config["ADMISSION_STORAGE_URL"] = "s3://county-documents/linyi"
    app.config["ADMISSION_S3_ENDPOINT"] = s3_server
    api = Api(fast_passwords(app))
    response = upload(
        api, "/api/v1/catalogue/releases/1/documents", "bb", PNG, name="印发文件.png", kind="release_document"
    )
    assert response.status_code == 201, response.get_json()
    digest = response.get_json()["sha256"]
    stored = client.get_object(Bucket="county-documents", Key=f"linyi/{digest}")
    assert stored["Body"].read() == PNG and stored["ContentType"] == "image/png"
    # Nothing was written to the instance folder.
    import os

    assert not os.path.exists(os.path.join(app.instance_path, "documents"))
    download = api.client.get(f"/api/v1/documents/{response.get_json()['id']}")
    assert download.status_code == 200 and download.data == PNG


def test_the_application_page_offers_the_upload_form_of_the_viewers_own_kinds(filed):
    from tests.support.api import fast_passwords
    from tests.support.html import csrf_token, main, signed_in

    api, app_id = filed
    fast_passwords(api.app)
    applicant = signed_in(api.app, "nyncj")
    page = applicant.get(f"/applications/{app_id}")
    section = main(page).find("section", id="documents")
    form = section.find("form")
    assert form.attrs["enctype"] == "multipart/form-data"
    assert [o.attrs["value"] for o in form.find("select", name="kind").find_all("option")] == ["application_letter"]
    response = applicant.post(form.attrs["action"], data={
        "csrf_token": csrf_token(page), "kind": "application_letter", "file": (io.BytesIO(PDF), "申请函.pdf"),
    }, content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303
    after = main(applicant.get(f"/applications/{app_id}")).find("section", id="documents")
    link = after.find("a", download="")
    assert link.text == "申请函.pdf"
    download = applicant.get(link.attrs["href"])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # A script is refused on the page too, with the reason shown.
    page = applicant.get(f"/applications/{app_id}")
    applicant.post(form.attrs["action"], data={
        "csrf_token": csrf_token(page), "kind": "application_letter", "file": (io.BytesIO(b"#!/bin/sh"), "x.pdf"),
    }, content_type="multipart/form-data")  # fmt: skip
    assert "只能上传 PDF、PNG 或 JPEG" in applicant.get(f"/applications/{app_id}").get_data(as_text=True)
    # The secretariat sees the list but has no kind of its own to attach to an application.
    secretariat = main(signed_in(api.app, "bb").get(f"/applications/{app_id}")).find("section", id="documents")
    assert secretariat.find_all("form") == [] and "申请函.pdf" in secretariat.text
    # Signed out, the download names nothing.
    assert api.app.test_client().get(link.attrs["href"]).status_code == 404
