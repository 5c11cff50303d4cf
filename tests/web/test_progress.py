"""One truth about progress (GET /api/progress and the pages) and reading an answer back."""

from __future__ import annotations

from tests.journal_factory import add_entry, user_id

STAGE = "identify-the-root"


def test_progress_names_answered_and_missing_questions(app, client, auth):
    auth.register()
    owner = user_id(app, "alice")
    add_entry(app, owner, prompt="prompt-1", machine="It was a long time ago.")
    add_entry(app, owner, prompt="prompt-1", machine="Again.")
    data = client.get("/api/progress").json
    first = data["stages"][0]
    assert first == {
        "id": STAGE,
        "answered": 1,
        "total": 3,
        "complete": False,
        "answered_prompts": ["prompt-1"],
        "missing": ["prompt-2", "prompt-3"],
    }
    assert data["completed"] == 0 and data["total"] == 7
    for prompt in ("prompt-2", "prompt-3"):
        add_entry(app, owner, prompt=prompt, machine="Yes.")
    assert client.get("/api/progress").json["stages"][0]["complete"] is True


def test_progress_is_said_the_same_way_on_every_page(app, client, auth):
    auth.register()
    add_entry(app, user_id(app, "alice"), prompt="prompt-2", machine="Someone.")
    line = b"1 of 3 questions answered"
    for path in ("/", "/journal", f"/stages/{STAGE}"):
        assert line in client.get(path).data, path
    stage_page = client.get(f"/stages/{STAGE}").data
    assert b"data-answered='[\"prompt-2\"]'" in stage_page
    assert b"About " in stage_page and b"minutes" in stage_page


def test_progress_needs_a_session(client):
    response = client.get("/api/progress")
    assert response.status_code == 401 and response.json["code"] == "sign_in_required"


def test_an_answer_is_read_back_streamed_and_never_cached(app, client, auth):
    auth.register()
    entry = add_entry(
        app, user_id(app, "alice"), machine="First sentence. Second one, a little longer."
    )
    response = client.get(f"/api/entries/{entry}/speech")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.is_streamed
    body = response.get_data()
    # One WAV of unknown length (the page plays its PCM as it comes): no encoder on the way.
    assert body[:4] == b"RIFF" and body[4:8] == b"\xff\xff\xff\xff" and body[36:40] == b"data"
    from voiceguide.speech import registry

    assert registry.tts(app).calls[-2:] == ["First sentence.", "Second one, a little longer."]


def test_the_first_phrase_is_fetched_ahead_and_the_rest_apart(app, client, auth):
    from voiceguide.speech import registry

    auth.register()
    entry = add_entry(app, user_id(app, "alice"), machine="Well, it was fine. Then it rained.")
    first = client.get(f"/api/entries/{entry}/speech?part=first")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert registry.tts(app).calls[-1:] == ["Well, it was fine."]
    rest = client.get(f"/api/entries/{entry}/speech?part=rest")
    assert rest.status_code == 200 and rest.get_data()[:4] == b"RIFF"
    assert registry.tts(app).calls[-1:] == ["Then it rained."]
    wrong = client.get(f"/api/entries/{entry}/speech?part=middle")
    assert wrong.status_code == 400 and wrong.json["code"]


def test_a_read_back_that_cannot_start_is_a_clear_error_not_a_cut_stream(
    app, client, auth, monkeypatch
):
    from voiceguide.speech import registry
    from voiceguide.speech.base import SpeechError

    auth.register()
    entry = add_entry(app, user_id(app, "alice"), machine="Private words.")

    def broken(text):
        raise SpeechError("the voice is broken")

    monkeypatch.setattr(registry.tts(app), "synthesize", broken)
    response = client.get(f"/api/entries/{entry}/speech")
    assert response.status_code >= 500 and response.json["code"]
    assert b"Private words" not in response.data


def test_read_back_is_only_for_the_owner_and_only_with_words(app, client, auth):
    auth.register()
    silent = add_entry(app, user_id(app, "alice"), machine=None, status="failed")
    assert client.get(f"/api/entries/{silent}/speech").status_code == 409
    auth.register("bob")
    other = add_entry(app, user_id(app, "bob"), machine="Bob's words.")
    auth.login("alice")
    assert client.get(f"/api/entries/{other}/speech").status_code == 404


def test_read_back_refuses_an_online_narration_engine(app, client, auth, monkeypatch):
    from voiceguide.speech import registry

    auth.register()
    entry = add_entry(app, user_id(app, "alice"), machine="Private words.")
    monkeypatch.setattr(registry.tts(app), "offline", False)
    response = client.get(f"/api/entries/{entry}/speech")
    assert response.status_code == 409
    assert registry.tts(app).calls == []
