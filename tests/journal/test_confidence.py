"""Low-confidence words: found in the text, sealed, underlined below the threshold until
the person checks the text, escaped like any text, dropped by a correction."""

from __future__ import annotations

import io
import uuid
from types import SimpleNamespace

import pytest

from tests.fakes import tone_wav
from tests.helpers import PASSWORD
from tests.journal_factory import add_entry, user_id
from tests.test_at_rest import transcribe_all
from voiceguide.accounts import keyring
from voiceguide.errors import JournalDamaged
from voiceguide.extensions import db
from voiceguide.journal import confidence, sealed
from voiceguide.models import Entry
from voiceguide.speech import registry, whisper_stt
from voiceguide.speech.base import Word

HEARD = "a secret I can't share it with her"
DOUBTS = [("a", 0.9), ("secret", 0.95), ("I", 0.8), ("can't", 0.31), ("share", 0.7),
          ("it", 0.42), ("with", 0.99), ("her", 0.97)]  # fmt: skip


@pytest.fixture
def owner(app, auth):
    auth.register()
    return user_id(app, "alice")


def test_words_are_found_in_order_and_missing_ones_skipped():
    text = "Hello, hello world. It's fine."
    words = [Word(" Hello,", 0.9), Word(" hello", 0.2), Word(" planet", 0.1),
             Word(" world.", 0.6), Word(" It's", 0.4), Word(" fine.", 0.99)]  # fmt: skip
    found = confidence.spans(text, words)
    assert [text[a:b] for a, b, _ in found] == ["Hello,", "hello", "world.", "It's", "fine."]
    assert [p for _, _, p in found] == [0.9, 0.2, 0.6, 0.4, 0.99]


def test_a_streamed_answers_words_are_found_in_its_tail_only():
    # The earlier segments keep their text only; the tail's words must not land on the
    # same words said earlier in the answer.
    head = "I was hurt. She said sorry."
    text = f"{head} I was hurt again."
    tail = [Word(" I", 0.9), Word(" was", 0.3), Word(" hurt", 0.2), Word(" again.", 0.8)]
    found = confidence.spans(text, tail, start=len(head) + 1)
    assert [(a, text[a:b]) for a, b, _ in found] == [
        (28, "I"),
        (30, "was"),
        (34, "hurt"),
        (39, "again."),
    ]


def test_pieces_cut_the_text_into_runs():
    text = "one two three"
    assert confidence.pieces(text, [(4, 7)]) == [("one ", False), ("two", True), (" three", False)]
    assert confidence.pieces(text, []) == [(text, False)]
    assert confidence.pieces(text, [(8, 13), (0, 3), (2, 5), (10, 99)]) == [
        ("one", True),
        (" two ", False),
        ("three", True),
    ]


def test_the_threshold_decides_which_words_are_underlined(app, client, owner):
    entry_id = add_entry(app, owner, machine=HEARD, words=DOUBTS)
    unsure = client.get(f"/api/entries/{entry_id}").get_json()["unsure"]
    assert [HEARD[a:b] for a, b in unsure] == ["can't", "it"]  # below 0.5, the default
    app.config["UNSURE_WORD_BELOW"] = 0.75
    unsure = client.get(f"/api/entries/{entry_id}").get_json()["unsure"]
    assert [HEARD[a:b] for a, b in unsure] == ["can't", "share", "it"]
    app.config["UNSURE_WORD_BELOW"] = 0.0
    assert client.get(f"/api/entries/{entry_id}").get_json()["unsure"] == []


def test_the_confidences_are_sealed_and_bound_to_their_entry(app, owner):
    entry_id = add_entry(app, owner, machine=HEARD, words=[("secret", 0.12345)])
    other = add_entry(app, owner, machine="other")
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        stored = entry.words_sealed
        assert stored is not None and b"0.123" not in stored and b"[[" not in stored
        key = keyring.open_with_password(entry.owner, PASSWORD)
        assert sealed.open_text(key, entry_id, "words", stored) == "[[2,8,0.123]]"
        moved = db.session.get(Entry, other)
        moved.words_sealed = stored
        with pytest.raises(JournalDamaged):
            sealed.open_entry(moved, key)


