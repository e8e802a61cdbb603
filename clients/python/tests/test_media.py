"""Media from the Python client (docs/design.md#media): every kind lands in the run's manifest on
origin's branch; numbers match runpages' TypeScript (src/run/curves.ts); refused media warn, never raise."""

import json
import struct
import zlib

import pytest

import runpages
from runpages import _media


def png(width, height):
    """A small valid RGB PNG."""
    raw = b"".join(b"\x00" + bytes((x * 40) % 256 for x in range(width * 3)) for _ in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_roc_pr_confusion_and_histogram_match_the_typescript_numbers():
    roc = _media.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert roc["auc"] == 0.75 and roc["x"] == [0, 0, 0.5, 0.5, 1] and roc["y"] == [0, 0.5, 0.5, 1, 1]
    assert _media.pr_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])["ap"] == 0.833333
    assert _media.confusion_from(["cat", "dog", "dog"], ["cat", "cat", "dog"]) == {"labels": ["cat", "dog"], "matrix": [[1, 0], [1, 1]]}
    assert _media.histogram_of([0, 1, 2, 3], 3) == {"bins": [0, 1, 2, 3], "counts": [1, 1, 2]}


def test_images_are_known_by_their_bytes_and_bombs_are_refused():
    assert _media.image_info(png(7, 5)) == ("image/png", 7, 5)
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"></svg>'
    assert _media.image_info(svg) == ("image/svg+xml", 120, 60)
    with pytest.raises(_media.MediaProblem, match="not a PNG, JPEG, GIF, WebP or SVG"):
        _media.image_info(b"<html>")
    assert "decompression bomb" in _media.dimension_problem("image/png", 5000, 5000, 200)
    assert "16384 pixels a side" in _media.dimension_problem("image/png", 20000, 10, 200)


def test_every_kind_lands_on_origin_and_a_refused_image_warns(repo, origin):
    with pytest.warns(runpages.RunpagesWarning, match=r"log_image\('fake'\) is not a PNG"):
        with runpages.start(project="media") as run:
            for epoch in range(2):
                assert run.log_image("samples", png(4 + epoch, 4), step=epoch, caption=f"epoch {epoch}")
            run.log_image("pixels", [[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [1.0, 1.0, 1.0]]])
            run.log_image("fake", b"not an image")
            run.log_confusion_matrix("confusion", labels=["a", "b"], matrix=[[3, 1], [0, 2]])
            run.log_curve("roc", kind="roc", y_true=[0, 0, 1, 1], y_score=[0.1, 0.4, 0.35, 0.8])
            run.log_histogram("weights", [0.1, 0.2, 0.2, 0.9], step=1)
            run.log_table("predictions", [{"label": "a", "prediction": "b", "score": float("nan")}])
            run.log_text("sample", "hello")
    record = origin.run("media")
    assert record["metrics"]["roc/auc"] == 0.75
    [folder] = origin.folders("media")
    manifest = json.loads(origin.show(f"{folder}/media.json"))
    kinds = sorted((m["key"], m["kind"], m.get("step")) for m in manifest["media"])
    assert kinds == [
        ("confusion", "confusion_matrix", None), ("pixels", "image", None), ("predictions", "table", None),
        ("roc", "curve", None), ("sample", "text", None), ("samples", "image", 0), ("samples", "image", 1),
        ("weights", "histogram", 1),
    ]
    assert all("display" in m for m in manifest["media"])
