"""Narration: the content-addressed cache and its HTTP behaviour (fake engine)."""

from __future__ import annotations

import threading

from voiceguide.speech import registry
from voiceguide.speech.audio import mp3_seconds


def _first_url(client) -> str:
    return client.get("/api/program").json["stages"][0]["parts"][0]["audio_url"]


def _cache_files(app):
    from pathlib import Path

    return sorted(p.name for p in Path(app.config["AUDIO_CACHE"]).iterdir())


def test_program_json_follows_the_contract(client):
    data = client.get("/api/program").json
    assert data["id"] == "building-bridges-of-trust"
    assert len(data["stages"]) == 7
    part = data["stages"][0]["parts"][0]
    assert set(part) == {"id", "kind", "text", "audio_url"}
    kinds = {p["kind"] for s in data["stages"] for p in s["parts"]}
    assert kinds == {"intro", "instruction", "prompt", "closing"}
    urls = [p["audio_url"] for s in data["stages"] for p in s["parts"]]
    assert all(u.startswith("/narration/") and u.endswith(".mp3") for u in urls)


def test_first_request_synthesises_and_a_hit_calls_no_engine(app, client):
    engine = registry.tts(app)
    url = _first_url(client)
    first = client.get(url)
    assert first.status_code == 200
    assert first.mimetype == "audio/mpeg"
    assert first.headers["ETag"]
    assert "max-age=31536000" in first.headers["Cache-Control"]
    assert mp3_seconds(first.data) > 0.5
    assert len(engine.calls) == 1
    second = client.get(url)
    assert second.data == first.data
    assert len(engine.calls) == 1
    assert [f for f in _cache_files(app) if f.startswith(".tmp")] == []


def test_concurrent_requests_for_one_part_synthesise_once(app, client):
    engine = registry.tts(app)
    engine.delay = 0.3
    url = _first_url(client)
    bodies: list[bytes] = []

    def fetch():
        with app.test_client() as c:
            bodies.append(c.get(url).data)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(engine.calls) == 1
    assert len(bodies) == 4 and len(set(bodies)) == 1
    assert mp3_seconds(bodies[0]) > 0.5


def test_etag_gives_304_and_range_gives_206(client):
    url = _first_url(client)
    whole = client.get(url)
    etag = whole.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"


def test_unknown_narration_is_404_json(client):
    response = client.get("/narration/" + "0" * 64 + ".mp3")
    assert response.status_code == 404
    assert "error" in response.json
    assert client.get(_first_url(client).replace(".mp3", ".wav")).status_code == 404


def test_cache_key_changes_with_engine_options(app):
    from voiceguide.speech.narration_cache import NarrationCache

    class Other:
        cache_key = "fake|other-voice"

    with app.app_context():
        a = NarrationCache(app.config["AUDIO_CACHE"], registry.tts(app))
        b = NarrationCache(app.config["AUDIO_CACHE"], Other())
    assert a.key("Hello.") != b.key("Hello.")
    assert a.key("Hello.") != a.key("Hello!")
    assert len(a.key("Hello.")) == 64


def test_pregenerate_renders_every_part_then_skips_them(app, runner):
    from voiceguide.narration import spoken_texts
    from voiceguide.speech.pauses import segments

    # Every part, each closing's variant for an unanswered stage, and the spoken cues.
    parts = set(spoken_texts(app.extensions["voiceguide.program"]))
    result = runner.invoke(args=["pregenerate"])
    assert result.exit_code == 0, result.output
    assert f"{len(parts)} made, 0 already cached" in result.output
    assert len([f for f in _cache_files(app) if f.endswith(".mp3")]) == len(parts)
    result = runner.invoke(args=["pregenerate"])
    assert f"0 made, {len(parts)} already cached" in result.output
    # One engine call per piece between pauses.
    pieces = [seg for t in parts for seg in segments(t) if isinstance(seg, str)]
    assert len(registry.tts(app).calls) == len(pieces)


def test_pages_render_with_help_link_everywhere(client):
    for path in ["/", "/stages/boundaries", "/help", "/privacy"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Get help now" in response.data
    assert b"not therapy" in client.get("/").data
    assert b"988" in client.get("/help").data
    assert b"116 123" in client.get("/help").data
    assert client.get("/stages/no-such-stage").status_code == 404
