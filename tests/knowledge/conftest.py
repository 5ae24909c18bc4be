"""Fixtures: real Chroma stores in temp dirs, the demo handbook, the reference corpus (session).

HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE prove that nothing downloads a model at run time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
DEV_QA = SHARED / "eval" / "dev_qa.yaml"
DEMO = REPO / "knowledge" / "demo"

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir() or not DEV_QA.is_file(),
    reason=f"reference corpus not found at {CORPUS} (only present beside the main checkout)",
)


def make_kb(path: Path, chroma_url: str | None = None):
    from knowledge.api import KnowledgeBase
    from knowledge.settings import KnowledgeSettings

    settings = KnowledgeSettings(
        knowledge_chroma_path=path / "chroma",
        knowledge_chroma_url=chroma_url,
        # one server, many tests: each knowledge base gets its own collection
        knowledge_collection=f"t_{uuid.uuid4().hex[:12]}" if chroma_url else "hr_knowledge",
        knowledge_registry_path=None,
        hrbot_llm_base_url=None,
    )
    return KnowledgeBase(settings)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Chroma's own server (client/server mode, as in docs/SCALE_OUT.md) on a free port."""
    from tests.stack import free_port

    port = free_port()
    log = open(tmp_path_factory.mktemp("chroma-log") / "chroma.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "chroma"),
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-srv")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chroma server did not start (see {log.name})")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(params=["embedded", "server"])
def any_kb(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty knowledge base, on Chroma embedded on disk and on a Chroma server."""
    if request.param == "server":
        return make_kb(tmp_path, request.getfixturevalue("chroma_server"))
    return make_kb(tmp_path)


@pytest.fixture
def kb(tmp_path: Path):
    """An empty knowledge base in a temp dir."""
    return make_kb(tmp_path)


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory):
    """The demo handbook (en+zh), ingested once per session."""
    kb = make_kb(tmp_path_factory.mktemp("demo"))
    rep = kb.ingest([DEMO], progress=False)
    assert not rep.failed, rep.failed
    return kb


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference corpus ingested once per session (sources relative to corpus/).

    Embedding the corpus takes 1-5 minutes on 2 cores. To keep repeated local runs fast, set
    KNOWLEDGE_TEST_STORE to a directory kept between runs: the ingest then only re-checks content
    hashes (which is itself the "unchanged files cost nothing" behaviour under test).
    """
    if not CORPUS.is_dir():
        pytest.skip(f"reference corpus not found at {CORPUS}")
    keep = os.environ.get("KNOWLEDGE_TEST_STORE")
    path = Path(keep) if keep else tmp_path_factory.mktemp("corpus")
    kb = make_kb(path)
    rep = kb.ingest([CORPUS], base=CORPUS, progress=False, prune=True)
    assert not rep.failed, rep.failed
    return path


@pytest.fixture(scope="session")
def corpus_kb(corpus_store: Path):
    return make_kb(corpus_store)


# ---------------------------------------------------------------- file fixtures
def write_docx(path: Path, paragraphs: list[str]) -> Path:
    """A minimal valid DOCX written by hand (no python-docx needed)."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    doc = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", doc)
    return path


def write_pdf(path: Path, lines: list[str]) -> Path:
    """A minimal valid one-page PDF with Helvetica text, xref offsets computed by hand."""
    text = (
        "BT /F1 12 Tf 72 720 Td 14 TL "
        + " ".join(
            "(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*" for ln in lines
        )
        + " ET"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text.encode("latin-1") + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + o + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


@pytest.fixture
def copy_demo(tmp_path: Path) -> Path:
    """A writable copy of the demo handbook."""
    dst = tmp_path / "docs"
    shutil.copytree(DEMO, dst)
    return dst