def test_the_job_seals_the_recognisers_words(app, auth, owner):
    with app.app_context():
        stt = registry.stt()
        stt.text, stt.words = HEARD, tuple(Word(f" {w}", p) for w, p in DOUBTS)
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    response = auth.client.post(
        "/api/entries",
        data={**form, "audio": (io.BytesIO(tone_wav(1.0)), "a.wav")},
        headers=auth.headers(),
    )
    entry_id = response.get_json()["id"]
    transcribe_all(app)
    got = auth.client.get(f"/api/entries/{entry_id}").get_json()
    assert got["transcript"] == HEARD
    assert [HEARD[a:b] for a, b in got["unsure"]] == ["can't", "it"]


def test_engines_without_probabilities_leave_no_marks(app, auth, owner):
    form = {"stage": "identify-the-root", "prompt": "prompt-1", "client_id": str(uuid.uuid4())}
    response = auth.client.post(
        "/api/entries",
        data={**form, "audio": (io.BytesIO(tone_wav(1.0)), "a.wav")},
        headers=auth.headers(),
    )
    transcribe_all(app)
    entry_id = response.get_json()["id"]
    with app.app_context():
        assert db.session.get(Entry, entry_id).words_sealed is None
    assert auth.client.get(f"/api/entries/{entry_id}").get_json()["unsure"] == []
    assert 'class="unsure"' not in auth.client.get("/journal").get_data(as_text=True)


def test_the_journal_underlines_unsure_words_escaped_with_a_legend(app, client, owner):
    text = "I said <script>alert(1)</script> & more"
    entry_id = add_entry(app, owner, machine=text, words=[("<script>alert(1)</script>", 0.1)])
    html = client.get("/journal").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert (
        '<blockquote class="journal-transcript">I said <u class="unsure">'
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        '<span class="visually-hidden"> (unsure)</span></u> &amp; more</blockquote>'
    ) in html
    assert "words: the recogniser was unsure of them" in html
    question = client.get("/journal/questions/identify-the-root/prompt-1").get_data(as_text=True)
    assert '<u class="unsure">&lt;script&gt;' in question
    assert client.get(f"/api/entries/{entry_id}").get_json()["unsure"] == [[7, 32]]


def test_a_correction_clears_the_marks(app, client, auth, owner):
    entry_id = add_entry(app, owner, machine=HEARD, words=DOUBTS)
    response = client.patch(
        f"/api/entries/{entry_id}", json={"transcript": "a secret I had shared with her"},
        headers=auth.headers(),
    )  # fmt: skip
    assert response.status_code == 200 and response.get_json()["unsure"] == []
    with app.app_context():
        assert db.session.get(Entry, entry_id).words_sealed is None
    html = client.get("/journal").get_data(as_text=True)
    assert 'class="unsure"' not in html and "recogniser was unsure" not in html


def test_looks_right_clears_the_marks_too(app, client, auth, owner):
    entry_id = add_entry(app, owner, machine=HEARD, words=DOUBTS)
    assert 'class="unsure"' in client.get("/journal").get_data(as_text=True)
    response = client.post(f"/api/entries/{entry_id}/confirm", headers=auth.headers())
    assert response.status_code == 200 and response.get_json()["unsure"] == []
    with app.app_context():
        assert db.session.get(Entry, entry_id).words_sealed is None
    assert 'class="unsure"' not in client.get("/journal").get_data(as_text=True)


def test_whisper_hands_on_each_words_probability():
    segments = [
        SimpleNamespace(words=[SimpleNamespace(word=" Hello,", probability=0.91)]),
        SimpleNamespace(words=None),
        SimpleNamespace(words=[SimpleNamespace(word=" world.", probability=0.3)]),
    ]
    assert whisper_stt._words(segments) == (Word(" Hello,", 0.91), Word(" world.", 0.3))


def test_the_threshold_is_a_setting_from_the_environment(make_app):
    from voiceguide.config import from_environment

    assert from_environment({"VOICEGUIDE_UNSURE_WORD_BELOW": "0.3"}) == {"UNSURE_WORD_BELOW": 0.3}
    assert make_app(UNSURE_WORD_BELOW="0.25").config["UNSURE_WORD_BELOW"] == 0.25
